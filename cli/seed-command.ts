import type { Command } from 'commander';
import { DEFAULT_DATA_DIR, startLocalEnvironment, type LocalEnvironment } from '#infra/local/local-runtime.ts';
import { formatOfPath, readRecords } from '#shared/io/record-reader.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';
import { localStores } from './local-stores.ts';

const SEED_CHUNK = 500;

export interface SeedResult {
  loaded: number;
  rejected: Array<{ line: number; reason: string }>;
}

/** Loads JSONL/CSV records into the local leads table; bad lines are reported by number, the rest load. */
export async function seedLeads(local: LocalEnvironment, input: string): Promise<SeedResult> {
  const { leads } = localStores(local);
  const rejected: SeedResult['rejected'] = [];
  let chunk: LeadItem[] = [];
  let loaded = 0;
  for await (const item of readRecords(input, { format: formatOfPath(input), idFields: ['leadId', 'id'] })) {
    if (item.kind === 'rejected') {
      rejected.push({ line: item.line, reason: item.reason });
      continue;
    }
    chunk.push({ ...item.record, leadId: item.id });
    if (chunk.length >= SEED_CHUNK) {
      await leads.putMany(chunk);
      loaded += chunk.length;
      chunk = [];
    }
  }
  if (chunk.length > 0) {
    await leads.putMany(chunk);
    loaded += chunk.length;
  }
  return { loaded, rejected };
}

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('load records (JSONL or CSV, each with leadId or id) into the local leads table')
    .requiredOption('--input <file>', 'records to load')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .action(async (options: { input: string; dataDir: string }) => {
      const local = await startLocalEnvironment({ dataDir: options.dataDir });
      try {
        const result = await seedLeads(local, options.input);
        console.log(`loaded ${result.loaded} leads into ${local.env.LEADS_TABLE}`);
        if (result.rejected.length > 0) {
          for (const { line, reason } of result.rejected.slice(0, 20)) console.error(`line ${line}: ${reason}`);
          if (result.rejected.length > 20) console.error(`… and ${result.rejected.length - 20} more`);
          console.error(`${result.rejected.length} line(s) rejected; every other record was loaded.`);
          process.exitCode = 1;
        }
      } finally {
        await local.close();
      }
    });
}
