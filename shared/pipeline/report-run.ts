import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import { assessChangeRates, type FieldAnomaly } from '#shared/eval/anomaly-levels.ts';
import { RULES_VERSION } from '#shared/rules/index.ts';
import type { RunRequest } from './run-request.ts';
import { RUN_LOCK_NAME, type BatchResult, type PipelineDeps, type RunContext, type RunProgress, type Selection } from './pipeline-types.ts';

export interface RunSummary {
  runId: string;
  status: 'completed' | 'completed-with-failures' | 'nothing-due';
  dryRun: boolean;
  forceAll: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  counts: {
    selected: number;
    normalized: number;
    unchanged: number;
    skipped: number;
    skippedEdited: number;
    skippedDeleted: number;
    skippedMissing: number;
    /** Leads the store would not let hold their normalization (already near 400 KB): due again next run. */
    skippedRefused: number;
    failed: number;
    failedBatches: number;
    batches: number;
  };
  fields: Record<string, { total: number; changed: number; changeRate: number }>;
  flags: Record<string, number>;
  anomalies: Array<Pick<FieldAnomaly, 'field' | 'changeRate' | 'level'>>;
  model: {
    provider: string;
    modelId: string | null;
    /** HTTP attempts, failed ones included; tokens and cost of every attempt, invalid answers' too. */
    calls: number;
    inputTokens: number;
    outputTokens: number;
    estimatedCostUSD: number;
    failedBatches: Record<string, number>;
    /** Each distinct cause once (`Model.Fatal: … HTTP 401 …`), with its batch count: no personal data. */
    failureCauses: Record<string, number>;
  };
  cacheHits: number;
  rulesVersion: string;
  reason: string | null;
}

export interface ReportResult {
  continue: boolean;
  progress: RunProgress;
  summary: RunSummary;
}

/** Adds up every batch result of the run so far. */
export function summarizeRun(options: {
  run: RunContext;
  request: RunRequest;
  config: NormalizationConfig;
  results: readonly BatchResult[];
  provider: string;
  modelId: string | null;
  finishedAt: Date;
}): RunSummary {
  const { run, request, config, results } = options;
  const counts = { selected: 0, normalized: 0, unchanged: 0, skipped: 0, skippedEdited: 0, skippedDeleted: 0, skippedMissing: 0, skippedRefused: 0, failed: 0, failedBatches: 0, batches: results.length };
  const fieldTotals: Record<string, { total: number; changed: number }> = {};
  const flags: Record<string, number> = {};
  const failedBatches: Record<string, number> = {};
  const failureCauses: Record<string, number> = {};
  const noteCause = (error: string, cause: string | null | undefined) => {
    if (cause) failureCauses[`${error}: ${cause}`] = (failureCauses[`${error}: ${cause}`] ?? 0) + 1;
  };
  let modelFailures = 0;
  const usage = { calls: 0, inputTokens: 0, outputTokens: 0, estimatedCostUSD: 0 };
  let cacheHits = 0;

  for (const result of results) {
    counts.selected += result.selected;
    // Spend counts whether or not the batch then failed.
    usage.calls += result.usage.modelCalls;
    usage.inputTokens += result.usage.inputTokens;
    usage.outputTokens += result.usage.outputTokens;
    usage.estimatedCostUSD += result.usage.costUSD;
    if (result.status === 'failed') {
      counts.failed += result.selected;
      counts.failedBatches += 1;
      failedBatches[result.error ?? 'unknown'] = (failedBatches[result.error ?? 'unknown'] ?? 0) + 1;
      noteCause(result.error ?? 'unknown', result.errorCause);
      continue;
    }
    counts.normalized += result.normalized;
    counts.unchanged += result.unchanged;
    counts.skippedEdited += result.skipped.edited;
    counts.skippedDeleted += result.skipped.deleted;
    counts.skippedMissing += result.skipped.missing;
    // Batch results saved before refusals were counted have none.
    counts.skippedRefused += result.skipped.refused ?? 0;
    for (const [field, tally] of Object.entries(result.fields)) {
      const total = (fieldTotals[field] ??= { total: 0, changed: 0 });
      total.total += tally.total;
      total.changed += tally.changed;
    }
    for (const [flag, count] of Object.entries(result.flags)) flags[flag] = (flags[flag] ?? 0) + count;
    if (result.modelFailure) {
      modelFailures += 1;
      failedBatches[result.modelFailure] = (failedBatches[result.modelFailure] ?? 0) + 1;
      noteCause(result.modelFailure, result.modelFailureCause);
    }
    cacheHits += result.cacheHits;
  }
  counts.skipped = counts.skippedEdited + counts.skippedDeleted + counts.skippedMissing + counts.skippedRefused;

  const anomalies = assessChangeRates(
    Object.keys(config.fields).map((field) => ({
      field,
      kind: config.fields[field] ?? 'text',
      total: fieldTotals[field]?.total ?? 0,
      changed: fieldTotals[field]?.changed ?? 0,
    })),
  );
  const finishedAt = options.finishedAt.toISOString();
  return {
    runId: run.runId,
    status: counts.selected === 0 ? 'nothing-due' : counts.failedBatches > 0 || modelFailures > 0 ? 'completed-with-failures' : 'completed',
    dryRun: request.dryRun,
    forceAll: request.forceAll,
    startedAt: run.startedAt,
    finishedAt,
    durationMs: Math.max(0, Date.parse(finishedAt) - Date.parse(run.startedAt)),
    counts,
    fields: Object.fromEntries(
      Object.entries(fieldTotals).map(([field, tally]) => [field, { ...tally, changeRate: tally.total ? tally.changed / tally.total : 0 }]),
    ),
    flags,
    anomalies: anomalies.map(({ field, changeRate, level }) => ({ field, changeRate, level })),
    model: { provider: options.provider, modelId: options.modelId, ...usage, failedBatches, failureCauses },
    cacheHits,
    rulesVersion: RULES_VERSION,
    reason: counts.selected === 0 ? 'No lead was due for normalization.' : null,
  };
}

/**
 * Report: writes the run record (every call, so a crash still leaves the latest totals), deletes the
 * batches' working data, and for a forceAll execution that stopped at a full page says to go on from
 * the cursor. Releases the lock when done.
 */
export async function reportRun(
  deps: PipelineDeps,
  args: { run: RunContext; request: RunRequest; config: NormalizationConfig; selection: Selection; provider: string },
): Promise<ReportResult> {
  const { run, request, config, selection } = args;
  const results = (await deps.runs.listBatchResults(run.runId)) as unknown as BatchResult[];
  const summary = summarizeRun({
    run,
    request,
    config,
    results,
    provider: args.provider,
    modelId: deps.modelFor(config)?.modelId ?? null,
    finishedAt: deps.now(),
  });
  const goOn = request.forceAll && selection.cursor !== null && selection.selected > 0;
  await deps.runs.putRun(run.runId, { ...summary, executionId: run.executionId, inProgress: goOn });
  // Every batch of this page is done: its lead ids, answers and records (personal data) go now.
  await deps.runs.purgeBatchData(run.runId);
  if (!goOn) await deps.runs.releaseLock(RUN_LOCK_NAME, run.executionId);
  return {
    continue: goOn,
    progress: { iteration: selection.iteration + 1, batchOffset: (selection.batches.at(-1) ?? -1) + 1, cursor: selection.cursor },
    summary,
  };
}
