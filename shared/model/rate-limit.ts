import type { ModelClient, ModelRequest } from './model-port.ts';

/**
 * Pacing model calls to the provider's quota (requests and tokens per minute), shared by every
 * Lambda through a store, so a model-bound run keeps the quota busy without being throttled; the
 * state machine's backoff on `Model.Throttled` stays as the safety net.
 */

export interface ModelQuota {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/** Pace at this share of the quota: a provider counting in sliding windows never sees one request too many. */
export const QUOTA_SAFETY = 0.95;

export interface PacingState {
  /** Epoch ms before which no further request may start. */
  nextRequestAt: number;
  /** Epoch ms before which the tokens already spent forbid another request. */
  nextTokenAt: number;
}

/**
 * When a call of `tokens` may start, and the state after it (a generic cell rate algorithm without
 * burst: each request takes 60 s / requests-per-minute of the request budget, and its tokens
 * tokens × 60 s / tokens-per-minute of the token budget).
 */
export function nextSlot(state: PacingState, now: number, tokens: number, quota: ModelQuota): { startAt: number; state: PacingState } {
  const startAt = Math.max(now, state.nextRequestAt, state.nextTokenAt);
  const requestGapMs = quota.requestsPerMinute ? 60_000 / (quota.requestsPerMinute * QUOTA_SAFETY) : 0;
  const tokenGapMs = quota.tokensPerMinute ? (tokens * 60_000) / (quota.tokensPerMinute * QUOTA_SAFETY) : 0;
  return { startAt, state: { nextRequestAt: startAt + requestGapMs, nextTokenAt: startAt + tokenGapMs } };
}

/** What a call may cost in tokens, before it is made: its text at ~4 characters a token, plus all the output it may take. */
export const estimateRequestTokens = (request: ModelRequest): number => Math.ceil((request.system.length + request.user.length) / 4) + request.maxTokens;

export interface RateLimiter {
  /**
   * Resolves when a call costing `tokens` may start. A slot starting after `startBy` is not taken:
   * `Model.Throttled` is thrown, for the caller's backoff, and the schedule is left as it was.
   */
  acquire(tokens: number, startBy?: number): Promise<void>;
}

/** The same client, each call waiting for its slot first. */
export function withRateLimit(client: ModelClient, limiter: RateLimiter): ModelClient {
  return {
    provider: client.provider,
    modelId: client.modelId,
    endpoint: client.endpoint,
    complete: async (request) => {
      await limiter.acquire(estimateRequestTokens(request), request.startBy);
      return client.complete(request);
    },
  };
}
