import { z } from 'zod';
import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import type { BatchRunner, RunTotals } from '#shared/engine/batch-runner.ts';
import type { NormalizedRecord } from '#shared/engine/batch-normalizer.ts';
import { RunTally } from './run-tally.ts';
import { isDoubtFlag, type Flag } from '#shared/rules/rule-result.ts';
import type { FieldAnomaly } from './anomaly-levels.ts';
import { wilsonInterval } from './wilson-interval.ts';

export const labeledItemSchema = z.object({
  id: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  expected: z.record(z.string(), z.string().nullable()),
  expectedFlags: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
});
export type LabeledItem = z.output<typeof labeledItemSchema>;

export interface Rate {
  hits: number;
  total: number;
  rate: number;
  low: number;
  high: number;
}

export interface FieldError {
  id: string;
  field: string;
  input: unknown;
  expected: string | null;
  actual: string | null | undefined;
}

export interface EvaluationReport {
  records: number;
  accuracy: Rate;
  fieldAccuracy: Record<string, Rate>;
  flagRecall: Rate;
  coverage: Rate;
  improvement: Rate;
  idempotence: Rate;
  anomalies: FieldAnomaly[];
  usage: RunTotals;
  errors: FieldError[];
}

class Counter {
  hits = 0;
  total = 0;
  add(hit: boolean): void {
    this.total += 1;
    if (hit) this.hits += 1;
  }
  rate(): Rate {
    return { hits: this.hits, total: this.total, rate: this.total ? this.hits / this.total : 0, ...wilsonInterval(this.hits, this.total) };
  }
}

/**
 * Scores normflow on a labeled set: exact match per expected field (derived city fields
 * included), expected flags, coverage (share of values decided without a doubt flag),
 * improvement (share of values needing a change that came out right), idempotence (the output
 * normalized again is unchanged), and the change-rate anomaly levels.
 */
export async function evaluateDataset(
  items: readonly LabeledItem[],
  runner: BatchRunner,
  config: NormalizationConfig,
): Promise<EvaluationReport> {
  const normalized = await normalizeInBatches(items.map((item) => ({ id: item.id, attributes: item.input })), runner, config);
  const again = await normalizeInBatches(
    normalized.map((record) => ({ id: record.id, attributes: pickConfigured(record.normalizedData, config) })),
    runner,
    config,
  );

  const tally = new RunTally(config);
  const overall = new Counter();
  const perField = new Map<string, Counter>();
  const flagRecall = new Counter();
  const coverage = new Counter();
  const improvement = new Counter();
  const idempotence = new Counter();
  const errors: FieldError[] = [];

  items.forEach((item, index) => {
    const output = normalized[index];
    const second = again[index];
    if (!output || !second) return;
    tally.add(item.input, output);

    for (const [field, expected] of Object.entries(item.expected)) {
      const actual = output.normalizedData[field];
      const hit = actual === expected;
      overall.add(hit);
      let fieldCounter = perField.get(field);
      if (!fieldCounter) perField.set(field, (fieldCounter = new Counter()));
      fieldCounter.add(hit);
      if (!hit) errors.push({ id: item.id, field, input: item.input[field], expected, actual });
      if (field in config.fields && item.input[field] !== expected) improvement.add(hit);
    }
    for (const [field, flags] of Object.entries(item.expectedFlags ?? {})) {
      const raised = output.normalizationMeta[field]?.flags ?? [];
      for (const flag of [flags].flat()) flagRecall.add(raised.includes(flag as Flag));
    }
    for (const [field, meta] of Object.entries(output.normalizationMeta)) {
      if (item.input[field] === null || item.input[field] === undefined) continue;
      coverage.add(!meta.flags.some(isDoubtFlag));
      const value = output.normalizedData[field];
      if (value !== null && value !== undefined) idempotence.add(second.normalizedData[field] === value);
    }
  });

  return {
    records: items.length,
    accuracy: overall.rate(),
    fieldAccuracy: Object.fromEntries([...perField].map(([field, counter]) => [field, counter.rate()])),
    flagRecall: flagRecall.rate(),
    coverage: coverage.rate(),
    improvement: improvement.rate(),
    idempotence: idempotence.rate(),
    anomalies: tally.anomalies(),
    usage: runner.totals(),
    errors,
  };
}

async function normalizeInBatches(
  records: ReadonlyArray<{ id: string; attributes: Record<string, unknown> }>,
  runner: BatchRunner,
  config: NormalizationConfig,
): Promise<NormalizedRecord[]> {
  const results: NormalizedRecord[] = [];
  for (let start = 0; start < records.length; start += config.batchSize) {
    results.push(...(await runner.normalize(records.slice(start, start + config.batchSize))));
  }
  return results;
}

function pickConfigured(data: Record<string, string | null>, config: NormalizationConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([field]) => field in config.fields));
}
