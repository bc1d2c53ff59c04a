/**
 * Ports of the normalize-leads pipeline's storage. DynamoDB adapters implement them on AWS and
 * against the embedded DynamoDB-compatible server locally; domain code only sees these shapes.
 */

export type LeadItem = Record<string, unknown>;

export interface DueLeadsQuery {
  /** A lead is due when it has no `normalizedAt`, or one strictly older than this ISO instant. */
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
  /** Original values as read, per configured field; `undefined` means the attribute was absent. */
  expectedOriginals: Record<string, unknown>;
  normalizedData: Record<string, string | null>;
  normalizationMeta: Record<string, unknown>;
  normalizedAt: string;
  normalizationVersion: string;
  /** Hash of the originals the normalization was computed from (kept on the lead for audit). */
  sourceHash: string;
  /** The lead's entry in the index of due leads: its shard, and when it is due again. */
  due: { shard: string; at: string };
}

/** `written`; `changed`: an original field was edited since it was read; `deleted`: the lead is gone. */
export type WriteOutcome = 'written' | 'changed' | 'deleted';

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
  expectedOriginals: Record<string, unknown>;
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
   * Conditional update: only if the lead exists and every original field still equals what was read.
   * Never writes originals; clears the lead's failure stamp.
   */
  writeNormalization(write: NormalizationWrite): Promise<WriteOutcome>;
  /** Conditional update of the failure stamp, on the same conditions as writeNormalization and the stamp read unchanged; false when they failed. */
  recordFailure(failure: LeadFailure): Promise<boolean>;
  /** Seeding (local only): plain puts. */
  putMany(items: readonly LeadItem[]): Promise<void>;
  /** Export: every lead, page by page. */
  scanAll(): AsyncIterable<LeadItem>;
  count(): Promise<number>;
  /** Leads in one segment of a parallel Scan (a sample of the table's size). */
  countSegment(segment: { index: number; total: number }): Promise<number>;
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
  /**
   * Per-batch working data (model answers, post-processed records) kept out of the state payloads;
   * with `leadPosition`, that of one lead of the batch retried alone.
   */
  saveBatchData(runId: string, batchIndex: number, name: 'answers' | 'normalized', data: unknown, leadPosition?: number): Promise<void>;
  loadBatchData(runId: string, batchIndex: number, name: 'answers' | 'normalized', leadPosition?: number): Promise<unknown>;
  /** A batch's result, or (`leadPosition`) the result of one of its leads retried alone. */
  saveBatchResult(runId: string, batchIndex: number, result: Record<string, unknown>, leadPosition?: number): Promise<void>;
  /**
   * Every saved result of the run (or of the batches `first`…`last` and their leads), in batch
   * order, each batch's own before its leads'.
   */
  listBatchResults(runId: string, batches?: { first: number; last: number }): Promise<Array<Record<string, unknown>>>;
  putRun(runId: string, run: Record<string, unknown>): Promise<void>;
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
}
