import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CachedResolution, PersistentValueCache } from '../engine/value-cache.ts';
import type { CityCode, Flag } from '../rules/rule-result.ts';
import { batchGetAll, batchPutAll, type UnprocessedRetry } from './dynamodb-batches.ts';

const DEFAULT_TTL_DAYS = 30;
const SECONDS_PER_DAY = 86_400;

export interface DynamoDbValueCacheOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Entries expire this many days after they were written (the table's TTL attribute `expiresAt`). */
  ttlDays?: number;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
  unprocessedRetry?: UnprocessedRetry;
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
  const ttlSeconds = (options.ttlDays ?? DEFAULT_TTL_DAYS) * SECONDS_PER_DAY;
  const nowSeconds = () => Math.floor((options.now ?? Date.now)() / 1000);
  const retry = unprocessedRetry ? { retry: unprocessedRetry } : {};

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

    async putMany(entries: ReadonlyMap<string, CachedResolution>): Promise<void> {
      const expiresAt = nowSeconds() + ttlSeconds;
      const items = [...entries].map(([cacheKey, resolution]) => ({
        cacheKey,
        accepted: resolution.accepted,
        value: resolution.value,
        flags: [...resolution.flags],
        ...(resolution.city ? { city: { ...resolution.city } } : {}),
        expiresAt,
      }));
      await batchPutAll(client, tableName, items, retry);
    },
  };
}
