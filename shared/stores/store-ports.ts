/**
 * Ports of the normalize-leads pipeline's storage. DynamoDB adapters implement them on AWS and
 * against the embedded DynamoDB-compatible server locally; domain code only sees these shapes.
 */

import type { StewardDecisions } from '#shared/engine/steward-decisions.ts';
import type { CityCode, FieldKind } from '#shared/rules/rule-result.ts';

export type LeadItem = Record<string, unknown>;

/** One earlier normalization of a lead, as it was before a run replaced it (kept in `normalizationHistory`). */
export interface NormalizationVersion {
  /** The run that wrote it; null for a version written before leads recorded their run. */
  runId: string | null;
  normalizedAt: string;
  normalizedData: Record<string, unknown>;
  normalizationMeta: Record<string, unknown>;
  normalizationVersion?: string;
  normalizationSourceHash?: string;
}

export interface DueLeadsQuery {
  /** A lead is due when it has no `normalizedAt`, or one strictly older than this ISO instant. */
  normalizedBefore: string;
  /** Exact number of ids wanted at most. */
  limit: number;
  /** Resume after this lead id (the `cursor` of a previous page). */
  cursor?: string;
}

export interface DueLeadsPage {
  leadIds: string[];
  /** Set when the scan stopped before the end of the table: pass it back to continue. */
  cursor?: string;
}

export interface NormalizationWrite {
  leadId: string;
  /** The run writing; kept on the lead as `normalizationRunId` so a rollback finds what it wrote. */
  runId: string;
  /**
   * The lead's `renormalizeRequestedAt` when it was read (undefined: absent). The write clears the
   * request only if it is still that one: a decision taken meanwhile keeps the lead due.
   */
  renormalizeRequestedAt?: string;
  /** Original values as read, per configured field; `undefined` means the attribute was absent. */
  expectedOriginals: Record<string, unknown>;
  normalizedData: Record<string, string | null>;
  normalizationMeta: Record<string, unknown>;
  normalizedAt: string;
  normalizationVersion: string;
  /** Hash of the originals the normalization was computed from (kept on the lead for audit). */
  sourceHash: string;
}

/**
 * `written`; `changed`: an original field was edited since it was read, or a steward asked for the
 * lead to be normalized again meanwhile (it stays due); `deleted`: the lead is gone.
 */
export type WriteOutcome = 'written' | 'changed' | 'deleted';

/** Rolling one lead back to the version before a run (none: the lead was never normalized before it). */
export interface RollbackWrite {
  leadId: string;
  runId: string;
  /** The lead's `normalizedAt` as read: the restore happens only if it still holds exactly that run's write. */
  expectedNormalizedAt: string;
  previous: NormalizationVersion | undefined;
  history: NormalizationVersion[];
  updatedAt: string;
}

export interface LeadStore {
  findDue(query: DueLeadsQuery): Promise<DueLeadsPage>;
  getMany(leadIds: readonly string[]): Promise<Map<string, LeadItem>>;
  /** Conditional update: only if the lead exists and every original field still equals what was read. Never writes originals. */
  writeNormalization(write: NormalizationWrite): Promise<WriteOutcome>;
  /** Seeding (local only): plain puts. */
  putMany(items: readonly LeadItem[]): Promise<void>;
  /** Export: every lead, page by page. */
  scanAll(): AsyncIterable<LeadItem>;
  count(): Promise<number>;
  /** Conditional: only if the lead still holds that run's write. Never touches originals. */
  rollBack(write: RollbackWrite): Promise<'restored' | 'changed'>;
  /** Makes these leads due at the next run (a steward decision covers them); returns how many exist. */
  requestRenormalization(leadIds: readonly string[], requestedAt: string): Promise<number>;
}

export interface ConfigStore {
  /** The config item without its key, or undefined when the table or the item does not exist. */
  getConfig(configId: string): Promise<Record<string, unknown> | undefined>;
  putConfig(configId: string, config: Record<string, unknown>): Promise<void>;
  /** Sets `enabled = false` on the item, creating it when missing; every other key is kept (cost kill switch). */
  disable(configId: string): Promise<void>;
}

export interface RunLock {
  name: string;
  /** Who holds it: the execution id (and, locally, the process). */
  holder: string;
  acquiredAt: string;
  /** After this ISO instant the lock is void whoever holds it. */
  expiresAt: string;
  /** Local runs: process id and host of the holder, so a crashed holder can be detected at once. */
  pid?: number;
  host?: string;
}

export type LockAttempt = { acquired: true; lock: RunLock } | { acquired: false; heldBy: RunLock };

export interface RunStore {
  /**
   * Conditional put: succeeds when no lock exists, the existing one expired (`now` ≥ expiresAt), it
   * is already ours (same holder), or `isStale(existing)` says its holder is gone.
   */
  acquireLock(lock: RunLock, now: string, isStale?: (existing: RunLock) => boolean): Promise<LockAttempt>;
  /** Deletes the lock only if `holder` still holds it. */
  releaseLock(name: string, holder: string): Promise<void>;
  saveBatch(runId: string, batchIndex: number, leadIds: readonly string[]): Promise<void>;
  loadBatch(runId: string, batchIndex: number): Promise<string[]>;
  /** Per-batch working data (model answers, post-processed records) kept out of the state payloads. */
  saveBatchData(runId: string, batchIndex: number, name: 'answers' | 'normalized', data: unknown): Promise<void>;
  loadBatchData(runId: string, batchIndex: number, name: 'answers' | 'normalized'): Promise<unknown>;
  saveBatchResult(runId: string, batchIndex: number, result: Record<string, unknown>): Promise<void>;
  /** Every saved batch result of the run, in batch order. */
  listBatchResults(runId: string): Promise<Array<Record<string, unknown>>>;
  putRun(runId: string, run: Record<string, unknown>): Promise<void>;
  getRun(runId: string): Promise<Record<string, unknown> | undefined>;
  /** Latest runs first. */
  listRuns(limit: number): Promise<Array<Record<string, unknown>>>;
}

/** A data steward's value-level decision: every input of `kind` that folds to `foldedInput` means `value`. */
export interface StewardDecision {
  kind: FieldKind;
  foldedInput: string;
  /** The input as the steward saw or typed it (for display). */
  input: string;
  /** Already in the kind's format; null when the steward declared the input empty. */
  value: string | null;
  city?: CityCode;
  /** The field the decision was taken on (it covers every field of the same kind). */
  field: string;
  decidedAt: string;
  decidedBy?: string;
}

export interface DecisionStore extends StewardDecisions {
  put(decision: StewardDecision): Promise<void>;
  /** Deletes the decision and returns it; undefined when there was none. */
  remove(kind: FieldKind, foldedInput: string): Promise<StewardDecision | undefined>;
  /** Every decision (the table is small: one item per distinct input a steward decided). */
  list(): Promise<StewardDecision[]>;
}
