import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateChatItems } from '#shared/samples/chat-item-generator.ts';
import { generateConversationItems } from '#shared/samples/conversation-generator.ts';
import { runAnalyticsChildLocally, runAnalyticsLocally, startLocalAnalytics, type LocalAnalyticsEnvironment } from '#infra/local/local-analytics.ts';
import { openLocalCatalog } from '#infra/local/local-catalog.ts';
import { NAMED_QUERIES } from '#shared/analytics/named-queries.ts';
import { batchPutAll } from '#shared/stores/dynamodb-batches.ts';

let dir: string;
let local: LocalAnalyticsEnvironment;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-analytics-'));
  local = await startLocalAnalytics({ inMemory: true, scratchDir: dir });
  Object.assign(process.env, local.env, { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
});
afterEach(async () => {
  await local.close();
  await rm(dir, { recursive: true, force: true });
});

const seed = async (conversations: Array<Record<string, unknown>>, chat: Array<Record<string, unknown>>) => {
  await batchPutAll(local.db.documentClient, local.env.CONVERSATIONS_TABLE ?? '', conversations);
  await batchPutAll(local.db.documentClient, local.env.CHAT_TABLE ?? '', chat);
};

async function sql(query: string): Promise<Array<Record<string, unknown>>> {
  const catalog = await openLocalCatalog(local.catalogPath);
  try {
    return (await catalog.connection.runAndReadAll(query)).getRowObjectsJson() as Array<Record<string, unknown>>;
  } finally {
    catalog.close();
  }
}

describe('analytics (parent state machine, local runtime)', () => {
  it('HappyPath: exports, converts, catalogs and costs; every named query runs on the local catalog', async () => {
    await seed(generateConversationItems(40), generateChatItems(300, 3));
    const result = await runAnalyticsLocally(local, { runDate: '2026-11-22' });
    expect(result.status).toBe('SUCCEEDED');
    const users = await sql('SELECT count(*) AS n FROM users');
    expect(Number(users[0]?.n)).toBeGreaterThan(0);
    for (const named of NAMED_QUERIES) {
      const rows = await sql(named.sql);
      expect(rows.length, named.name).toBeGreaterThan(0);
    }
  });

  it('an empty source table: succeeds with empty outputs and headers, nothing invented', async () => {
    const result = await runAnalyticsLocally(local, { runDate: '2026-11-22' });
    expect(result.status).toBe('SUCCEEDED');
    const csv = await readFile(join(local.bucketFolder, 'conversations/users/dt=2026-11-22/users.csv'), 'utf8');
    expect(csv.trim().split(/\r?\n/)).toHaveLength(1);
  });

  it('hands its own input to both children: the run date and config reach the export, the conversion and the costs', async () => {
    await seed(generateConversationItems(5), generateChatItems(20, 4));
    const config = { exportPrefix: 'chat/', tokenCostsPrefix: 'costs/' };
    const result = await runAnalyticsLocally(local, { runDate: '2026-03-01', config });
    expect(result.status).toBe('SUCCEEDED');
    const users = await readFile(join(local.bucketFolder, 'chat/users/dt=2026-03-01/users.csv'), 'utf8');
    expect(users.trim().split(/\r?\n/).length).toBeGreaterThan(1);
    await expect(readFile(join(local.bucketFolder, 'chat/parquet/users/dt=2026-03-01/part-0.parquet'))).resolves.toBeInstanceOf(Buffer);
    await expect(readdir(join(local.bucketFolder, 'costs'))).resolves.toEqual(expect.arrayContaining(['_watermark.json']));
    await expect(readdir(join(local.bucketFolder, 'conversations'))).rejects.toThrow(/ENOENT/);
  });

  it('items without a message map are costed at zero text, without crashing or borrowing another item’s model', async () => {
    const [good] = generateChatItems(1, 5);
    const bare = { PK: 'user-x', SK: 'user-x#CONV#c-1', CreateTime: Date.parse('2026-11-22T15:00:00Z'), TotalPrice: 0.5 };
    await seed([], [good ?? {}, bare]);
    const result = await runAnalyticsChildLocally(local, 'token-costs', {});
    expect(result.status).toBe('SUCCEEDED');
    const rows = await sql("SELECT model, input_tokens, output_tokens, message_map_status, recorded_price_usd FROM token_costs WHERE conversation_id = 'c-1'");
    expect(rows).toEqual([expect.objectContaining({ input_tokens: '0', output_tokens: '0', message_map_status: 'missing', recorded_price_usd: 0.5 })]);
    // The configured default model, never the model of the item read before it.
    expect(rows[0]?.model).toBe('anthropic.claude-3-haiku-20240307-v1:0');
  });

  it('a crawler that is already running is waited for, not an error', async () => {
    await seed(generateConversationItems(5), []);
    const states = ['RUNNING', 'STOPPING', 'READY'];
    let starts = 0;
    const result = await runAnalyticsChildLocally(local, 'conversation-export', { runDate: '2026-11-22' }, {
      crawler: {
        start: async () => {
          starts += 1;
          throw Object.assign(new Error('Crawler with name normflow-local-conversations has already started'), { name: 'Glue.CrawlerRunningException' });
        },
        state: async () => states.shift() ?? 'READY',
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(starts).toBe(1);
    expect(states).toEqual([]);
  });

  it('re-running on the same day is idempotent: same files, same rows, no double counting', async () => {
    await seed(generateConversationItems(20), generateChatItems(200, 9));
    await runAnalyticsLocally(local, { runDate: '2026-11-22' });
    const first = await sql('SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM exchanges) AS exchanges, (SELECT sum(input_tokens) FROM token_costs) AS tokens, (SELECT count(*) FROM token_costs) AS conversations');
    await runAnalyticsLocally(local, { runDate: '2026-11-22' });
    const second = await sql('SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM exchanges) AS exchanges, (SELECT sum(input_tokens) FROM token_costs) AS tokens, (SELECT count(*) FROM token_costs) AS conversations');
    expect(second).toEqual(first);
  });
});
