import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import { cityFieldOf } from '#shared/config/normalization-config.ts';
import type { ParquetColumn } from '#shared/analytics/parquet-table-writer.ts';
import { isPipelineOwned } from '#shared/config/pipeline-owned-attributes.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';
import { leadFieldRows } from './lead-fields.ts';

/**
 * The leads as SQL tables (a snapshot of the leads store):
 * - `leads`: one row per lead: `lead_id`; per configured field F its original `F`,
 *   `F_normalized`, `F_source`, `F_changed`, `F_flags`; the city's `<city>_departamento` and
 *   `<city>_codigo_dane`; `all_flags`, `run_id`, `normalized_at`, `rules_version`, and `originals`
 *   (every original attribute as JSON, unconfigured ones included).
 * - `lead_fields`: one row per (lead, configured field), the shape of `normflow leads list`.
 * Flags are stored space-separated (Parquet columns are scalar); the SQL views turn them into lists.
 */

/** Attributes the pipeline writes: everything else on a lead is an original. */

export const FLAG_COLUMN_SUFFIX = '_flags';

export function leadsColumns(config: NormalizationConfig): ParquetColumn[] {
  const cityField = cityFieldOf(config);
  return [
    { name: 'lead_id', type: 'STRING' },
    ...Object.keys(config.fields).flatMap((field): ParquetColumn[] => [
      { name: field, type: 'STRING' },
      { name: `${field}_normalized`, type: 'STRING' },
      { name: `${field}_source`, type: 'STRING' },
      { name: `${field}_changed`, type: 'BOOLEAN' },
      { name: `${field}${FLAG_COLUMN_SUFFIX}`, type: 'STRING' },
      ...(field === cityField
        ? [
            { name: `${field}_departamento`, type: 'STRING' },
            { name: `${field}_codigo_dane`, type: 'STRING' },
          ] satisfies ParquetColumn[]
        : []),
    ]),
    { name: `all${FLAG_COLUMN_SUFFIX}`, type: 'STRING' },
    { name: 'run_id', type: 'STRING' },
    { name: 'normalized_at', type: 'TIMESTAMP' },
    { name: 'rules_version', type: 'STRING' },
    { name: 'originals', type: 'STRING' },
  ];
}

export const LEAD_FIELDS_COLUMNS: readonly ParquetColumn[] = [
  { name: 'lead_id', type: 'STRING' },
  { name: 'field', type: 'STRING' },
  { name: 'kind', type: 'STRING' },
  { name: 'original', type: 'STRING' },
  { name: 'normalized', type: 'STRING' },
  { name: 'source', type: 'STRING' },
  { name: 'changed', type: 'BOOLEAN' },
  { name: `flags`, type: 'STRING' },
  { name: 'run_id', type: 'STRING' },
  { name: 'normalized_at', type: 'TIMESTAMP' },
];

const text = (value: unknown): string | null => (value === undefined || value === null ? null : typeof value === 'string' ? value : JSON.stringify(value));

/** The lead's row of `leads` and its rows of `lead_fields`. */
export function leadTableRows(item: LeadItem, config: NormalizationConfig): { lead: Record<string, unknown>; fields: Array<Record<string, unknown>> } {
  const cityField = cityFieldOf(config);
  const normalizedData = (typeof item.normalizedData === 'object' && item.normalizedData !== null ? item.normalizedData : {}) as Record<string, unknown>;
  const rows = leadFieldRows(item, config);
  const lead: Record<string, unknown> = {
    lead_id: String(item.leadId),
    all_flags: [...new Set(rows.flatMap((row) => row.flags))].join(' '),
    run_id: text(item.normalizationRunId),
    normalized_at: text(item.normalizedAt),
    rules_version: text(item.normalizationVersion),
    originals: JSON.stringify(Object.fromEntries(Object.entries(item).filter(([name]) => !isPipelineOwned(name)))),
  };
  for (const row of rows) {
    Object.assign(lead, {
      [row.field]: text(row.original),
      [`${row.field}_normalized`]: row.normalized ?? null,
      [`${row.field}_source`]: row.source,
      [`${row.field}_changed`]: row.changed,
      [`${row.field}${FLAG_COLUMN_SUFFIX}`]: row.flags.join(' '),
    });
    if (row.field === cityField) {
      lead[`${row.field}_departamento`] = text(normalizedData[`${row.field}Departamento`]);
      lead[`${row.field}_codigo_dane`] = text(normalizedData[`${row.field}CodigoDane`]);
    }
  }
  const fields = rows.map((row) => ({
    lead_id: row.leadId,
    field: row.field,
    kind: row.kind,
    original: text(row.original),
    normalized: row.normalized ?? null,
    source: row.source,
    changed: row.changed,
    flags: row.flags.join(' '),
    run_id: row.runId,
    normalized_at: row.normalizedAt,
  }));
  return { lead, fields };
}
