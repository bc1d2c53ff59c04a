import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '#infra/local/local-runtime.ts';
import { openLocalCatalog } from '#infra/local/local-catalog.ts';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { runAthenaQuery, type QueryResult } from '#shared/stores/athena-query-runner.ts';
import { analyticsPaths } from './analytics-paths.ts';
import { formatTable } from './row-output.ts';
import { mentionsLeadsTables, registerLeadsViews, snapshotLeads, type LeadsSnapshot } from './sql-leads.ts';
import { stewardConfig, withStewardStores } from './steward-stores.ts';


export async function runLocalQuery(dataDir: string, sql: string, leads?: LeadsSnapshot): Promise<QueryResult> {
  const { catalog } = analyticsPaths(dataDir);
  const hasCatalog = existsSync(catalog);
  if (!hasCatalog && !leads) throw new UsageError(`no local catalog in ${join(dataDir, 'analytics')}: run \`npx normflow analytics run\` first (the leads tables need no catalog)`);
  // Without analytics the leads tables still answer, in an in-memory database.
  const local = await openLocalCatalog(hasCatalog ? catalog : ':memory:');
  try {
    if (leads) await registerLeadsViews(local.connection, leads);
    const reader = await local.connection.runAndReadAll(sql);
    return {
      columns: reader.columnNames(),
      rows: reader.getRowsJson().map((row) => row.map((value) => (value === null ? null : typeof value === 'object' ? JSON.stringify(value) : String(value)))),
    };
  } catch (error) {
    throw new UsageError(`query failed: ${(error as Error).message}`);
  } finally {
    local.close();
  }
}

export function registerSqlCommand(program: Command): void {
  program
    .command('sql <query>')
    .description('query the leads (leads, lead_fields) and the analytics tables: users, exchanges, token_costs, token_costs_by_user_day, token_costs_by_model_day, normalization_costs')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .option('--aws', 'run on Amazon Athena instead of the local DuckDB catalog (analytics tables only)')
    .option('--workgroup <name>', 'with --aws: the Athena workgroup (its settings choose the results location and scan limit)')
    .option('--database <name>', 'with --aws: the Glue database')
    .option('--leads-table <name>', 'the leads tables from this deployed DynamoDB table (your credentials) instead of the local store')
    .option('--config-table <name>', 'with --leads-table: the deployed config table (field names and kinds)')
    .option('--config <file>', 'JSON config merged over the config table item (field names and kinds)')
    .option('--json', 'print rows as JSON')
    .action(async (query: string, options: { dataDir: string; aws?: boolean; workgroup?: string; database?: string; leadsTable?: string; configTable?: string; config?: string; json?: boolean }) => {
      let result: QueryResult;
      if (options.aws && mentionsLeadsTables(query)) {
        throw new UsageError('the leads tables are not in Athena (see docs/steward.md): query them locally, with --leads-table T for the deployed table');
      }
      if (options.aws) {
        if (!options.workgroup) throw new UsageError('--aws needs --workgroup W');
        result = await runAthenaQuery({
          client: new AthenaClient({}),
          workgroup: options.workgroup,
          sql: query,
          ...(options.database ? { database: options.database } : {}),
        });
      } else {
        let leads: LeadsSnapshot | undefined;
        if (mentionsLeadsTables(query)) {
          const target = { dataDir: options.dataDir, aws: options.leadsTable !== undefined, ...(options.leadsTable ? { leadsTable: options.leadsTable } : {}), ...(options.configTable ? { configTable: options.configTable } : {}), ...(options.config ? { config: options.config } : {}) };
          leads = await withStewardStores(target, async (stores) => snapshotLeads(stores.leads, await stewardConfig(stores, target), analyticsPaths(options.dataDir).leadsSnapshot));
        }
        result = await runLocalQuery(options.dataDir, query, leads);
      }
      console.log(
        options.json
          ? JSON.stringify(result.rows.map((row) => Object.fromEntries(result.columns.map((column, index) => [column, row[index]]))), null, 2)
          : formatTable(result),
      );
    });
}
