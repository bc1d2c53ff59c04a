import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '#infra/local/local-runtime.ts';
import { mergeConfigLayers, parseConfig } from '#shared/config/normalization-config.ts';
import { forgetLead } from '#shared/pipeline/forget-lead.ts';
import { CONFIG_ID } from '#shared/pipeline/pipeline-types.ts';
import { analyticsPaths } from './analytics-paths.ts';
import { readJsonConfigFile } from './cli-config.ts';
import { openMaintenanceStores, type MaintenanceOptions } from './erasure-stores.ts';

/** `normflow leads forget ID`: erasure of one lead and every trace of it the pipeline kept (Ley 1581 / GDPR). */
export function registerForgetCommand(leads: Command): void {
  leads
    .command('forget <id>')
    .description('erase a lead: the lead (its normalization history with it), the batch traces that name it, the value-cache entries made from its values, and the local SQL snapshot of the leads')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .option('--config <file>', 'JSON config with the fields (default: the config table item, else the defaults)')
    .option('--aws', 'the deployed tables instead of the local store')
    .option('--leads-table <name>', 'with --aws: stack output LeadsTableName')
    .option('--runs-table <name>', 'with --aws: stack output RunsTableName')
    .option('--cache-table <name>', 'with --aws: the value-cache table')
    .option('--config-table <name>', 'with --aws: stack output ConfigTableName (for the fields)')
    .option('--region <region>', 'with --aws: the tables\' region')
    .action(async (id: string, options: MaintenanceOptions & { config?: string }) => {
      const stores = await openMaintenanceStores(options, ['leads', 'runs', 'cache']);
      try {
        const item = await stores.config?.getConfig(CONFIG_ID);
        const file = options.config ? await readJsonConfigFile(options.config) : undefined;
        const config = parseConfig(mergeConfigLayers(item, file));
        const report = await forgetLead(stores, config, id);
        // The lead's earlier versions live on its item, gone with it; `normflow sql` keeps a copy of every lead in its snapshot.
        const snapshot = analyticsPaths(options.dataDir).leadsSnapshot;
        const hadSnapshot = existsSync(snapshot);
        if (hadSnapshot) await rm(snapshot, { recursive: true, force: true });
        console.log(
          `${report.leadFound ? `erased lead ${id}` : `no lead ${id} in ${stores.where}`}: ${report.batchTraces} batch trace(s), ` +
            `${report.cacheEntries} value-cache entr${report.cacheEntries === 1 ? 'y' : 'ies'}` +
            `${hadSnapshot ? ', the SQL snapshot of the leads (made again by the next query naming them)' : ''}. Run records keep counts only; logs carry ids only.`,
        );
      } finally {
        await stores.close();
      }
    });
}
