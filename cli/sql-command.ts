import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '#infra/local/local-runtime.ts';
import { openLocalCatalog } from '#infra/local/local-catalog.ts';
import { runAthenaQuery, type QueryResult } from '#shared/stores/athena-query-runner.ts';
import { UsageError } from './cli-errors.ts';

/** Where the local analytics live under a data folder: the bucket folder and the DuckDB catalog. */
export const analyticsPaths = (dataDir: string) => ({
  catalog: resolve(dataDir, 'analytics', 'catalog.duckdb'),
});

export async function runLocalQuery(dataDir: string, sql: string): Promise<QueryResult> {
  const { catalog } = analyticsPaths(dataDir);
  if (!existsSync(catalog)) throw new UsageError(`no local catalog in ${join(dataDir, 'analytics')}: run \`npx normflow analytics run\` first`);
  const local = await openLocalCatalog(catalog);
  try {
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

export function formatTable(result: QueryResult): string {
  const widths = result.columns.map((column, index) =>
    Math.min(60, Math.max(column.length, ...result.rows.map((row) => (row[index] ?? 'NULL').length))),
  );
  // One row per line: line breaks inside a value show as ⏎.
  const shown = (cell: string | null) => (cell ?? 'NULL').replace(/\r?\n/g, '⏎').slice(0, 60);
  const line = (cells: Array<string | null>) => cells.map((cell, index) => shown(cell).padEnd(widths[index] ?? 0)).join(' | ');
  return [line(result.columns), widths.map((width) => '-'.repeat(width)).join('-+-'), ...result.rows.map(line), `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`].join('\n');
}

export function registerSqlCommand(program: Command): void {
  program
    .command('sql <query>')
    .description('query the analytics tables: users, exchanges, token_costs, token_costs_by_user_day, token_costs_by_model_day, normalization_costs')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .option('--aws', 'run on Amazon Athena instead of the local DuckDB catalog')
    .option('--workgroup <name>', 'with --aws: the Athena workgroup (its settings choose the results location and scan limit)')
    .option('--database <name>', 'with --aws: the Glue database')
    .option('--json', 'print rows as JSON')
    .action(async (query: string, options: { dataDir: string; aws?: boolean; workgroup?: string; database?: string; json?: boolean }) => {
      let result: QueryResult;
      if (options.aws) {
        if (!options.workgroup) throw new UsageError('--aws needs --workgroup W');
        result = await runAthenaQuery({
          client: new AthenaClient({}),
          workgroup: options.workgroup,
          sql: query,
          ...(options.database ? { database: options.database } : {}),
        });
      } else {
        result = await runLocalQuery(options.dataDir, query);
      }
      console.log(
        options.json
          ? JSON.stringify(result.rows.map((row) => Object.fromEntries(result.columns.map((column, index) => [column, row[index]]))), null, 2)
          : formatTable(result),
      );
    });
}
