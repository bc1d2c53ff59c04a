import { ModelError } from '#shared/errors/normflow-errors.ts';
import type { ModelClient } from './model-port.ts';

/**
 * Additive-increase, multiplicative-decrease limit on model calls in flight: halves on a
 * throttling answer, grows by about one per round of successful calls. Throughput then follows
 * what the endpoint accepts instead of hammering it (and being throttled) or idling below it.
 */
export class AdaptiveConcurrency {
  private limitValue: number;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly min: number;
  private readonly max: number;

  constructor(options: { initial: number; min?: number; max: number }) {
    this.min = options.min ?? 1;
    this.max = options.max;
    this.limitValue = Math.min(Math.max(options.initial, this.min), this.max);
  }

  get limit(): number {
    return Math.floor(this.limitValue);
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    while (this.inFlight >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight += 1;
    try {
      const result = await call();
      this.limitValue = Math.min(this.max, this.limitValue + 1 / Math.max(1, this.limitValue));
      return result;
    } catch (error) {
      if (error instanceof ModelError && error.name === 'Model.Throttled') {
        this.limitValue = Math.max(this.min, this.limitValue / 2);
      }
      throw error;
    } finally {
      this.inFlight -= 1;
      this.waiting.splice(0, Math.max(0, this.limit - this.inFlight)).forEach((wake) => wake());
    }
  }
}

/** The same client, its calls going through the limiter. */
export function withAdaptiveConcurrency(client: ModelClient, limiter: AdaptiveConcurrency): ModelClient {
  return {
    provider: client.provider,
    modelId: client.modelId,
    endpoint: client.endpoint,
    complete: (request) => limiter.run(() => client.complete(request)),
  };
}
