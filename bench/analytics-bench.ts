/**
 * `npm run bench:analytics [-- --conversations 100000 --chat-items 100000]`
 *
 * Export + Parquet conversion of N generated conversations, and token-cost aggregation of N
 * generated Bedrock chat items, on the local runtime (embedded DynamoDB on disk, a folder as the
 * bucket). Each measured step runs in its own process, after seeding in another, so its peak RSS
 * is the step's own: the scan is paged and files are written as streams or row groups, so memory
 * stays bounded whatever N is.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startLocalAnalytics } from '#infra/local/local-analytics.ts';
import { batchPutAll } from '#shared/stores/dynamodb-batches.ts';
import { generateChatItems } from '#shared/samples/chat-item-generator.ts';
import { generateConversationItems } from '#shared/samples/conversation-generator.ts';
import { childArguments, peakRssMiB, runInChild } from './bench-child.ts';

const THIS_FILE = fileURLToPath(import.meta.url);
/** Users generated per seeding chunk (about 3.5 conversations each), so seeding never holds the whole table. */
const SEED_CHUNK_USERS = 2_000;

type Step = 'seed-conversations' | 'seed-chat' | 'export' | 'costs';

async function runStep(step: Step, dataDir: string, count: number): Promise<Record<string, number | string>> {
  const local = await startLocalAnalytics({ dataDir });
  Object.assign(process.env, local.env, { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  try {
    const started = performance.now();
    if (step === 'seed-conversations') {
      let conversations = 0;
      for (let chunk = 0; conversations < count; chunk += 1) {
        const items = generateConversationItems(SEED_CHUNK_USERS, 1_000 + chunk);
        conversations += items.filter((item) => String(item.SK).startsWith('CONVERSATION#')).length;
        await batchPutAll(local.db.documentClient, local.env.CONVERSATIONS_TABLE ?? '', items);
      }
      return { conversations };
    }
    if (step === 'seed-chat') {
      for (let offset = 0; offset < count; offset += 10_000) {
        await batchPutAll(local.db.documentClient, local.env.CHAT_TABLE ?? '', generateChatItems(Math.min(10_000, count - offset), 500 + offset));
      }
      return { items: count };
    }
    const { runAnalyticsChildLocally } = await import('#infra/local/local-analytics.ts');
    const result = await runAnalyticsChildLocally(local, step === 'export' ? 'conversation-export' : 'token-costs', step === 'export' ? { runDate: '2026-11-22' } : {});
    if (result.status !== 'SUCCEEDED') throw new Error(`${step} failed: ${result.error?.name} ${result.error?.message}`);
    const output = result.output as Record<string, unknown>;
    const seconds = (performance.now() - started) / 1000;
    if (step === 'export') {
      const exported = output.export as { rows: { exchanges: number; users: number } };
      return { seconds, peakRssMiB: peakRssMiB(), exchanges: exported.rows.exchanges, users: exported.rows.users };
    }
    return { seconds, peakRssMiB: peakRssMiB(), items: Number(output.itemsRead), conversations: Number(output.conversations) };
  } finally {
    await local.close();
  }
}

/** The measured steps run with the JS heap capped: were memory to follow the data, they would fail, not just grow. */
const MEASURED_HEAP_CAP_MIB = 128;

const inChild = (step: Step, dataDir: string, count: number) =>
  runInChild<Record<string, number | string>>(THIS_FILE, [step, dataDir, String(count)], step === 'export' || step === 'costs' ? { heapCapMiB: MEASURED_HEAP_CAP_MIB } : {});

async function measureAt(conversations: number, chatItems: number) {
  const dir = await mkdtemp(join(tmpdir(), 'normflow-analytics-bench-'));
  try {
    const seeded = await inChild('seed-conversations', dir, conversations);
    const exported = await inChild('export', dir, 0);
    await inChild('seed-chat', dir, chatItems);
    const costs = await inChild('costs', dir, 0);
    return { seeded, exported, costs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { conversations: { type: 'string', default: '100000' }, 'chat-items': { type: 'string', default: '100000' } } });
  const full = { conversations: Number(values.conversations), chatItems: Number(values['chat-items']) };
  // A run at a tenth of the size beside the full one shows whether memory follows the data.
  const scales = [{ conversations: Math.ceil(full.conversations / 10), chatItems: Math.ceil(full.chatItems / 10) }, full];
  console.log('normflow analytics benchmark (local runtime: embedded DynamoDB on disk, folder bucket, DuckDB-readable Parquet)');
  console.log(`measured steps run with the JS heap capped at ${MEASURED_HEAP_CAP_MIB} MiB (RSS includes the native DuckDB, LevelDB and V8 code)\n`);
  for (const scale of scales) {
    const { exported, costs } = await measureAt(scale.conversations, scale.chatItems);
    console.log(`export + Parquet conversion: ${exported.exchanges} conversations (${exported.users} users) in ${Number(exported.seconds).toFixed(1)} s, peak RSS ${Number(exported.peakRssMiB).toFixed(0)} MiB`);
    console.log(`token-cost aggregation: ${costs.items} chat items (${costs.conversations} conversations) in ${Number(costs.seconds).toFixed(1)} s, peak RSS ${Number(costs.peakRssMiB).toFixed(0)} MiB`);
  }
}

const child = childArguments();
if (child) {
  const [step = 'export', dataDir = '', count = '0'] = child;
  console.log(JSON.stringify(await runStep(step as Step, dataDir, Number(count))));
} else {
  await main();
}
