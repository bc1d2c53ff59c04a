import type { LeadItem, NormalizationVersion } from './store-ports.ts';
import { isPlainObject } from '#shared/json/plain-object.ts';

/** Earlier versions kept per lead: the last five writes, newest first. */
export const HISTORY_LIMIT = 5;
/**
 * …and at most this much JSON, so history never pushes a lead towards DynamoDB's 400 KB item limit
 * (the newest earlier version is always kept, whatever its size).
 */
export const HISTORY_MAX_BYTES = 64 * 1024;


/** The normalization a lead holds now, if it was ever normalized. */
export function currentVersion(item: LeadItem): NormalizationVersion | undefined {
  if (typeof item.normalizedAt !== 'string' || !isPlainObject(item.normalizedData)) return undefined;
  return {
    runId: typeof item.normalizationRunId === 'string' ? item.normalizationRunId : null,
    normalizedAt: item.normalizedAt,
    normalizedData: item.normalizedData,
    normalizationMeta: isPlainObject(item.normalizationMeta) ? item.normalizationMeta : {},
    ...(typeof item.normalizationVersion === 'string' ? { normalizationVersion: item.normalizationVersion } : {}),
    ...(typeof item.normalizationSourceHash === 'string' ? { normalizationSourceHash: item.normalizationSourceHash } : {}),
  };
}

/** The earlier versions a lead keeps, newest first. */
export function historyOf(item: LeadItem): NormalizationVersion[] {
  const history = item.normalizationHistory;
  return Array.isArray(history) ? history.filter(isPlainObject).map((entry) => entry as unknown as NormalizationVersion) : [];
}

/** Newest first, at most HISTORY_LIMIT versions and HISTORY_MAX_BYTES of JSON (never fewer than one). */
export function boundHistory(versions: readonly NormalizationVersion[]): NormalizationVersion[] {
  const kept = versions.slice(0, HISTORY_LIMIT);
  while (kept.length > 1 && Buffer.byteLength(JSON.stringify(kept)) > HISTORY_MAX_BYTES) kept.pop();
  return kept;
}

/** History to store when a new normalization replaces the lead's current one. */
export function historyAfterWrite(item: LeadItem): NormalizationVersion[] {
  const current = currentVersion(item);
  return boundHistory(current ? [current, ...historyOf(item)] : historyOf(item));
}

/** What rolling back `runId` means for one lead. */
export type RollbackPlan =
  /** The lead still holds the run's values: restore `previous` (none: the run was its first normalization). */
  | { action: 'restore'; expectedNormalizedAt: string; previous: NormalizationVersion | undefined; history: NormalizationVersion[] }
  /** The run wrote it, but a later run (or write) has replaced its values since: left alone. */
  | { action: 'superseded' }
  | { action: 'untouched' };

export function rollbackPlan(item: LeadItem, runId: string): RollbackPlan {
  const history = historyOf(item);
  if (item.normalizationRunId === runId && typeof item.normalizedAt === 'string') {
    const [previous, ...rest] = history;
    return { action: 'restore', expectedNormalizedAt: item.normalizedAt, previous, history: rest };
  }
  return history.some((version) => version.runId === runId) ? { action: 'superseded' } : { action: 'untouched' };
}
