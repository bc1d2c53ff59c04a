import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ParquetTableWriter } from '#shared/analytics/parquet-table-writer.ts';
import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import { FLAG_COLUMN_SUFFIX, LEAD_FIELDS_COLUMNS, leadsColumns, leadTableRows } from '#shared/steward/leads-table.ts';
import type { LeadStore } from '#shared/stores/store-ports.ts';

/** The SQL tables a snapshot of the leads store gives. */
export const LEADS_SQL_TABLES = ['leads', 'lead_fields'] as const;

/** Whether a query names one of the leads tables (only then is the leads store read). */
export const mentionsLeadsTables = (sql: string): boolean => /\b(leads|lead_fields)\b/i.test(sql);

export interface LeadsSnapshot {
  leads: string;
  leadFields: string;
  count: number;
  config: NormalizationConfig;
}

/**
 * Writes the leads store, page by page, to two Parquet files in `folder` (replacing the previous
 * snapshot only once the new one is complete).
 */
export async function snapshotLeads(leads: LeadStore, config: NormalizationConfig, folder: string): Promise<LeadsSnapshot> {
  await mkdir(folder, { recursive: true });
  const paths = { leads: join(folder, 'leads.parquet'), leadFields: join(folder, 'lead_fields.parquet') };
  const leadWriter = new ParquetTableWriter(`${paths.leads}.partial`, leadsColumns(config));
  const fieldWriter = new ParquetTableWriter(`${paths.leadFields}.partial`, LEAD_FIELDS_COLUMNS);
  for await (const item of leads.scanAll()) {
    const rows = leadTableRows(item, config);
    await leadWriter.write(rows.lead);
    for (const row of rows.fields) await fieldWriter.write(row);
  }
  await leadWriter.close();
  await fieldWriter.close();
  await rename(`${paths.leads}.partial`, paths.leads);
  await rename(`${paths.leadFields}.partial`, paths.leadFields);
  return { ...paths, count: leadWriter.rows, config };
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const flagList = (column: string) => `CASE WHEN "${column}" IS NULL OR "${column}" = '' THEN []::VARCHAR[] ELSE string_split("${column}", ' ') END AS "${column}"`;

/** `leads` and `lead_fields` as views of this connection over the snapshot, flags as lists. */
export async function registerLeadsViews(connection: DuckDBConnection, snapshot: LeadsSnapshot): Promise<void> {
  const leadFlags = leadsColumns(snapshot.config).filter((column) => column.name.endsWith(FLAG_COLUMN_SUFFIX)).map((column) => flagList(column.name));
  await connection.run(`CREATE OR REPLACE TEMP VIEW leads AS SELECT * REPLACE (${leadFlags.join(', ')}) FROM read_parquet(${quote(snapshot.leads)})`);
  await connection.run(`CREATE OR REPLACE TEMP VIEW lead_fields AS SELECT * REPLACE (${flagList('flags')}) FROM read_parquet(${quote(snapshot.leadFields)})`);
}
