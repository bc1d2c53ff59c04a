import { shardOfSegment } from '#shared/stores/due-leads-index.ts';
import type { LeadItem, SegmentRecord } from '#shared/stores/store-ports.ts';
import { leadsPerBatch, leadsPerPage, PAGES_PER_SEGMENT_EXECUTION, SCAN_REQUESTS_PER_PAGE } from './execution-plan.ts';
import { isPassedOver, poisonProjection } from './poison-leads.ts';
import type { BatchResult, PageSelection, PipelineDeps, SegmentTask } from './pipeline-types.ts';
import { addTotals, emptyTotals, totalsOf, type RunTotals } from './run-totals.ts';

const DAY_MS = 86_400_000;

const freshSegment = (segment: number): SegmentRecord => ({ segment, cursor: null, done: false, pages: 0, progressRound: null, passedOver: 0, totals: null });

/**
 * SelectPage: the next page of the segment, from where its record says it stopped. Due leads are
 * those never normalized, normalized before the TTL, or (forceAll) not yet by this execution;
 * scheduled runs pass over poisoned leads whose originals are unchanged. The page's leads are
 * reserved from the run's total cap, then stored as numbered batches in the runs table.
 */
export async function selectPage(deps: PipelineDeps, task: SegmentTask): Promise<PageSelection & { startCursor: string | null }> {
  const { run, request, config, plan, segment } = task;
  const batchSize = leadsPerBatch(config, deps.modelFor(config) !== undefined);
  const record = await countPendingPage(deps, run.runId, (await deps.plans.getSegment(run.runId, segment)) ?? freshSegment(segment));
  const startCursor = record.cursor;
  if (record.done) return { batches: [], batchCount: 0, selected: 0, cursor: record.cursor, done: true, passedOver: 0, startCursor };

  let found: string[];
  let cursor: string | null = null;
  let passedOver = 0;
  if (plan.mode === 'ids') {
    found = record.leadIds ?? [];
  } else if (plan.mode === 'due-index') {
    // Poisoned leads are not in the index: nothing to pass over.
    const page = await deps.leads.findDueInIndex({
      shard: shardOfSegment(segment),
      dueBy: deps.now().toISOString(),
      limit: leadsPerPage(batchSize),
      maxRequests: SCAN_REQUESTS_PER_PAGE,
      ...(record.cursor ? { cursor: record.cursor } : {}),
    });
    found = page.leadIds;
    cursor = page.cursor ?? null;
  } else {
    const page = await deps.leads.findDue({
      normalizedBefore: request.forceAll ? run.startedAt : new Date(deps.now().getTime() - config.normalizationTTLDays * DAY_MS).toISOString(),
      limit: leadsPerPage(batchSize),
      segment: { index: segment, total: plan.totalSegments },
      maxScanRequests: SCAN_REQUESTS_PER_PAGE,
      ...(record.cursor ? { cursor: record.cursor } : {}),
      // Poisoned leads wait for an edit of their originals; a forceAll takes them all the same.
      ...(request.forceAll ? {} : { projection: poisonProjection(config), keep: (item: LeadItem) => !isPassedOver(item, config) }),
    });
    found = page.leadIds;
    cursor = page.cursor ?? null;
    passedOver = page.rejected;
  }
  if (found.length === 0) return { batches: [], batchCount: 0, selected: 0, cursor, done: cursor === null, passedOver, startCursor };

  const { leadsGranted, firstBatch } = await deps.plans.reserve(run.runId, found.length, Math.ceil(found.length / batchSize));
  const taken = found.slice(0, leadsGranted);
  const pageBatches = Array.from({ length: Math.ceil(taken.length / batchSize) }, (_, index) => ({
    batchIndex: firstBatch + index,
    leadIds: taken.slice(index * batchSize, (index + 1) * batchSize),
  }));
  await deps.runs.saveBatches(run.runId, pageBatches);
  const batches = pageBatches.map((batch) => batch.batchIndex);
  const last = batches.at(-1);
  if (last !== undefined) await deps.plans.putSegment(run.runId, { ...record, pendingBatches: { first: firstBatch, last } });
  return {
    batches,
    batchCount: batches.length,
    selected: taken.length,
    cursor,
    // The run's cap reached, or the segment's end.
    done: leadsGranted < found.length || cursor === null,
    passedOver,
    startCursor,
  };
}

/** The batch results of a page whose execution died before FinishPage, added to the segment's totals (once). */
async function countPendingPage(deps: PipelineDeps, runId: string, record: SegmentRecord): Promise<SegmentRecord> {
  if (!record.pendingBatches) return record;
  const results = (await deps.runs.listBatchResults(runId, record.pendingBatches)) as unknown as BatchResult[];
  const { pendingBatches: _counted, ...rest } = record;
  const counted = { ...rest, totals: addTotals((record.totals as RunTotals | null) ?? emptyTotals(), totalsOf(results)) as unknown as Record<string, unknown> };
  await deps.plans.putSegment(runId, counted);
  await deps.runs.purgeBatchData(runId, record.pendingBatches);
  return counted;
}

/**
 * FinishPage: adds the page's batch results to the segment's totals and moves its cursor on (once:
 * a retried call finds the record already moved), deletes the page's working data, and says whether
 * this execution takes another page.
 */
export async function finishPage(
  deps: PipelineDeps,
  task: SegmentTask & { page: PageSelection & { startCursor: string | null } },
): Promise<{ more: boolean; pagesDone: number }> {
  const { run, plan, segment, page } = task;
  const record = (await deps.plans.getSegment(run.runId, segment)) ?? freshSegment(segment);
  const pagesDone = task.pagesDone + 1;
  const alreadyRecorded = record.done || record.cursor !== page.startCursor;
  const first = page.batches[0];
  const last = page.batches.at(-1);
  if (!alreadyRecorded) {
    const results = first === undefined || last === undefined ? [] : ((await deps.runs.listBatchResults(run.runId, { first, last })) as unknown as BatchResult[]);
    const totals = addTotals((record.totals as RunTotals | null) ?? emptyTotals(), totalsOf(results));
    const { pendingBatches: _finished, ...rest } = record;
    await deps.plans.putSegment(run.runId, {
      ...rest,
      cursor: page.cursor,
      done: page.done,
      pages: record.pages + 1,
      progressRound: plan.round,
      passedOver: record.passedOver + page.passedOver,
      totals: totals as unknown as Record<string, unknown>,
    });
  }
  // Counted in the segment's totals: the page's ids, answers, records (personal data) and results go now (a retry deletes nothing more).
  if (first !== undefined && last !== undefined) await deps.runs.purgeBatchData(run.runId, { first, last });
  return { more: !page.done && pagesDone < PAGES_PER_SEGMENT_EXECUTION, pagesDone };
}
