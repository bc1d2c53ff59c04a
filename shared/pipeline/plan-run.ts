import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import { InputError } from '#shared/errors/normflow-errors.ts';
import { QUOTA_SAFETY } from '#shared/model/rate-limit.ts';
import { type RunRequest } from './run-request.ts';
import { DUE_INDEX_SHARDS } from '#shared/stores/due-leads-index.ts';
import { leadsPerBatch, leadsPerPage, SAMPLE_SEGMENTS, segmentsFor } from './execution-plan.ts';
import { RUN_LOCK_NAME, type PipelineDeps, type RunContext, type RunPlan } from './pipeline-types.ts';

const range = (count: number): number[] => Array.from({ length: count }, (_, index) => index);

/**
 * A run that sends every lead to the model (`llmMode: always`) at the configured quota must finish
 * within the state machine's timeout (the run lock lives as long): refused at once, naming the
 * arithmetic, rather than cut off after a day. In `fallback` mode how many leads need the model is
 * not known in advance, so nothing is refused.
 */
function assertFitsTheTimeout(leads: number, config: NormalizationConfig, timeoutSeconds: number): void {
  const perMinute = config.model.requestsPerMinute;
  if (config.llmMode !== 'always' || !perMinute || !Number.isFinite(leads)) return;
  const callsPerSecond = (perMinute * QUOTA_SAFETY) / 60;
  const seconds = Math.ceil(leads / config.batchSize) / callsPerSecond;
  if (seconds <= timeoutSeconds) return;
  const fitting = Math.floor(timeoutSeconds * callsPerSecond + 1e-9) * config.batchSize;
  throw new InputError(
    `Invalid execution input: ~${leads} leads in llmMode always need ${Math.ceil(leads / config.batchSize)} model calls at ${perMinute} requests/min ` +
      `(${QUOTA_SAFETY * 100}% used) = ${(seconds / 3600).toFixed(1)} h, more than the ${(timeoutSeconds / 3600).toFixed(1)} h the state machine may run: ` +
      `use maxLeads ≤ ${fitting}, a larger batchSize, or a larger quota`,
  );
}

/**
 * PlanRun: takes the run lock (runs naming their leads take none, so they never wait on or block
 * the nightly run), then splits the work into segments, one child execution each:
 * - `leadIds`: the named leads (capped by `maxLeads` only), a page of them per segment;
 * - a scheduled run with the index of due leads (`NORMFLOW_DUE_SELECTION=index`): a segment per
 *   shard of the index, so a night reads what is due, not the table;
 * - otherwise (a forceAll, or no index) a parallel Scan, as many segments as the table's size asks
 *   for, sized from a 1/256 sample so that no Lambda ever reads the whole table.
 * The cap (`maxLeads`, else `maxLeadsPerRun`; none for a forceAll without `maxLeads`) is a total
 * over every segment: each page reserves its leads from it.
 */
export async function planRun(deps: PipelineDeps, args: { run: RunContext; request: RunRequest; config: NormalizationConfig }): Promise<RunPlan> {
  const { run, request, config } = args;
  if (request.leadIds) {
    const ids = request.maxLeads === null ? request.leadIds : request.leadIds.slice(0, request.maxLeads);
    const perSegment = leadsPerPage(leadsPerBatch(config, deps.modelFor(config) !== undefined));
    const segments = range(Math.ceil(ids.length / perSegment));
    await deps.plans.putPlan(run.runId, { mode: 'ids', totalSegments: segments.length, cap: null });
    for (const segment of segments) {
      await deps.plans.putSegment(run.runId, {
        segment,
        cursor: null,
        done: false,
        pages: 0,
        progressRound: null,
        passedOver: 0,
        totals: null,
        leadIds: ids.slice(segment * perSegment, (segment + 1) * perSegment),
      });
    }
    return { status: 'planned', reason: null, mode: 'ids', totalSegments: segments.length, segments, round: 0, holdsLock: false };
  }

  const attempt = await deps.runs.acquireLock(
    {
      name: RUN_LOCK_NAME,
      holder: run.executionId,
      acquiredAt: deps.now().toISOString(),
      expiresAt: new Date(Date.parse(run.startedAt) + deps.lockTtlSeconds * 1000).toISOString(),
      ...(deps.processLock ? { pid: deps.processLock.pid, host: deps.processLock.host } : {}),
    },
    deps.now().toISOString(),
    deps.processLock?.isStale,
  );
  if (!attempt.acquired) {
    return {
      status: 'locked',
      reason: `Another execution (${attempt.heldBy.holder}) has been normalizing since ${attempt.heldBy.acquiredAt}; this one did nothing. The lock expires at ${attempt.heldBy.expiresAt}.`,
      mode: 'scan',
      totalSegments: 0,
      segments: [],
      round: 0,
      holdsLock: false,
    };
  }
  const cap = request.maxLeads ?? (request.forceAll ? null : config.maxLeadsPerRun);
  // A scheduled run reads the index of due leads, a shard per segment; a forceAll reads every lead.
  const mode = !request.forceAll && deps.dueSelection === 'index' ? 'due-index' : 'scan';
  const estimate = mode === 'due-index' ? null : (await deps.leads.countSegment({ index: 0, total: SAMPLE_SEGMENTS })) * SAMPLE_SEGMENTS;
  const totalSegments = estimate === null ? DUE_INDEX_SHARDS : segmentsFor(estimate, leadsPerBatch(config, deps.modelFor(config) !== undefined));
  if (deps.modelFor(config)) assertFitsTheTimeout(Math.min(cap ?? Infinity, estimate ?? Infinity), config, deps.lockTtlSeconds);
  await deps.plans.putPlan(run.runId, { mode, totalSegments, cap });
  return { status: 'planned', reason: null, mode, totalSegments, segments: range(totalSegments), round: 0, holdsLock: true };
}
