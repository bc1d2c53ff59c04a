import { resolve } from 'node:path';

/**
 * Where the local analytics live under a data folder: the DuckDB catalog, and the Parquet snapshot
 * of the leads that `normflow sql` queries (a copy of every lead: `leads forget` removes it).
 */
export const analyticsPaths = (dataDir: string) => ({
  catalog: resolve(dataDir, 'analytics', 'catalog.duckdb'),
  leadsSnapshot: resolve(dataDir, 'analytics', 'leads-snapshot'),
});
