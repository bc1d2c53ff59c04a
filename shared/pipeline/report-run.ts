import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import { assessChangeRates, type FieldAnomaly } from '#shared/eval/anomaly-levels.ts';
import { RULES_VERSION } from '#shared/rules/index.ts';
import type { RunRequest } from './run-request.ts';
import { MAX_ROUNDS, ROUNDS_WITHOUT_PROGRESS } from './execution-plan.ts';
import { RUN_LOCK_NAME, type PipelineDeps, type RunContext, type RunPlan } from './pipeline-types.ts';
import { addTotals, emptyTotals, type RunTotals } from './run-totals.ts';

export interface RunSummary {
  runId: string;
  /** `failed`: set on the record afterwards when the execution failed after a round had reported. */
  status: 'completed' | 'completed-with-failures' | 'nothing-due' | 'failed';
  dryRun: boolean;
  forceAll: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  counts: RunTotals['counts'] & {
    /** Every lead skipped, for any reason. */
    skipped: number;
    /** Due leads passed over: poisoned, originals unchanged since. */
    passedOverPoisoned: number;
  };
  /** How the run was split: segments (child executions), rounds of them, and those given up unfinished. */
  segments: { total: number; rounds: number; unfinished: number };
  /** The run's total cap on leads (`maxLeads`, else `maxLeadsPerRun`; none for a forceAll without `maxLeads`), and whether it stopped the run: more leads may be due. */
  cap: { leads: number; reached: boolean } | null;
  fields: Record<string, { total: number; changed: number; changeRate: number }>;
  flags: Record<string, number>;
  anomalies: Array<Pick<FieldAnomaly, 'field' | 'changeRate' | 'level'>>;
  /** `failedBatches`: failures by error name (batches and leads that failed, batches that kept the rules' values). */
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
  /** The next round's plan: the segments left over. */
  plan: RunPlan;
  summary: RunSummary;
}

/** The run's summary from its totals. */
export function summarizeRun(options: {
  run: RunContext;
  request: RunRequest;
  config: NormalizationConfig;
  totals: RunTotals;
  provider: string;
  modelId: string | null;
  finishedAt: Date;
  passedOverPoisoned: number;
  segments: RunSummary['segments'];
  cap: RunSummary['cap'];
}): RunSummary {
  const { run, request, config, totals } = options;
  const counts = {
    ...totals.counts,
    skipped: totals.counts.skippedEdited + totals.counts.skippedDeleted + totals.counts.skippedMissing + totals.counts.skippedRefused,
    passedOverPoisoned: options.passedOverPoisoned,
  };
  const anomalies = assessChangeRates(
    Object.keys(config.fields).map((field) => ({
      field,
      kind: config.fields[field] ?? 'text',
      total: totals.fields[field]?.total ?? 0,
      changed: totals.fields[field]?.changed ?? 0,
    })),
  );
  const finishedAt = options.finishedAt.toISOString();
  // Leads or batches that failed, batches that kept the rules' values (the model failed), segments given up.
  const failed = Object.keys(totals.failures).length > 0 || options.segments.unfinished > 0;
  return {
    runId: run.runId,
    status: counts.selected === 0 && !failed ? 'nothing-due' : failed ? 'completed-with-failures' : 'completed',
    dryRun: request.dryRun,
    forceAll: request.forceAll,
    startedAt: run.startedAt,
    finishedAt,
    durationMs: Math.max(0, Date.parse(finishedAt) - Date.parse(run.startedAt)),
    counts,
    segments: options.segments,
    cap: options.cap,
    fields: Object.fromEntries(
      Object.entries(totals.fields).map(([field, tally]) => [field, { ...tally, changeRate: tally.total ? tally.changed / tally.total : 0 }]),
    ),
    flags: totals.flags,
    anomalies: anomalies.map(({ field, changeRate, level }) => ({ field, changeRate, level })),
    model: { provider: options.provider, modelId: options.modelId, ...totals.usage, failedBatches: totals.failures, failureCauses: totals.failureCauses },
    cacheHits: totals.cacheHits,
    rulesVersion: RULES_VERSION,
    reason: counts.selected === 0 && !failed ? 'No lead was due for normalization.' : null,
  };
}

