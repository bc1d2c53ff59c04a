import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import type { ModelClient } from '#shared/model/model-port.ts';
import type { StewardDecisions } from '#shared/engine/steward-decisions.ts';
import type { PersistentValueCache } from '#shared/engine/value-cache.ts';
import type { LeadStore, RunLock, RunStore } from '#shared/stores/store-ports.ts';
import type { RunRequest } from './run-request.ts';

/** Identity of one execution, fixed by LoadConfig. */
export interface RunContext {
  runId: string;
  executionId: string;
  startedAt: string;
}

/** Where a forceAll execution is in the table, carried from Report back to SelectLeads. */
export interface RunProgress {
  iteration: number;
  batchOffset: number;
  cursor: string | null;
}

export interface Selection {
  status: 'selected' | 'locked';
  reason: string | null;
  batchCount: number;
  batches: number[];
  selected: number;
  cursor: string | null;
  iteration: number;
}

/** Everything LoadConfig hands to the rest of the execution. */
export interface RunState {
  run: RunContext;
  request: RunRequest;
  config: NormalizationConfig;
  progress: RunProgress;
}

/** Payload of each Map iteration (ItemSelector). */
export interface BatchTask {
  runId: string;
  batchIndex: number;
  config: NormalizationConfig;
  dryRun: boolean;
}

export interface BatchUsage {
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUSD: number;
}

/** What one batch did, saved in the runs table and summed by Report. */
export interface BatchResult {
  batchIndex: number;
  status: 'ok' | 'failed';
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
  usage: BatchUsage;
  cacheHits: number;
  /** Set when the model stayed unavailable and the batch kept the rules' values. */
  modelFailure: string | null;
  /** Why, without personal data (`… HTTP 401 (authentication_error): Incorrect API key …`). */
  modelFailureCause?: string | null;
  /** Why a failed batch failed, for model and config errors (their messages carry no personal data). */
  errorCause?: string | null;
}

/** Ports and settings the pipeline steps run with (DynamoDB on AWS, the embedded store locally). */
export interface PipelineDeps {
  leads: LeadStore;
  runs: RunStore;
  valueCacheStore: PersistentValueCache;
  /** A data steward's decisions, applied before rules, cache and model. */
  decisions: StewardDecisions;
  /** The model for this config, or undefined for the offline rules provider. */
  modelFor(config: NormalizationConfig): ModelClient | undefined;
  now(): Date;
  /** The run lock lives as long as an execution may (the state machine timeout). */
  lockTtlSeconds: number;
  /** Local runtime: who this process is and how to tell a dead holder, so a crashed run never blocks. */
  processLock?: { pid: number; host: string; isStale(lock: RunLock): boolean };
}

export const RUN_LOCK_NAME = 'normalize-leads';
export const CONFIG_ID = 'normalization-settings';
