import type { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '#infra/local/local-runtime.ts';
import { openMaintenanceStores, type MaintenanceOptions } from './erasure-stores.ts';

/** `normflow cache clear`: drops every remembered model answer (after a model or prompt change you distrust, or on request). */
export function registerCacheCommand(program: Command): void {
  program
    .command('cache')
    .description('the value cache of accepted model answers')
    .command('clear')
    .description('delete every entry of the value cache')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .option('--aws', 'a deployed value-cache table instead of the local store')
    .option('--cache-table <name>', 'with --aws: the value-cache table')
    .option('--region <region>', 'with --aws: its region')
    .action(async (options: MaintenanceOptions) => {
      const stores = await openMaintenanceStores(options, ['cache']);
      try {
        const deleted = await stores.valueCache.clear();
        console.log(`deleted ${deleted} value-cache entr${deleted === 1 ? 'y' : 'ies'} from ${stores.where}`);
      } finally {
        await stores.close();
      }
    });
}
