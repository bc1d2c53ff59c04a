/**
 * Ports of the normalize-leads pipeline's storage. DynamoDB adapters implement them on AWS and
 * against the embedded DynamoDB-compatible server locally; domain code only sees these shapes.
 */

import type { StewardDecisions } from '#shared/engine/steward-decisions.ts';
import type { ModelUsage } from '#shared/model/model-usage.ts';
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
  /** A lead is due when it has no `normalizedAt`, one strictly older than this ISO instant, or a steward's request. */
  normalizedBefore: string;
  /** Exact number of ids wanted at most. */
  limit: number;
  /** Resume after this lead id (the `cursor` of a previous page). */
  cursor?: string;
  /** One segment of a parallel Scan (`Segment` / `TotalSegments`): only its share of the table is read. */
  segment?: { index: number; total: number };
  /** Scan requests (each reads ≤ 1 MB) this call may make; when spent, the page comes back short with a cursor. */
  maxScanRequests?: number;
  /** Attributes `keep` reads, besides the id. */
  projection?: readonly string[];
  /** Due leads it returns false for are passed over (and counted as rejected). */
  keep?: (item: LeadItem) => boolean;
}

export interface DueLeadsPage {
  leadIds: string[];
  /** Set when the scan stopped before the end of the table: pass it back to continue. */
  cursor?: string;
  /** Due leads `keep` turned down. */
  rejected: number;
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
  /** The lead's entry in the index of due leads: its shard, and when it is due again. */
  due: { shard: string; at: string };
  /**
   * The lead, when read for this normalization, held none and no history: there is no version to
   * keep, so the write reads nothing first and holds only if the lead still has neither (a lead's
   * first normalization — a whole backfill — costs one request instead of two).
   */
  firstNormalization?: true;
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

/** A lead that failed on its own: stamped on the lead, so that after repeated failures it is passed over. */
export interface LeadFailureStamp {
  /** Error name of the last failure (never a message: messages may quote values). */
  error: string;
  /** Failures in a row of these originals. */
  failures: number;
  /** Hash of the originals that failed (an edit of them starts the count again). */
  sourceHash: string;
  failedAt: string;
  /** Set once `failures` reached the configured limit: scheduled runs pass the lead over until its originals change. */
  poisonedAt?: string;
}

export interface LeadFailure {
  leadId: string;
  /** As in NormalizationWrite: the stamp is written only if the originals are still these. */
  expectedOriginals: Record<string, OriginalExpectation>;
  /** The stamp given what the lead carried when read (see `nextFailureStamp`). */
  stamp: LeadFailureStamp;
  /** `failedAt` of the stamp the lead carried when read, if any: two stampers never count one failure twice. */
  previousFailedAt: string | undefined;
  /** Due again at once (its entry in the index of due leads), or null: poisoned, out of the index. */
  due: { shard: string; at: string } | null;
}

export interface DueIndexQuery {
  shard: string;
  /** Leads due at or before this ISO instant. */
  dueBy: string;
  limit: number;
  cursor?: string;
  /** Query requests this call may make. */
  maxRequests?: number;
}

export interface LeadStore {
  findDue(query: DueLeadsQuery): Promise<DueLeadsPage>;
  /** The due leads of one shard of the index of due leads (a Query, keys only). */
  findDueInIndex(query: DueIndexQuery): Promise<DueLeadsPage>;
  getMany(leadIds: readonly string[]): Promise<Map<string, LeadItem>>;
  /**
   * One conditional update per lead: only if the lead exists, every original field still equals
   * what was read, and it still holds the normalization it held when read. `read` holds the leads
   * as the caller read them (`getMany`, consistent) to compute the writes: a lead's version there
   * goes to its history. A `firstNormalization` needs none: it holds only if the lead still has no
   * normalization and no history. Never writes originals; clears the lead's failure stamp.
   * Outcomes in the order of `writes`.
   */
  writeNormalizations(writes: readonly NormalizationWrite[], read: ReadonlyMap<string, LeadItem>): Promise<WriteOutcome[]>;
  /** Conditional update of the failure stamp, on the same conditions as writeNormalizations and the stamp read unchanged; false when they failed. */
  recordFailure(failure: LeadFailure): Promise<boolean>;
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
  /** Leads in one segment of a parallel Scan (a sample of the table's size). */
  countSegment(segment: { index: number; total: number }): Promise<number>;
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

/** Idempotency record of a batch's model call (the Powertools idempotency lifecycle: in progress, then completed with its result). */
export type ModelCallClaim =
  | { status: 'claimed' }
  | { status: 'completed'; result: Record<string, unknown> }
  | { status: 'in-progress'; until: string };

/**
 * What a run keeps per batch beyond its ids and results, and how it is erased. `leadPosition`: the
 * same for one lead of a split batch retried alone (its own model call, its own spend).
 */
export interface RunTraces {
  /**
   * Claims the batch's model call, as `claim.id` until `claim.until`, unless one completed (its
   * result is returned) or another claim is in progress (until its own `until`).
   */
  claimModelCall(runId: string, batchIndex: number, claim: { id: string; until: string }, leadPosition?: number): Promise<ModelCallClaim>;
  completeModelCall(runId: string, batchIndex: number, result: Record<string, unknown>, leadPosition?: number): Promise<void>;
  /**
   * Lets the next attempt claim the call (after a failed attempt), if the claim is still `claimId`'s:
   * an attempt that outlived its claim never frees the claim of the attempt after it.
   */
  releaseModelCall(runId: string, batchIndex: number, claimId: string, leadPosition?: number): Promise<void>;
  /** Adds one attempt's spend to the batch's ledger, as it is spent. */
  addBatchUsage(runId: string, batchIndex: number, usage: ModelUsage, leadPosition?: number): Promise<void>;
  loadBatchUsage(runId: string, batchIndex: number, leadPosition?: number): Promise<ModelUsage>;
  /**
   * Deletes the working data (lead ids, model answers, normalized records, model calls, spend
   * ledgers, results) of the run's batches `first`…`last` and of their leads, or of every batch of
   * the run: the run record stays. Returns how many items went.
   */
  purgeBatchData(runId: string, batches?: { first: number; last: number }): Promise<number>;
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
  /** Stores a page's batches of lead ids (BatchWriteItem, 25 a request). */
  saveBatches(runId: string, batches: ReadonlyArray<{ batchIndex: number; leadIds: readonly string[] }>): Promise<void>;
  loadBatch(runId: string, batchIndex: number): Promise<string[]>;
  /**
   * A batch's model answers, kept out of the state payloads from InvokeModel to WriteResults;
   * with `leadPosition`, those of one lead of the batch retried alone.
   */
  saveModelAnswers(runId: string, batchIndex: number, answers: unknown, leadPosition?: number): Promise<void>;
  loadModelAnswers(runId: string, batchIndex: number, leadPosition?: number): Promise<unknown>;
  /** A batch's result, or (`leadPosition`) the result of one of its leads retried alone. */
  saveBatchResult(runId: string, batchIndex: number, result: Record<string, unknown>, leadPosition?: number): Promise<void>;
  /**
   * Every saved result of the run (or of the batches `first`…`last` and their leads), in batch
   * order, each batch's own before its leads'.
   */
  listBatchResults(runId: string, batches?: { first: number; last: number }): Promise<Array<Record<string, unknown>>>;
  putRun(runId: string, run: Record<string, unknown>): Promise<void>;
  /** Marks the run's record, if it has one, no longer in progress: the execution failed with `error`. */
  markRunFailed(runId: string, error: string): Promise<void>;
  getRun(runId: string): Promise<Record<string, unknown> | undefined>;
  /** Latest runs first. */
  listRuns(limit: number): Promise<Array<Record<string, unknown>>>;
}

/** How one execution splits its work (see `shared/pipeline/execution-plan.ts`). */
export interface RunPlanRecord {
  /** `ids`: the leads the request named; `scan`: a parallel Scan of the leads table; `due-index`: a Query per shard of the sparse index of due leads. */
  mode: 'ids' | 'scan' | 'due-index';
  totalSegments: number;
  /** The run's total cap of leads (`maxLeads`, else `maxLeadsPerRun`), null for a forceAll without `maxLeads`. */
  cap: number | null;
}

/** A segment's progress, written by the one execution working on it. */
export interface SegmentRecord {
  segment: number;
  /** Where the next page starts; null when the segment has not started. */
  cursor: string | null;
  /** Nothing left in the segment, or the run's cap was reached. */
  done: boolean;
  pages: number;
  /** Last round in which a page of it finished. */
  progressRound: number | null;
  /** Due leads passed over (poisoned, unchanged). */
  passedOver: number;
  /** Sum of its pages' batch results (`shared/pipeline/run-totals.ts`). */
  totals: Record<string, unknown> | null;
  /** `ids` mode: the ids this segment works on. */
  leadIds?: string[];
  /** Batches of a page selected and not finished yet: if its execution dies, the next one counts what they did. */
  pendingBatches?: { first: number; last: number };
}

export interface RunPlanStore {
  putPlan(runId: string, plan: RunPlanRecord): Promise<void>;
  getPlan(runId: string): Promise<RunPlanRecord | undefined>;
  /** Takes up to `leads` of the run's cap (all of them without a cap) and `batches` batch numbers, atomically. */
  reserve(runId: string, leads: number, batches: number): Promise<{ leadsGranted: number; firstBatch: number }>;
  putSegment(runId: string, segment: SegmentRecord): Promise<void>;
  getSegment(runId: string, segment: number): Promise<SegmentRecord | undefined>;
  /** Every segment record of the run, in segment order. */
  listSegments(runId: string): Promise<SegmentRecord[]>;
  /** Deletes the run's plan and segment records (once the run record holds their totals); returns how many items went. */
  deletePlan(runId: string): Promise<number>;
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
