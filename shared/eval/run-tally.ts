import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import type { NormalizedRecord, ValueSource } from '#shared/engine/batch-normalizer.ts';
import type { Flag } from '#shared/rules/rule-result.ts';
import { assessChangeRates, type FieldAnomaly } from './anomaly-levels.ts';

export interface FieldTally {
  /** Fields present with a non-null original value. */
  total: number;
  changed: number;
  bySource: Record<ValueSource, number>;
  flags: Partial<Record<Flag, number>>;
}

/**
 * Counts per field over a run: what changed, where values came from, which flags were raised, and
 * the change-rate anomaly levels they give (a quality measure, so it lives with the evaluation).
 */
export class RunTally {
  records = 0;
  readonly fields: Record<string, FieldTally> = {};
  private readonly config: NormalizationConfig;

  constructor(config: NormalizationConfig) {
    this.config = config;
    for (const field of Object.keys(config.fields)) {
      this.fields[field] = { total: 0, changed: 0, bySource: { rules: 0, cache: 0, llm: 0, steward: 0 }, flags: {} };
    }
  }

  add(original: Readonly<Record<string, unknown>>, normalized: NormalizedRecord): void {
    this.records += 1;
    const metas = normalized.normalizationMeta;
    for (const field in metas) {
      const meta = metas[field];
      const tally = this.fields[field];
      if (!meta || !tally || original[field] === null || original[field] === undefined) continue;
      tally.total += 1;
      if (meta.changed) tally.changed += 1;
      tally.bySource[meta.source] += 1;
      for (const flag of meta.flags) tally.flags[flag] = (tally.flags[flag] ?? 0) + 1;
    }
  }

  /** Total of changed fields over the run. */
  fieldsChanged(): number {
    return Object.values(this.fields).reduce((sum, tally) => sum + tally.changed, 0);
  }

  anomalies(): FieldAnomaly[] {
    return assessChangeRates(
      Object.entries(this.fields).map(([field, tally]) => ({
        field,
        kind: this.config.fields[field] ?? 'text',
        total: tally.total,
        changed: tally.changed,
      })),
    );
  }
}
