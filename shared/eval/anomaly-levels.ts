import type { FieldKind } from '#shared/rules/rule-result.ts';
import { wilsonInterval } from './wilson-interval.ts';

export const ANOMALY_LEVELS = ['NORMAL', 'WATCH', 'ALERT', 'CRITICAL'] as const;
export type AnomalyLevel = (typeof ANOMALY_LEVELS)[number];

export interface ChangeRateRange {
  min: number;
  max: number;
}

/**
 * Expected share of non-null values that normalization changes, per kind, for user-typed forms.
 * Far below means the rules stopped applying; far above means they rewrite what was already clean.
 */
export const EXPECTED_CHANGE_RATES: Readonly<Record<FieldKind, ChangeRateRange>> = {
  personName: { min: 0.2, max: 0.9 },
  city: { min: 0.2, max: 0.9 },
  educationLevel: { min: 0.2, max: 0.95 },
  address: { min: 0.5, max: 1 },
  occupation: { min: 0.15, max: 0.9 },
  organization: { min: 0.15, max: 0.95 },
  text: { min: 0, max: 0.3 },
};

/** How far (in rate points) the 95% interval may sit outside the range before each level. */
const LEVEL_DISTANCES: ReadonlyArray<[AnomalyLevel, number]> = [
  ['NORMAL', 0],
  ['WATCH', 0.1],
  ['ALERT', 0.2],
];

/**
 * Level of a field's change rate: NORMAL while its 95% Wilson interval overlaps the expected
 * range, then WATCH, ALERT and CRITICAL as the interval lies ≤ 10, ≤ 20 or > 20 points away.
 * Using the interval (not the raw rate) keeps small runs from raising false alarms.
 */
export function anomalyLevel(changed: number, total: number, range: ChangeRateRange): AnomalyLevel {
  if (total === 0) return 'NORMAL';
  const { low, high } = wilsonInterval(changed, total);
  const distance = high < range.min ? range.min - high : low > range.max ? low - range.max : 0;
  for (const [level, limit] of LEVEL_DISTANCES) if (distance <= limit) return level;
  return 'CRITICAL';
}

export interface FieldChangeStats {
  field: string;
  kind: FieldKind;
  /** Non-null input values seen. */
  total: number;
  changed: number;
}

export interface FieldAnomaly extends FieldChangeStats {
  changeRate: number;
  expected: ChangeRateRange;
  level: AnomalyLevel;
}

export function assessChangeRates(stats: readonly FieldChangeStats[]): FieldAnomaly[] {
  return stats.map((entry) => {
    const expected = EXPECTED_CHANGE_RATES[entry.kind];
    return {
      ...entry,
      changeRate: entry.total === 0 ? 0 : entry.changed / entry.total,
      expected,
      level: anomalyLevel(entry.changed, entry.total, expected),
    };
  });
}
