import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '#shared/eval/wilson-interval.ts';

const countsArbitrary = fc
  .integer({ min: 1, max: 100_000 })
  .chain((total) => fc.tuple(fc.integer({ min: 0, max: total }), fc.constant(total)));

describe('wilsonInterval known values', () => {
  it.each([
    [8, 10, 0.49, 0.943],
    [50, 100, 0.404, 0.596],
    [1, 1, 0.207, 1],
    [0, 1, 0, 0.793],
    [90, 100, 0.826, 0.945],
  ])('%i/%i → [%f, %f]', (successes, total, low, high) => {
    const interval = wilsonInterval(successes, total);
    expect(interval.low).toBeCloseTo(low, 3);
    expect(interval.high).toBeCloseTo(high, 3);
  });

  it('0/10 is [0, ≈0.278]', () => {
    const interval = wilsonInterval(0, 10);
    expect(interval.low).toBe(0);
    expect(interval.high).toBeCloseTo(0.278, 3);
  });

  it('10/10 is [≈0.722, 1]', () => {
    const interval = wilsonInterval(10, 10);
    expect(interval.low).toBeCloseTo(0.722, 3);
    expect(interval.high).toBe(1);
  });

  it('is [0, 1] when nothing was observed', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it('is symmetric: k/n mirrors (n−k)/n', () => {
    const interval = wilsonInterval(3, 17);
    const mirrored = wilsonInterval(14, 17);
    expect(interval.low).toBeCloseTo(1 - mirrored.high, 12);
    expect(interval.high).toBeCloseTo(1 - mirrored.low, 12);
  });

  it('widens with a larger z', () => {
    const ninetyFive = wilsonInterval(30, 100);
    const ninetyNine = wilsonInterval(30, 100, 2.575829);
    expect(ninetyNine.low).toBeLessThan(ninetyFive.low);
    expect(ninetyNine.high).toBeGreaterThan(ninetyFive.high);
  });
});

describe('wilsonInterval properties', () => {
  it('contains the observed rate and stays within [0, 1]', () => {
    fc.assert(
      fc.property(countsArbitrary, ([successes, total]) => {
        const { low, high } = wilsonInterval(successes, total);
        const rate = successes / total;
        expect(low).toBeGreaterThanOrEqual(0);
        expect(high).toBeLessThanOrEqual(1);
        expect(low).toBeLessThanOrEqual(rate);
        expect(rate).toBeLessThanOrEqual(high);
      }),
      { numRuns: 2000 },
    );
  });

  it('contains the rate for every all-or-nothing count (where rounding bites)', () => {
    for (let total = 1; total <= 2000; total += 1) {
      expect(wilsonInterval(total, total).high).toBe(1);
      expect(wilsonInterval(0, total).low).toBe(0);
    }
  });

  it('narrows with a larger sample at the same rate', () => {
    fc.assert(
      fc.property(countsArbitrary, fc.integer({ min: 2, max: 50 }), ([successes, total], factor) => {
        const small = wilsonInterval(successes, total);
        const large = wilsonInterval(successes * factor, total * factor);
        expect(large.high - large.low).toBeLessThan(small.high - small.low);
      }),
      { numRuns: 1000 },
    );
  });
});
