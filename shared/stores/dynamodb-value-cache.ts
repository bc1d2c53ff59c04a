import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CachedResolution, PersistentValueCache } from '../engine/value-cache.ts';
import type { CityCode, Flag } from '../rules/rule-result.ts';
import { batchDeleteAll, batchGetAll, batchPutAll } from './dynamodb-batches.ts';
import { scanPages } from './dynamodb-table-pages.ts';
import type { RetryPolicy } from '#shared/retry/retry-with-backoff.ts';

const DEFAULT_TTL_DAYS = 30;
const SECONDS_PER_DAY = 86_400;

export interface DynamoDbValueCacheOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Entries expire this many days after they were written (the table's TTL attribute `expiresAt`), unless putMany says otherwise. */
  ttlDays?: number;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
  unprocessedRetry?: RetryPolicy;
}

function resolutionFromItem(item: Record<string, unknown>): CachedResolution | undefined {
  const { accepted, value, flags, city } = item;
  if (typeof accepted !== 'boolean' || !(typeof value === 'string' || value === null) || !Array.isArray(flags)) {
    return undefined;
  }
  return { accepted, value, flags: flags.map(String) as Flag[], ...(city ? { city: city as CityCode } : {}) };
}

export function createDynamoDbValueCache(options: DynamoDbValueCacheOptions): PersistentValueCache {
  const { client, tableName, unprocessedRetry } = options;
  const defaultTtlDays = options.ttlDays ?? DEFAULT_TTL_DAYS;
  const nowSeconds = () => Math.floor((options.now ?? Date.now)() / 1000);
  const retry = unprocessedRetry ? { retry: unprocessedRetry } : {};

  /** Scans the table (CLI maintenance only: no Lambda may) and deletes every entry, or those made from these values. */
  async function deleteWhere(digests?: string[]): Promise<number> {
    const keys: Array<{ cacheKey: string }> = [];
    const filter = digests && {
      expression: `valueDigest IN (${digests.map((_, index) => `:d${index}`).join(', ')})`,
      values: Object.fromEntries(digests.map((digest, index) => [`:d${index}`, digest])),
    };
    for await (const items of scanPages({ client, tableName, projection: 'cacheKey', ...(filter ? { filter } : {}) })) {
      for (const item of items) keys.push({ cacheKey: String(item.cacheKey) });
    }
    await batchDeleteAll(client, tableName, keys, retry);
    return keys.length;
  }

  return {
    async getMany(keys: readonly string[]): Promise<Map<string, CachedResolution>> {
      const items = await batchGetAll(client, tableName, [...new Set(keys)].map((cacheKey) => ({ cacheKey })), retry);
      const current = nowSeconds();
      const found = new Map<string, CachedResolution>();
      for (const item of items) {
        // DynamoDB deletes expired items only eventually (the embedded server never does): skip them here.
        if (typeof item.expiresAt === 'number' && item.expiresAt <= current) continue;
        const resolution = resolutionFromItem(item);
        if (resolution) found.set(String(item.cacheKey), resolution);
      }
      return found;
    },

    async putMany(entries: ReadonlyMap<string, CachedResolution>, ttlDays = defaultTtlDays): Promise<void> {
      const expiresAt = nowSeconds() + ttlDays * SECONDS_PER_DAY;
      const items = [...entries].map(([cacheKey, resolution]) => ({
        cacheKey,
        accepted: resolution.accepted,
        value: resolution.value,
        flags: [...resolution.flags],
        ...(resolution.city ? { city: { ...resolution.city } } : {}),
        ...(resolution.valueDigest ? { valueDigest: resolution.valueDigest } : {}),
        expiresAt,
      }));
      await batchPutAll(client, tableName, items, retry);
    },

    clear: () => deleteWhere(),

    async forgetValues(digests: readonly string[]): Promise<number> {
      if (digests.length === 0) return 0;
      return deleteWhere([...new Set(digests)]);
    },
  };
}
