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

/**
 * Attributes the pipeline writes on a lead beside its originals. An original of the same name
 * would be overwritten, so seeding refuses them, WriteResults never takes one for an original,
 * and `leads show` / `leads export` do not list them as originals.
 */
export const PIPELINE_OWNED_ATTRIBUTES: readonly string[] = [
  'normalizedData',
  'normalizationMeta',
  'normalizedAt',
  'updatedAt',
  'normalizationVersion',
  'normalizationSourceHash',
  'normalizationRunId',
  'normalizationHistory',
  'renormalizeRequestedAt',
];

/**
 * What one configured original must still be for a normalization to be written: exactly the string
 * or number it was normalized from; absent; for a too-long string, a string starting with the same
 * too-long prefix; for any other type (its normalization is `not-text` whatever the value), a value
 * of that type. Every form means the same on DynamoDB and on the embedded store (which cannot
 * compare maps or lists with `=`), and none grows with the value.
 */
export type OriginalExpectation =
  | { absent: true }
  | { string: string }
  | { number: string }
  | { startsWith: string }
  | { type: 'NULL' | 'BOOL' | 'B' | 'M' | 'L' | 'SS' | 'NS' | 'BS' };

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
  /** Per configured field, what its original must still be (see OriginalExpectation). */
  expectedOriginals: Record<string, OriginalExpectation>;
  normalizedData: Record<string, string | null>;
  normalizationMeta: Record<string, unknown>;
  normalizedAt: string;
  normalizationVersion: string;
  /** Hash of the originals the normalization was computed from (kept on the lead for audit). */
  sourceHash: string;
}

/**
 * `written`; `changed`: an original field was edited since it was read, or a steward asked for the
 * lead to be normalized again meanwhile (it stays due); `deleted`: the lead is gone; `refused`: the
 * store refused the write (a lead too large to hold its normalization).
 */
export type WriteOutcome = 'written' | 'changed' | 'deleted' | 'refused';

/** One record to seed, with the line it came from (for the report). */
export interface SeedRecord {
  line: number;
  item: LeadItem;
}

/**
 * `inserted`: a new lead; `updated`: its originals differed, they were replaced and the lead is due
 * again; `unchanged`: the same originals, the lead (and its normalization) left as it was;
 * `kept`: it exists and `insertOnly` was asked; `rejected`: the store would refuse the item.
 */
export type SeedOutcome =
  | { line: number; outcome: 'inserted' | 'updated' | 'unchanged' | 'kept' }
  | { line: number; outcome: 'rejected'; reason: string };

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
  /** Plain puts (tests and benchmarks set tables up with them). */
  putMany(items: readonly LeadItem[]): Promise<void>;
  /**
   * Seeding (local only): loads records without destroying anything, one outcome per record in
   * order. Records must carry no pipeline-owned attribute and no lead id twice.
   */
  seed(records: readonly SeedRecord[], options: { insertOnly: boolean }): Promise<SeedOutcome[]>;
  /** Export: every lead, page by page. */
  scanAll(): AsyncIterable<LeadItem>;
  count(): Promise<number>;
  /** Conditional: only if the lead still holds that run's write. Never touches originals. */
  rollBack(write: RollbackWrite): Promise<'restored' | 'changed'>;
  /** Makes these leads due at the next run (a steward decision covers them); returns how many exist. */
  requestRenormalization(leadIds: readonly string[], requestedAt: string): Promise<number>;
  /** Erasure (`normflow leads forget`): true when the lead was there. */
  deleteLead(leadId: string): Promise<boolean>;
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

/** Model spend of one batch: HTTP attempts, tokens (failed attempts' too), estimated cost. */
export interface ModelUsageTotals {
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUSD: number;
}

/** Idempotency record of a batch's model call (the Powertools idempotency lifecycle: in progress, then completed with its result). */
export type ModelCallClaim =
  | { status: 'claimed' }
  | { status: 'completed'; result: Record<string, unknown> }
  | { status: 'in-progress'; until: string };

/** What a run keeps per batch beyond its ids and results, and how it is erased. */
export interface RunTraces {
  /** Claims the batch's model call unless one completed (its result is returned) or is in progress until `inProgressUntil` of its holder. */
  claimModelCall(runId: string, batchIndex: number, inProgressUntil: string): Promise<ModelCallClaim>;
  completeModelCall(runId: string, batchIndex: number, result: Record<string, unknown>): Promise<void>;
  /** Lets the next attempt claim the call (after a failed attempt). */
  releaseModelCall(runId: string, batchIndex: number): Promise<void>;
  /** Adds one attempt's spend to the batch's ledger, as it is spent. */
  addBatchUsage(runId: string, batchIndex: number, usage: ModelUsageTotals): Promise<void>;
  loadBatchUsage(runId: string, batchIndex: number): Promise<ModelUsageTotals>;
  /** Deletes the run's working data (lead ids, model answers, normalized records): the run record and batch counts stay. */
  purgeBatchData(runId: string): Promise<number>;
  /** Deletes every batch's working data that names this lead, in any run (erasure). */
  forgetLead(leadId: string): Promise<number>;
}

export interface RunStore extends RunTraces {
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
