import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import type { ValueSource } from '#shared/engine/batch-normalizer.ts';
import type { FieldKind } from '#shared/rules/rule-result.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';
import { isPlainObject } from '#shared/json/plain-object.ts';

export const VALUE_SOURCES: readonly ValueSource[] = ['rules', 'cache', 'llm', 'steward'];

/** One configured field of one lead: what was typed, what normalization made of it, and why. */
export interface LeadFieldRow {
  leadId: string;
  field: string;
  kind: FieldKind;
  /** The original attribute (undefined: the lead does not have it). */
  original: unknown;
  /** Undefined while the lead was never normalized. */
  normalized: string | null | undefined;
  source: ValueSource | null;
  changed: boolean | null;
  flags: string[];
  /** The run that wrote the lead's current normalization. */
  runId: string | null;
  normalizedAt: string | null;
}

interface StoredMeta {
  source?: unknown;
  changed?: unknown;
  flags?: unknown;
}


/** A row per configured field the lead has (as an original or as a normalized value), in config order. */
export function leadFieldRows(item: LeadItem, config: NormalizationConfig): LeadFieldRow[] {
  const normalizedData = isPlainObject(item.normalizedData) ? item.normalizedData : undefined;
  const meta = isPlainObject(item.normalizationMeta) ? item.normalizationMeta : {};
  const rows: LeadFieldRow[] = [];
  for (const [field, kind] of Object.entries(config.fields)) {
    const hasOriginal = Object.hasOwn(item, field);
    const hasNormalized = normalizedData !== undefined && Object.hasOwn(normalizedData, field);
    if (!hasOriginal && !hasNormalized) continue;
    const fieldMeta = (isPlainObject(meta[field]) ? meta[field] : {}) as StoredMeta;
    const value = normalizedData?.[field];
    rows.push({
      leadId: String(item.leadId),
      field,
      kind,
      original: item[field],
      normalized: hasNormalized ? (typeof value === 'string' ? value : null) : undefined,
      source: (VALUE_SOURCES as readonly unknown[]).includes(fieldMeta.source) ? (fieldMeta.source as ValueSource) : null,
      changed: typeof fieldMeta.changed === 'boolean' ? fieldMeta.changed : null,
      flags: Array.isArray(fieldMeta.flags) ? fieldMeta.flags.map(String) : [],
      runId: typeof item.normalizationRunId === 'string' ? item.normalizationRunId : null,
      normalizedAt: typeof item.normalizedAt === 'string' ? item.normalizedAt : null,
    });
  }
  return rows;
}

/** Facets of `normflow leads list`; every one given must hold for a row to be listed. */
export interface LeadFilter {
  flag?: string;
  field?: string;
  changed?: boolean;
  source?: ValueSource;
  runId?: string;
}

export function matchesFilter(row: LeadFieldRow, filter: LeadFilter): boolean {
  return (
    (filter.field === undefined || row.field === filter.field) &&
    (filter.flag === undefined || row.flags.includes(filter.flag)) &&
    (filter.changed === undefined || row.changed === filter.changed) &&
    (filter.source === undefined || row.source === filter.source) &&
    (filter.runId === undefined || row.runId === filter.runId)
  );
}
