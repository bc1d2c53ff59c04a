/**
 * How a run is split so that no execution's history grows with the table (Step Functions: 25,000
 * events per execution, 256 KB per payload). Figures follow AWS's event counts per state (see
 * `infra/local/history-accounting.ts`); docs/pipeline.md shows the arithmetic.
 *
 * The parent execution plans the run and runs a Distributed Map over segments; each segment is a
 * child execution (a history of its own) that works through pages of at most BATCHES_PER_PAGE
 * batches, at most PAGES_PER_SEGMENT_EXECUTION pages per execution. What a child leaves undone is
 * taken up by the next round of the Distributed Map; the parent writes a constant number of events
 * per round.
 */

/** Batches per page: one SelectPage, one inline Map, one FinishPage. */
export const BATCHES_PER_PAGE = 50;
/** Pages one segment execution works through before it hands over to the next round. */
export const PAGES_PER_SEGMENT_EXECUTION = 4;
/** A Distributed Map's items come from the state input: 10,000 segment numbers are ~50 KB of it. */
export const MAX_SEGMENTS = 10_000;
/** Rounds of the Distributed Map one execution may run (its history grows by ROUND_EVENTS each). */
export const MAX_ROUNDS = 500;
/** A segment that made no progress in this many rounds running is given up (counted unfinished). */
export const ROUNDS_WITHOUT_PROGRESS = 3;
/** The table is sized by counting one segment of this many (a 1/256 sample), never by a full scan. */
export const SAMPLE_SEGMENTS = 256;
/** Segments are planned for this share more leads than the sample shows (a sample is not a census). */
export const SEGMENT_HEADROOM = 1.25;
/** Scan requests (≤ 1 MB read each) one SelectPage may make: a page of a sparse segment may come back short. */
export const SCAN_REQUESTS_PER_PAGE = 20;

/** Events AWS writes, per state, on the nominal path (no retry). */
export const EVENTS = {
  execution: 2,
  task: 5,
  choiceOrPass: 2,
  succeed: 2,
  inlineMap: 4,
  mapIteration: 2,
  distributedMap: 6,
} as const;

/** One batch on the nominal path: 2 (iteration) + InvokeModel 5 + WriteResults 5. */
export const BATCH_EVENTS = EVENTS.mapIteration + 2 * EVENTS.task;

/** One page of `batches` batches: SelectPage 5 + HasBatches 2 + NormalizeBatches 4 + batches + FinishPage 5 + MorePages 2 + NextPage 2. */
export function pageEvents(batches: number): number {
  const map = batches > 0 ? EVENTS.inlineMap + batches * BATCH_EVENTS : 0;
  return EVENTS.task + EVENTS.choiceOrPass + map + EVENTS.task + EVENTS.choiceOrPass + EVENTS.choiceOrPass;
}

/** A segment execution of `pages` full pages: 2 + pages × page − the last NextPage + SegmentDone (a Pass) 2. */
export function segmentExecutionEvents(pages: number, batchesPerPage = BATCHES_PER_PAGE): number {
  return EVENTS.execution + pages * pageEvents(batchesPerPage) - EVENTS.choiceOrPass + EVENTS.succeed;
}

/** Per round in the parent: ProcessSegments 6 + Report 5 + MoreToDo 2 + NextRound 2. */
export const ROUND_EVENTS = EVENTS.distributedMap + EVENTS.task + 2 * EVENTS.choiceOrPass;

/** The parent: 2 + LoadConfig 5 + IsEnabled 2 + PlanRun 5 + HasWork 2 + rounds (the last one ends in Done 2 instead of NextRound 2). */
export function parentExecutionEvents(rounds: number): number {
  return EVENTS.execution + 2 * EVENTS.task + 2 * EVENTS.choiceOrPass + rounds * ROUND_EVENTS;
}

/**
 * Leads per batch (one Map item: one InvokeModel and one WriteResults). `batchSize` is the
 * records per model call; a run that asks no model has no prompt to keep small, so its batches hold
 * `rulesOnlyBatchSize` leads: the same work in fewer Tasks and state transitions.
 */
export const leadsPerBatch = (config: { batchSize: number; rulesOnlyBatchSize: number; llmMode: string }, hasModel: boolean): number =>
  hasModel && config.llmMode !== 'never' ? config.batchSize : config.rulesOnlyBatchSize;

export const leadsPerPage = (batchSize: number): number => BATCHES_PER_PAGE * batchSize;
export const leadsPerSegmentExecution = (batchSize: number): number => PAGES_PER_SEGMENT_EXECUTION * leadsPerPage(batchSize);

/** Segments for a table of about `estimatedLeads`, so one execution per segment usually finishes it. */
export function segmentsFor(estimatedLeads: number, batchSize: number): number {
  const wanted = Math.ceil((estimatedLeads * SEGMENT_HEADROOM) / leadsPerSegmentExecution(batchSize));
  return Math.min(MAX_SEGMENTS, Math.max(1, wanted));
}
