import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { CachedResolution } from '#shared/engine/value-cache.ts';
import { createDynamoDbValueCache } from '#shared/stores/dynamodb-value-cache.ts';
import { TEST_TABLES, useEmbeddedDb } from './embedded-test-db.ts';

const embedded = useEmbeddedDb();
const NOW_MS = Date.parse('2025-06-01T00:00:00.000Z');
const NOW_S = NOW_MS / 1000;
const DAY_S = 86_400;

const valueCache = (options: { ttlDays?: number; nowMs?: number } = {}) =>
  createDynamoDbValueCache({
    client: embedded().documentClient,
    tableName: TEST_TABLES.valueCache,
    now: () => options.nowMs ?? NOW_MS,
    ...(options.ttlDays === undefined ? {} : { ttlDays: options.ttlDays }),
  });

async function storedExpiry(cacheKey: string): Promise<unknown> {
  const output = await embedded().documentClient.send(new GetCommand({ TableName: TEST_TABLES.valueCache, Key: { cacheKey } }));
  return output.Item?.expiresAt;
}

describe('DynamoDB value cache', () => {
  it('round-trips accepted answers, rejections, null values and city codes', async () => {
    const entries = new Map<string, CachedResolution>([
      ['v1|m|city|medellin', { accepted: true, value: 'Medellín', flags: [], city: { departamento: 'Antioquia', codigoDane: '05001' } }],
      ['v1|m|organization|xyz', { accepted: false, value: null, flags: ['llm-rejected'] }],
      ['v1|m|person-name|juan', { accepted: true, value: 'Juan', flags: [] }],
    ]);
    await valueCache().putMany(entries);
    const found = await valueCache().getMany([...entries.keys(), 'v1|m|city|unknown', 'v1|m|city|medellin']);
    expect(found).toEqual(entries);
  });

  it('reads and writes 250 entries across several batch requests', async () => {
    const entries = new Map<string, CachedResolution>(
      Array.from({ length: 250 }, (_, i) => [`bulk-${i}`, { accepted: true, value: `Valor ${i}`, flags: [] }]),
    );
    await valueCache().putMany(entries);
    expect(await valueCache().getMany([...entries.keys()])).toEqual(entries);
  });

  it('writes the TTL attribute as epoch seconds, 30 days ahead by default or as configured', async () => {
    await valueCache().putMany(new Map([['ttl-default', { accepted: true, value: 'A', flags: [] }]]));
    await valueCache({ ttlDays: 2 }).putMany(new Map([['ttl-two-days', { accepted: true, value: 'A', flags: [] }]]));
    expect(await storedExpiry('ttl-default')).toBe(NOW_S + 30 * DAY_S);
    expect(await storedExpiry('ttl-two-days')).toBe(NOW_S + 2 * DAY_S);
  });

  it('ignores entries from their expiry second on (the embedded server never deletes them)', async () => {
    await valueCache({ ttlDays: 1 }).putMany(new Map([['expiring', { accepted: true, value: 'A', flags: [] }]]));
    const expiryMs = (NOW_S + DAY_S) * 1000;
    expect((await valueCache({ nowMs: expiryMs - 1000 }).getMany(['expiring'])).size).toBe(1);
    expect((await valueCache({ nowMs: expiryMs }).getMany(['expiring'])).size).toBe(0);
  });

  it('reads nothing for no keys', async () => {
    expect((await valueCache().getMany([])).size).toBe(0);
    await expect(valueCache().putMany(new Map())).resolves.toBeUndefined();
  });
});
