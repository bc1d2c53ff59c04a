import { describe, expect, it } from 'vitest';
import { invokeWithinTimeout, lambdaContext, lambdaTimeoutMs } from '#infra/local/lambda-invocation.ts';
import { LAMBDA_TIMEOUT_SECONDS } from '#infra/lambda-timeouts.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('local Lambda invocations, held to their timeout as Lambda holds them', () => {
  it('a handler that answers in time is answered, its context counting down from the timeout', async () => {
    const remaining: number[] = [];
    const answer = await invokeWithinTimeout('write-results', 5_000, async (context) => {
      remaining.push(context.getRemainingTimeInMillis());
      await sleep(30);
      remaining.push(context.getRemainingTimeInMillis());
      return { ok: true };
    });
    expect(answer).toEqual({ ok: true });
    expect(remaining[0]).toBeLessThanOrEqual(5_000);
    expect(remaining[0]).toBeGreaterThan(4_900);
    expect(remaining[1]).toBeLessThan(remaining[0] as number);
  });

  it('past its timeout the caller gets Sandbox.Timedout with the words Lambda uses, and a late failure is no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const failure = await invokeWithinTimeout('write-results', 40, async () => {
        await sleep(120);
        throw new Error('the dropped answer');
      }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ name: 'Sandbox.Timedout', message: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 0\.04 seconds$/) });
      await sleep(150);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a handler failing in time fails with its own error', async () => {
    await expect(invokeWithinTimeout('write-results', 5_000, async () => Promise.reject(Object.assign(new Error('no'), { name: 'Payload.Invalid' })))).rejects.toMatchObject({
      name: 'Payload.Invalid',
    });
  });

  it('each function is held to its deployed timeout unless a test lowers it; an unknown function is an error', () => {
    expect(lambdaTimeoutMs('invoke-model')).toBe(LAMBDA_TIMEOUT_SECONDS['invoke-model'] * 1000);
    expect(lambdaTimeoutMs('invoke-model', { 'invoke-model': 25 })).toBe(25);
    expect(() => lambdaTimeoutMs('no-such-function')).toThrow(/no timeout for the function "no-such-function"/);
    const context = lambdaContext('load-config');
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(30_000);
    expect(context.invokedFunctionArn).toMatch(/:function:normflow-local-load-config$/);
  });
});
