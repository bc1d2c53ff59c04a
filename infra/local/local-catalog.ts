import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CATALOG_TABLES } from '#shared/analytics/catalog-tables.ts';

/** Extensions are never downloaded: the local engine works offline. */
const OFFLINE = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' } as const;

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

async function hasParquet(folder: string): Promise<boolean> {
  if (!existsSync(folder)) return false;
  const entries = await readdir(folder, { recursive: true });
  return entries.some((entry) => String(entry).endsWith('.parquet'));
}

/**
 * Registers each analytics table that has data as a DuckDB view over its Parquet partitions
 * (hive partitioning: `dt` becomes a column), in a catalog file beside the bucket folder. Views
 * read the files at query time, so new partitions show up without registering again.
 */
export async function registerLocalCatalog(bucketFolder: string, catalogPath: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(catalogPath, OFFLINE);
  const connection = await instance.connect();
  const registered: string[] = [];
  try {
    for (const table of CATALOG_TABLES) {
      const folder = resolve(bucketFolder, table.prefix);
      if (!(await hasParquet(folder))) continue;
      const files = join(folder, '**', '*.parquet');
      await connection.run(
        `CREATE OR REPLACE VIEW ${table.name} AS SELECT * FROM read_parquet(${quote(files)}, hive_partitioning = true, union_by_name = true)`,
      );
      registered.push(table.name);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return registered;
}

/** Opens the local catalog for queries. */
export async function openLocalCatalog(catalogPath: string): Promise<{ connection: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(catalogPath, OFFLINE);
  const connection = await instance.connect();
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
