import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANOMALY_LEVELS,
  EXPECTED_CHANGE_RATES,
  anomalyLevel,
  assessChangeRates,
  type ChangeRateRange,
} from '#shared/eval/anomaly-levels.ts';
import { wilsonInterval } from '#shared/eval/wilson-interval.ts';
import { FIELD_KINDS } from '#shared/rules/rule-result.ts';

const ADDRESS = EXPECTED_CHANGE_RATES.address; // 0.5–1
const TEXT = EXPECTED_CHANGE_RATES.text; // 0–0.3
const NAME = EXPECTED_CHANGE_RATES.personName; // 0.2–0.9

// How far (rate points) the raw rate lies outside the range: what a naive rule would alarm on.
const rawDistance = (changed: number, total: number, range: ChangeRateRange) => {
  const rate = changed / total;
  return rate < range.min ? range.min - rate : rate > range.max ? rate - range.max : 0;
};

describe('anomalyLevel', () => {
  it.each([
    ['inside the range', 500, 1000, NAME],
    ['at the lower edge', 200, 1000, NAME],
    ['at the upper edge', 300, 1000, TEXT],
    ['interval overlapping the range though the rate is outside', 45, 100, ADDRESS],
    ['no values seen', 0, 0, ADDRESS],
  ])('is NORMAL %s', (_label, changed, total, range) => {
    expect(anomalyLevel(changed, total, range)).toBe('NORMAL');
  });

  it.each([
    // Below the range: the interval's upper end sits under min.
    ['WATCH', 450, 1000, ADDRESS],
    ['ALERT', 300, 1000, ADDRESS],
    ['CRITICAL', 100, 1000, ADDRESS],
    // Above the range: the interval's lower end sits over max.
    ['WATCH', 360, 1000, TEXT],
    ['ALERT', 500, 1000, TEXT],
    ['CRITICAL', 800, 1000, TEXT],
  ] as const)('is %s for %i/%i', (level, changed, total, range) => {
    expect(anomalyLevel(changed, total, range)).toBe(level);
  });

  it('bands the interval distance at 0, 10 and 20 points', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }).chain((total) => fc.tuple(fc.integer({ min: 0, max: total }), fc.constant(total))),
        fc.constantFrom(...FIELD_KINDS),
        ([changed, total], kind) => {
          const range = EXPECTED_CHANGE_RATES[kind];
          const { low, high } = wilsonInterval(changed, total);
          const distance = Math.max(range.min - high, low - range.max, 0);
          const expected = distance === 0 ? 'NORMAL' : distance <= 0.1 ? 'WATCH' : distance <= 0.2 ? 'ALERT' : 'CRITICAL';
          expect(anomalyLevel(changed, total, range)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never gets calmer as the rate moves further outside the range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.constantFrom(...FIELD_KINDS), (total, kind) => {
        const range = EXPECTED_CHANGE_RATES[kind];
        const severity = (changed: number) => ANOMALY_LEVELS.indexOf(anomalyLevel(changed, total, range));
        for (let changed = Math.floor(range.min * total); changed > 0; changed -= 1) {
          expect(severity(changed - 1)).toBeGreaterThanOrEqual(severity(changed));
        }
        for (let changed = Math.ceil(range.max * total); changed < total; changed += 1) {
          expect(severity(changed + 1)).toBeGreaterThanOrEqual(severity(changed));
        }
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['no name changed in 10', 0, 10, NAME],
    ['no address changed in 3', 0, 3, ADDRESS],
    ['the one free-text value changed', 1, 1, TEXT],
    ['both of 2 free-text values changed', 2, 2, { min: 0, max: 0.6 }],
  ])('keeps a small sample NORMAL where a raw-rate rule would alarm: %s', (_label, changed, total, range) => {
    expect(rawDistance(changed, total, range)).toBeGreaterThan(0.1);
    expect(anomalyLevel(changed, total, range)).toBe('NORMAL');
  });

  it('alarms on the same rate once the sample is large', () => {
    expect(anomalyLevel(0, 10, NAME)).toBe('NORMAL');
    expect(anomalyLevel(0, 1000, NAME)).toBe('ALERT');
    expect(anomalyLevel(1, 1, TEXT)).toBe('NORMAL');
    expect(anomalyLevel(1000, 1000, TEXT)).toBe('CRITICAL');
  });
});

describe('EXPECTED_CHANGE_RATES', () => {
  it.each(FIELD_KINDS.map((kind) => [kind]))('has a valid range for %s', (kind) => {
    const { min, max } = EXPECTED_CHANGE_RATES[kind];
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(min).toBeLessThanOrEqual(max);
  });
});

describe('assessChangeRates', () => {
  it('adds the rate, the expected range of the kind and the level to each field', () => {
    expect(
      assessChangeRates([
        { field: 'nombres', kind: 'personName', total: 1000, changed: 500 },
        { field: 'direccion', kind: 'address', total: 1000, changed: 100 },
        { field: 'notas', kind: 'text', total: 0, changed: 0 },
      ]),
    ).toEqual([
      { field: 'nombres', kind: 'personName', total: 1000, changed: 500, changeRate: 0.5, expected: NAME, level: 'NORMAL' },
      { field: 'direccion', kind: 'address', total: 1000, changed: 100, changeRate: 0.1, expected: ADDRESS, level: 'CRITICAL' },
      { field: 'notas', kind: 'text', total: 0, changed: 0, changeRate: 0, expected: TEXT, level: 'NORMAL' },
    ]);
  });
});
