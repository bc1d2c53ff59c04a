import { describe, expect, it } from 'vitest';
import { isRetryableModelError } from '#shared/errors/normflow-errors.ts';
import type { ModelClient, ModelRequest } from '#shared/model/model-port.ts';
import { withRetry } from '#shared/retry/retry-with-backoff.ts';
import type { FakeLlmServer } from '#test/fakes/fake-llm-server.ts';
import { failureOf } from '#test/fakes/model-failure.ts';

const noWait = { sleep: async () => {}, random: () => 0.5 };
const retryPolicy = (maxAttempts: number) => ({ retryOn: isRetryableModelError, maxAttempts, baseDelayMs: 10, maxDelayMs: 100, ...noWait });

/**
 * What every provider's client must give the one retry loop, over the wire: its errors say which
 * failures are worth another request (throttling, a time-out) and which are not (a bad key, an
 * answer that is not the protocol's).
 */
export function describeRetriesOverTheWire(provider: string, current: () => { fake: FakeLlmServer; client: ModelClient; request: ModelRequest }): void {
  describe(`${provider} client with withRetry`, () => {
    it('throttled twice then ok succeeds on the third request', async () => {
      const { fake, client, request } = current();
      fake.setBehaviour(['throttle', 'throttle']);
      const response = await withRetry(() => client.complete(request), retryPolicy(4));
      expect(response.text).toBe(request.user);
      expect(fake.requestCount).toBe(3);
    });

    it('a timeout then ok succeeds on the second request', async () => {
      const { fake, client, request } = current();
      fake.setBehaviour(['timeout']);
      const response = await withRetry(() => client.complete(request), retryPolicy(3));
      expect(response.text).toBe(request.user);
      expect(fake.requestCount).toBe(2);
    });

    it('does not retry an auth error', async () => {
      const { fake, client, request } = current();
      fake.setBehaviour('auth-error');
      const error = await failureOf(withRetry(() => client.complete(request), retryPolicy(5)));
      expect(error.name).toBe('Model.Fatal');
      expect(fake.requestCount).toBe(1);
    });

    it('does not retry an invalid response', async () => {
      const { fake, client, request } = current();
      fake.setBehaviour('malformed-body');
      const error = await failureOf(withRetry(() => client.complete(request), retryPolicy(5)));
      expect(error.name).toBe('Model.InvalidResponse');
      expect(fake.requestCount).toBe(1);
    });

    it('gives up after maxAttempts when throttling persists, rethrowing Model.Throttled', async () => {
      const { fake, client, request } = current();
      fake.setBehaviour('throttle');
      const error = await failureOf(withRetry(() => client.complete(request), retryPolicy(3)));
      expect(error.name).toBe('Model.Throttled');
      expect(fake.requestCount).toBe(3);
    });
  });
}