/**
 * A run that failed gives its lock back at once (a no-op when it never held it), and its record, if
 * a round reported one, says it failed: not `in progress` for ever (`runs rollback` refuses those).
 */
export async function releaseRunLock(deps: PipelineDeps, run: RunContext, error: string): Promise<void> {
  await deps.runs.releaseLock(RUN_LOCK_NAME, run.executionId);
  await deps.runs.markRunFailed(run.runId, error);
}

/**
 * Report: adds up the segments' totals into the run record (every round, so a crash still leaves
 * the latest), and sends the segments left over (a child execution that handed over, or failed)
 * into another round. A segment that made no progress in ROUNDS_WITHOUT_PROGRESS rounds is given
 * up and counted unfinished. When the run is done it deletes the run's plan, segment records and
 * whatever working data a dead page left (pages delete their own), and releases the lock.
 */
export async function reportRun(
  deps: PipelineDeps,
  args: { run: RunContext; request: RunRequest; config: NormalizationConfig; plan: RunPlan; provider: string },
): Promise<ReportResult> {
  const { run, request, config, plan } = args;
  const stored = await deps.plans.getPlan(run.runId);
  const reported = stored ? undefined : await deps.runs.getRun(run.runId);
  if (reported && reported.inProgress === false) {
    // A retried final Report: the plan and segments are gone, the run record has the totals.
    if (plan.holdsLock) await deps.runs.releaseLock(RUN_LOCK_NAME, run.executionId);
    const { executionId: _executionId, inProgress: _inProgress, ...summary } = reported;
    return { continue: false, plan: { ...plan, segments: [], round: plan.round + 1 }, summary: summary as unknown as RunSummary };
  }
  const records = new Map((await deps.plans.listSegments(run.runId)).map((record) => [record.segment, record]));
  let totals = emptyTotals();
  let passedOver = 0;
  for (const record of records.values()) {
    if (record.totals) totals = addTotals(totals, record.totals as unknown as RunTotals);
    passedOver += record.passedOver;
  }
  const capReached = stored?.cap !== null && stored?.cap !== undefined && totals.counts.selected >= stored.cap;
  const unfinished = Array.from({ length: plan.totalSegments }, (_, segment) => segment).filter((segment) => !records.get(segment)?.done);
  const leftOver = capReached
    ? []
    : unfinished.filter((segment) => plan.round - (records.get(segment)?.progressRound ?? -1) < ROUNDS_WITHOUT_PROGRESS);
  const goOn = leftOver.length > 0 && plan.round + 1 < MAX_ROUNDS;
  const summary = summarizeRun({
    run,
    request,
    config,
    totals,
    provider: args.provider,
    modelId: deps.modelFor(config)?.modelId ?? null,
    finishedAt: deps.now(),
    passedOverPoisoned: passedOver,
    segments: { total: plan.totalSegments, rounds: plan.round + 1, unfinished: goOn || capReached ? 0 : unfinished.length },
    cap: stored?.cap === null || stored?.cap === undefined ? null : { leads: stored.cap, reached: capReached },
  });
  await deps.runs.putRun(run.runId, { ...summary, executionId: run.executionId, inProgress: goOn });
  if (!goOn) {
    // The run record holds the totals now: the segments' records and any batch a dead page left (personal data) go.
    await deps.runs.purgeBatchData(run.runId);
    await deps.plans.deletePlan(run.runId);
    if (plan.holdsLock) await deps.runs.releaseLock(RUN_LOCK_NAME, run.executionId);
  }
  return { continue: goOn, plan: { ...plan, segments: leftOver, round: plan.round + 1 }, summary };
}
