/**
 * The one retry loop: capped exponential backoff with AWS's "full jitter" (after failed attempt n,
 * 0-based, wait random() × min(maxDelayMs, baseDelayMs × 2^n)), which spreads callers that failed
 * together apart better than a fixed schedule. The model calls, DynamoDB's unprocessed items and
 * the Athena poll all go through it; sleep and random are injected for tests.
 */
export interface RetryPolicy {
  /** Total attempts, the first included (1 = no retry); `Infinity` when `retryOn` decides when to stop. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1]; default Math.random. */
  random?: () => number;
}

export interface RetryOptions extends RetryPolicy {
  /** Whether this error is worth another attempt (a retry policy's own state may count, e.g. "once"). */
  retryOn: (error: unknown) => boolean;
  /** Called before each wait, e.g. to count retries or add up the time waited; never given the request. */
  onRetry?: (error: unknown, failedAttempt: number, delayMs: number) => void;
}

/** Always the top of the range: the plain capped exponential, for a lone poller that has no crowd to spread apart. */
export const NO_JITTER = (): number => 1;

const timerSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The wait after failed attempt `attempt` (0-based). */
export const backoffDelayMs = (attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number =>
  random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);

/**
 * Calls `fn` (given the 0-based attempt number) until it succeeds, waiting between attempts.
 * Rethrows the last error when attempts run out or `retryOn` refuses it.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { maxAttempts, baseDelayMs, maxDelayMs, retryOn } = options;
  if (!(Number.isInteger(maxAttempts) || maxAttempts === Number.POSITIVE_INFINITY) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a whole number ≥ 1 (or Infinity), got ${maxAttempts}`);
  }
  const sleep = options.sleep ?? timerSleep;
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
