import type { BatchResult } from './pipeline-types.ts';

/**
 * What a set of batch results adds up to. Totals add up (a page's to its segment's, the segments'
 * to the run's), so no step ever reads more than one page's results or the run's segment records.
 */
export interface RunTotals {
  counts: {
    selected: number;
    normalized: number;
    unchanged: number;
    skippedEdited: number;
    skippedDeleted: number;
    skippedMissing: number;
    /** Leads the store would not let hold their normalization (already near 400 KB): due again next run. */
    skippedRefused: number;
    failed: number;
    failedBatches: number;
    batches: number;
    /** Batches that failed as a whole and were retried lead by lead. */
    splitBatches: number;
    /** Leads stamped poisoned by this run (they failed `poisonAfterFailures` times). */
    poisoned: number;
  };
  fields: Record<string, { total: number; changed: number }>;
  flags: Record<string, number>;
  /** Failures by error name: batches and leads that failed, batches that kept the rules' values. */
  failures: Record<string, number>;
  /** Each distinct cause once (`Model.Fatal: … HTTP 401 …`), with its count: no personal data. */
  failureCauses: Record<string, number>;
  usage: { calls: number; inputTokens: number; outputTokens: number; estimatedCostUSD: number };
  cacheHits: number;
}

export function emptyTotals(): RunTotals {
  return {
    counts: {
      selected: 0,
      normalized: 0,
      unchanged: 0,
      skippedEdited: 0,
      skippedDeleted: 0,
      skippedMissing: 0,
      skippedRefused: 0,
      failed: 0,
      failedBatches: 0,
      batches: 0,
      splitBatches: 0,
      poisoned: 0,
    },
    fields: {},
    flags: {},
    failures: {},
    failureCauses: {},
    usage: { calls: 0, inputTokens: 0, outputTokens: 0, estimatedCostUSD: 0 },
    cacheHits: 0,
  };
}

const addCounts = (into: Record<string, number>, from: Record<string, number | undefined>) => {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + (value ?? 0);
};

/** The totals of some batch results (a batch's own result and those of its leads retried alone). */
export function totalsOf(results: readonly BatchResult[]): RunTotals {
  const totals = emptyTotals();
  const { counts } = totals;
  const noteFailure = (error: string, cause: string | null | undefined) => {
    addCounts(totals.failures, { [error]: 1 });
    if (cause) addCounts(totals.failureCauses, { [`${error}: ${cause}`]: 1 });
  };
  for (const result of results) {
    const ownBatch = result.leadPosition === null || result.leadPosition === undefined;
    if (ownBatch) counts.batches += 1;
    // Spend counts whatever became of the batch: split, failed or written.
    totals.usage.calls += result.usage.modelCalls;
    totals.usage.inputTokens += result.usage.inputTokens;
    totals.usage.outputTokens += result.usage.outputTokens;
    totals.usage.estimatedCostUSD += result.usage.costUSD;
    if (result.status === 'split') {
      counts.splitBatches += 1;
      continue;
    }
    counts.selected += result.selected;
    if (result.status === 'failed') {
      counts.failed += result.selected;
      counts.poisoned += result.poisoned ?? 0;
      if (ownBatch) counts.failedBatches += 1;
      noteFailure(result.error ?? 'unknown', result.errorCause);
      continue;
    }
    counts.normalized += result.normalized;
    counts.unchanged += result.unchanged;
    counts.skippedEdited += result.skipped.edited;
    counts.skippedDeleted += result.skipped.deleted;
    counts.skippedMissing += result.skipped.missing;
    counts.skippedRefused += result.skipped.refused;
    for (const [field, tally] of Object.entries(result.fields)) {
      const total = (totals.fields[field] ??= { total: 0, changed: 0 });
      total.total += tally.total;
      total.changed += tally.changed;
    }
    addCounts(totals.flags, result.flags);
    if (result.modelFailure) noteFailure(result.modelFailure, result.modelFailureCause);
    totals.cacheHits += result.cacheHits;
  }
  return totals;
}

/** a + b, each part added key by key. */
export function addTotals(a: RunTotals, b: RunTotals): RunTotals {
  const sum = emptyTotals();
  for (const totals of [a, b]) {
    addCounts(sum.counts, totals.counts);
    for (const [field, tally] of Object.entries(totals.fields)) {
      const total = (sum.fields[field] ??= { total: 0, changed: 0 });
      total.total += tally.total;
      total.changed += tally.changed;
    }
    addCounts(sum.flags, totals.flags);
    addCounts(sum.failures, totals.failures);
    addCounts(sum.failureCauses, totals.failureCauses);
    addCounts(sum.usage, totals.usage);
    sum.cacheHits += totals.cacheHits;
  }
  return sum;
}
