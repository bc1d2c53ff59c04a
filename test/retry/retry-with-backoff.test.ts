import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRetryableModelError, ModelError, type ModelErrorName } from '#shared/errors/normflow-errors.ts';
import { backoffDelayMs, NO_JITTER, withRetry } from '#shared/retry/retry-with-backoff.ts';

/** A function that fails with the given errors in order, then returns 'done'. */
function failing(...errors: unknown[]) {
  const attempts: number[] = [];
  const fn = async (attempt: number): Promise<string> => {
    attempts.push(attempt);
    const error = errors[attempts.length - 1];
    if (error !== undefined) throw error;
    return 'done';
  };
  return { fn, attempts };
}

const modelError = (name: ModelErrorName) => new ModelError(name, name);

function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

describe('withRetry', () => {
  it('returns the first success without waiting', async () => {
    const { fn, attempts } = failing();
    const { delays, sleep } = recordingSleep();
    await expect(withRetry(fn, { retryOn: isRetryableModelError, maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, sleep })).resolves.toBe('done');
    expect(attempts).toEqual([0]);
    expect(delays).toEqual([]);
  });

  it('retries throttling and time-outs with full-jitter capped exponential delays', async () => {
    const { fn, attempts } = failing(
      modelError('Model.Throttled'),
      modelError('Model.Timeout'),
      modelError('Model.Throttled'),
      modelError('Model.Throttled'),
      modelError('Model.Throttled'),
    );
    const { delays, sleep } = recordingSleep();
    const result = await withRetry(fn, { retryOn: isRetryableModelError, maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1000, sleep, random: () => 0.5 });

    expect(result).toBe('done');
    expect(attempts).toEqual([0, 1, 2, 3, 4, 5]);
    // 0.5 × min(1000, 100 × 2^n): 50, 100, 200, 400, then capped at 1000 → 500.
    expect(delays).toEqual([50, 100, 200, 400, 500]);
  });

  it('draws every delay from random(): 0 means no wait', async () => {
    const { fn } = failing(modelError('Model.Throttled'), modelError('Model.Throttled'));
    const { delays, sleep } = recordingSleep();
    await withRetry(fn, { retryOn: isRetryableModelError, maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, sleep, random: () => 0 });
    expect(delays).toEqual([0, 0]);
  });

  it('rethrows the last error when attempts run out', async () => {
    const last = modelError('Model.Timeout');
    const { fn, attempts } = failing(modelError('Model.Throttled'), modelError('Model.Throttled'), last);
    const { delays, sleep } = recordingSleep();
    await expect(withRetry(fn, { retryOn: isRetryableModelError, maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, sleep, random: () => 1 })).rejects.toBe(last);
    expect(attempts).toEqual([0, 1, 2]);
    expect(delays).toEqual([10, 20]);
  });

  it.each<[string, unknown]>([
    ['Model.Fatal', modelError('Model.Fatal')],
    ['Model.InvalidResponse', modelError('Model.InvalidResponse')],
    ['a plain Error', new Error('bug')],
    ['a non-error value', 'boom'],
  ])('isRetryableModelError does not retry %s', async (_label, error) => {
    const { fn, attempts } = failing(error);
    const { delays, sleep } = recordingSleep();
    await expect(withRetry(fn, { retryOn: isRetryableModelError, maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 100, sleep })).rejects.toBe(error);
    expect(attempts).toEqual([0]);
    expect(delays).toEqual([]);
  });

  it('retries what a custom retryOn accepts', async () => {
    const { fn, attempts } = failing(modelError('Model.InvalidResponse'), modelError('Model.InvalidResponse'));
    const { sleep } = recordingSleep();
    const retryOn = (error: unknown) => error instanceof ModelError && error.name === 'Model.InvalidResponse';
    await expect(withRetry(fn, { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, sleep, retryOn })).resolves.toBe('done');
    expect(attempts).toEqual([0, 1, 2]);
  });

  it('tells onRetry the error, the failed attempt and the delay before each wait', async () => {
    const first = modelError('Model.Throttled');
    const second = modelError('Model.Timeout');
    const { fn } = failing(first, second);
    const { sleep } = recordingSleep();
    const seen: Array<[unknown, number, number]> = [];
    await withRetry(fn, {
      retryOn: isRetryableModelError,
      maxAttempts: 3,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      sleep,
      random: () => 0.25,
      onRetry: (error, attempt, delayMs) => seen.push([error, attempt, delayMs]),
    });
    expect(seen).toEqual([
      [first, 0, 25],
      [second, 1, 50],
    ]);
  });

  it('maxAttempts 1 makes a single attempt', async () => {
    const error = modelError('Model.Throttled');
    const { fn, attempts } = failing(error);
    await expect(withRetry(fn, { retryOn: isRetryableModelError, maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 100 })).rejects.toBe(error);
    expect(attempts).toEqual([0]);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxAttempts %d with a RangeError before calling fn', async (maxAttempts) => {
    const { fn, attempts } = failing();
    await expect(withRetry(fn, { retryOn: isRetryableModelError, maxAttempts, baseDelayMs: 10, maxDelayMs: 100 })).rejects.toBeInstanceOf(RangeError);
    expect(attempts).toEqual([]);
  });

  it('with maxAttempts Infinity, retries until retryOn refuses', async () => {
    const { fn, attempts } = failing(...Array.from({ length: 7 }, () => modelError('Model.Throttled')));
    const { delays, sleep } = recordingSleep();
    let budget = 4;
    const retryOn = (error: unknown) => isRetryableModelError(error) && budget-- > 0;
    await expect(withRetry(fn, { retryOn, maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 10, maxDelayMs: 40, sleep, random: NO_JITTER })).rejects.toMatchObject({
      name: 'Model.Throttled',
    });
    expect(attempts).toEqual([0, 1, 2, 3, 4]);
    // NO_JITTER: the plain capped exponential.
    expect(delays).toEqual([10, 20, 40, 40]);
  });

  it('waits for real with the default sleep and random', async () => {
    const { fn, attempts } = failing(modelError('Model.Throttled'));
    await expect(withRetry(fn, { retryOn: isRetryableModelError, maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5 })).resolves.toBe('done');
    expect(attempts).toEqual([0, 1]);
  });
});

describe('backoffDelayMs', () => {
  it('stays within [0, min(maxDelay, base × 2^attempt)] for any random in [0, 1)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseDelayMs, maxDelayMs, draw) => {
          const delay = backoffDelayMs(attempt, baseDelayMs, maxDelayMs, () => draw);
          const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(ceiling);
          expect(delay).toBeCloseTo(draw * ceiling, 6);
        },
      ),
    );
  });
});
