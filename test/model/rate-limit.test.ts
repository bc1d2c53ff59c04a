import { describe, expect, it } from 'vitest';
import { estimateRequestTokens, nextSlot, QUOTA_SAFETY, withRateLimit } from '#shared/model/rate-limit.ts';
import { createDynamoDbRateLimiter } from '#shared/stores/dynamodb-rate-limiter.ts';
import { TEST_TABLES, useEmbeddedDb } from '../stores/embedded-test-db.ts';

const embedded = useEmbeddedDb();

describe('pacing to a quota', () => {
  it('spaces requests 60 s / (requests per minute × safety) apart, and tokens by their share of tokens per minute', () => {
    const gap = 60_000 / (600 * QUOTA_SAFETY);
    let state = { nextRequestAt: 0, nextTokenAt: 0 };
    const starts: number[] = [];
    for (let call = 0; call < 3; call += 1) {
      const slot = nextSlot(state, 1_000, 100, { requestsPerMinute: 600 });
      starts.push(slot.startAt);
      state = slot.state;
    }
    expect(starts).toEqual([1_000, 1_000 + gap, 1_000 + 2 * gap]);
    const byTokens = nextSlot({ nextRequestAt: 0, nextTokenAt: 0 }, 0, 5_000, { requestsPerMinute: 600, tokensPerMinute: 100_000 });
    expect(byTokens.state.nextTokenAt).toBeCloseTo((5_000 * 60_000) / (100_000 * QUOTA_SAFETY));
    expect(nextSlot(byTokens.state, 10, 1, { tokensPerMinute: 100_000 }).startAt).toBeCloseTo(byTokens.state.nextTokenAt);
    expect(nextSlot(state, 99_999, 1, {}).state).toEqual({ nextRequestAt: 99_999, nextTokenAt: 99_999 });
  });

  it('estimates a call at ~4 characters a token plus all the output it may take', () => {
    expect(estimateRequestTokens({ system: 'x'.repeat(40), user: 'y'.repeat(60), temperature: 0, maxTokens: 1_000 })).toBe(1_025);
  });

  it('shares one schedule between callers through the runs table: 20 concurrent calls start one gap apart', async () => {
    let clock = 1_000_000;
    const waits: number[] = [];
    const limiter = (modelId: string) =>
      createDynamoDbRateLimiter({
        client: embedded().documentClient,
        tableName: TEST_TABLES.runs,
        modelId,
        quota: { requestsPerMinute: 600 },
        now: () => clock,
        sleep: async (ms) => void waits.push(ms),
      });
    // Two limiters (two Lambdas), one model: one schedule.
    const [first, second] = [limiter('m-shared'), limiter('m-shared')];
    await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 ? first : second).acquire(10)));
    const gap = 60_000 / (600 * QUOTA_SAFETY);
    expect(waits.sort((a, b) => a - b)).toEqual(Array.from({ length: 19 }, (_, index) => (index + 1) * gap).map((wait) => expect.closeTo(wait, 6)));
    clock += 60_000;
    waits.length = 0;
    await limiter('m-shared').acquire(10);
    expect(waits).toEqual([]);
    await limiter('m-other').acquire(10);
    expect(waits).toEqual([]);
  });

  it('refuses a slot that starts after the caller could use it (Model.Throttled, nothing claimed), and passes the request\'s startBy', async () => {
    let clock = 5_000_000;
    const waits: number[] = [];
    const limiter = createDynamoDbRateLimiter({
      client: embedded().documentClient,
      tableName: TEST_TABLES.runs,
      modelId: 'm-bounded',
      quota: { requestsPerMinute: 6 },
      now: () => clock,
      sleep: async (ms) => void waits.push(ms),
    });
    const gap = 60_000 / (6 * QUOTA_SAFETY);
    await limiter.acquire(10);
    // The next slot is one gap away: a caller that must start within less is refused, and the slot stays free.
    await expect(limiter.acquire(10, clock + gap - 1)).rejects.toMatchObject({ name: 'Model.Throttled', sent: false });
    await limiter.acquire(10, clock + gap);
    expect(waits).toEqual([expect.closeTo(gap, 6)]);
    clock += 10 * gap;
    await limiter.acquire(10, clock);
    expect(waits).toHaveLength(1);

    const asked: Array<number | undefined> = [];
    const client = withRateLimit(
      { provider: 'fake', modelId: 'm', endpoint: 'http://127.0.0.1:1', complete: async () => ({ text: '{}', inputTokens: 1, outputTokens: 1 }) },
      { acquire: async (_tokens, startBy) => void asked.push(startBy) },
    );
    await client.complete({ system: 's', user: 'u', temperature: 0, maxTokens: 1, startBy: 42 });
    await client.complete({ system: 's', user: 'u', temperature: 0, maxTokens: 1 });
    expect(asked).toEqual([42, undefined]);
  });

  it('makes the wrapped client wait for its slot before each call', async () => {
    const order: string[] = [];
    const client = withRateLimit(
      { provider: 'fake', modelId: 'm', endpoint: 'http://127.0.0.1:1', complete: async () => (order.push('call'), { text: '{}', inputTokens: 1, outputTokens: 1 }) },
      { acquire: async (tokens) => void order.push(`acquire ${tokens}`) },
    );
    await client.complete({ system: 'abcd', user: 'efgh', temperature: 0, maxTokens: 16 });
    expect(order).toEqual(['acquire 18', 'call']);
  });
});
