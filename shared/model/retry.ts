import { isRetryableModelError } from '#shared/errors/normflow-errors.ts';

export interface RetryOptions {
  /** Total attempts, the first included (1 = no retry). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Which errors are worth another attempt; default: Model.Throttled and Model.Timeout. */
  retryOn?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to count retries; never given the request. */
  onRetry?: (error: unknown, failedAttempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); injected for deterministic tests. */
  random?: () => number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Capped exponential backoff with full jitter: after failed attempt n (0-based) it waits
 * random() × min(maxDelayMs, baseDelayMs × 2^n), which spreads concurrent callers apart
 * better than a fixed schedule. Rethrows the last error when attempts run out or the error is
 * not retryable. `fn` receives the 0-based attempt number.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { maxAttempts, baseDelayMs, maxDelayMs } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a whole number ≥ 1, got ${maxAttempts}`);
  }
  const retryOn = options.retryOn ?? isRetryableModelError;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt + 1 >= maxAttempts || !retryOn(error)) throw error;
      const delayMs = backoffDelayMs(attempt, baseDelayMs, maxDelayMs, random);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}

/** Full-jitter delay after failed attempt `attempt` (0-based). */
export const backoffDelayMs = (attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number =>
  random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
