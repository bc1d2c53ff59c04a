import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import type { ModelClient } from '#shared/model/model-port.ts';
import type { StewardDecisions } from '#shared/engine/steward-decisions.ts';
import type { PersistentValueCache } from '#shared/engine/value-cache.ts';
import type { ModelUsage } from '#shared/model/model-usage.ts';
import type { LeadStore, RunLock, RunPlanRecord, RunPlanStore, RunStore } from '#shared/stores/store-ports.ts';
import type { RunRequest } from './run-request.ts';

/** Identity of one execution, fixed by LoadConfig. */
export interface RunContext {
  runId: string;
  executionId: string;
  startedAt: string;
}

/** What PlanRun hands the Distributed Map: small, whatever the table's size. */
export interface RunPlan {
  status: 'planned' | 'locked';
  reason: string | null;
  mode: RunPlanRecord['mode'];
  totalSegments: number;
  /** This round's items: segment numbers (every segment in round 0, those left over after). */
  segments: number[];
  round: number;
  /** Whether this execution holds the run lock (runs naming their leads take none). */
  holdsLock: boolean;
}

/** Everything LoadConfig hands to the rest of the execution. */
export interface RunState {
  run: RunContext;
  request: RunRequest;
  config: NormalizationConfig;
}

/** Input of a segment's child execution (the Distributed Map's ItemSelector), and its state. */
export interface SegmentTask extends RunState {
  plan: Pick<RunPlan, 'mode' | 'totalSegments' | 'round'>;
  segment: number;
  /** Pages this execution has finished (it hands over after PAGES_PER_SEGMENT_EXECUTION). */
  pagesDone: number;
}

/** One page of a segment, as SelectPage stored it: batch numbers only. */
export interface PageSelection {
  batches: number[];
  batchCount: number;
  selected: number;
  /** Where the segment goes on after this page; null at its end. */
  cursor: string | null;
  /** Nothing more to take in this segment (its end, or the run's cap). */
  done: boolean;
  passedOver: number;
}

/** Payload of each Map iteration (ItemSelector). */
export interface BatchTask {
  runId: string;
  batchIndex: number;
  /** Set when the batch was split: the one lead (by position in the batch) retried alone. */
  leadPosition?: number;
  config: NormalizationConfig;
  dryRun: boolean;
}

/** What one batch (or one lead of a split batch) did, saved in the runs table and summed by Report. */
export interface BatchResult {
  batchIndex: number;
  /** The lead's position in its batch when it was retried alone; null for a batch's own result. */
  leadPosition: number | null;
  /** `split`: the batch failed as a whole and its leads were retried one by one (their results count). */
  status: 'ok' | 'failed' | 'split';
  error: string | null;
  selected: number;
  /** Leads whose normalization changed at least one field (in a dry run: would change). */
  normalized: number;
  /** Leads normalized with nothing to change (stamped all the same). */
  unchanged: number;
  /** `refused`: leads the store would not let hold their normalization (already near 400 KB). */
  skipped: { edited: number; deleted: number; missing: number; refused: number };
  /** Per field: values seen (non-null originals) and values changed. */
  fields: Record<string, { total: number; changed: number }>;
  flags: Record<string, number>;
  usage: ModelUsage;
  cacheHits: number;
  /** Set when the model stayed unavailable and the batch kept the rules' values. */
  modelFailure: string | null;
  /** Leads this result stamped poisoned (they reached `poisonAfterFailures`). */
  poisoned: number;
  /** Why, without personal data (`… HTTP 401 (authentication_error): Incorrect API key …`). */
  modelFailureCause?: string | null;
  /** Why a failed batch failed, for model and config errors (their messages carry no personal data). */
  errorCause?: string | null;
}

/** Ports and settings the pipeline steps run with (DynamoDB on AWS, the embedded store locally). */
export interface PipelineDeps {
  leads: LeadStore;
  runs: RunStore;
  plans: RunPlanStore;
  valueCacheStore: PersistentValueCache;
  /** A data steward's decisions, applied before rules, cache and model. */
  decisions: StewardDecisions;
  /** The model for this config, or undefined for the offline rules provider. */
  modelFor(config: NormalizationConfig): ModelClient | undefined;
  now(): Date;
  /** The run lock lives as long as an execution may (the state machine timeout). */
  lockTtlSeconds: number;
  /** How scheduled runs find due leads: the sparse index of due leads, or a parallel Scan. */
  dueSelection: 'index' | 'scan';
  /** Local runtime: who this process is and how to tell a dead holder, so a crashed run never blocks. */
  processLock?: { pid: number; host: string; isStale(lock: RunLock): boolean };
}

export const RUN_LOCK_NAME = 'normalize-leads';
export const CONFIG_ID = 'normalization-settings';
