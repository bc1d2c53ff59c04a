import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { batchGetAll, batchPutAll, lastPerKey, type UnprocessedRetry } from './dynamodb-batches.ts';
import { isConditionalCheckFailed } from './dynamodb-client.ts';
import type { DueIndexQuery, DueLeadsPage, DueLeadsQuery, LeadFailure, LeadItem, LeadStore, NormalizationWrite, WriteOutcome } from './store-ports.ts';
import { DUE_LEADS_INDEX } from './table-definitions.ts';

const LEAD_KEY = 'leadId';

/** What `writeNormalization` sets; an original field of the same name would be overwritten, so it is refused. */
const NORMALIZATION_ATTRIBUTES = [
  'normalizedData',
  'normalizationMeta',
  'normalizedAt',
  'updatedAt',
  'normalizationVersion',
  'normalizationSourceHash',
  'normalizationFailure',
  'dueShard',
  'dueAt',
] as const;

/** Condition parts and values requiring each original field to still be what was read (or still absent). */
function originalsCondition(expectedOriginals: Record<string, unknown>, names: Record<string, string>, values: Record<string, unknown>): string[] {
  return Object.entries(expectedOriginals).map(([field, expected], index) => {
    if ((NORMALIZATION_ATTRIBUTES as readonly string[]).includes(field)) {
      throw new Error(`original field "${field}" has the name of a normalization attribute; it would be overwritten`);
    }
    names[`#o${index}`] = field;
    if (expected === undefined) return `attribute_not_exists(#o${index})`;
    values[`:o${index}`] = expected;
    return `#o${index} = :o${index}`;
  });
}

export interface DynamoDbLeadStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /**
   * Items evaluated per Scan request (DynamoDB's `Limit`); unset, each request reads up to 1 MB.
   * A run asking for a few ids from a big table reads less with a smaller page.
   */
  scanPageSize?: number;
  unprocessedRetry?: UnprocessedRetry;
}

export function createDynamoDbLeadStore(options: DynamoDbLeadStoreOptions): LeadStore {
  const { client, tableName, scanPageSize, unprocessedRetry } = options;

  async function* scanPages(input: Omit<ScanCommandInput, 'TableName' | 'ExclusiveStartKey'>, startAfter?: string) {
    let exclusiveStartKey: Record<string, unknown> | undefined = startAfter === undefined ? undefined : { [LEAD_KEY]: startAfter };
    do {
      const page = await client.send(
        new ScanCommand({
          ...input,
          TableName: tableName,
          ...(scanPageSize === undefined ? {} : { Limit: scanPageSize }),
          ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
        }),
      );
      exclusiveStartKey = page.LastEvaluatedKey;
      yield page;
    } while (exclusiveStartKey);
  }

  return {
    async findDue(query: DueLeadsQuery): Promise<DueLeadsPage> {
      if (!Number.isInteger(query.limit) || query.limit < 1) {
        throw new RangeError(`limit must be a whole number ≥ 1, got ${query.limit}`);
      }
      const leadIds: string[] = [];
      let rejected = 0;
      const projected = [LEAD_KEY, ...(query.projection ?? []).filter((name) => name !== LEAD_KEY)];
      const pages = scanPages(
        {
          FilterExpression: 'attribute_not_exists(#normalizedAt) OR #normalizedAt < :before',
          ProjectionExpression: projected.map((_, index) => `#p${index}`).join(', '),
          ExpressionAttributeNames: { '#normalizedAt': 'normalizedAt', ...Object.fromEntries(projected.map((name, index) => [`#p${index}`, name])) },
          ExpressionAttributeValues: { ':before': query.normalizedBefore },
          ...(query.segment ? { Segment: query.segment.index, TotalSegments: query.segment.total } : {}),
        },
        query.cursor,
      );
      let requests = 0;
      for await (const page of pages) {
        requests += 1;
        const items = page.Items ?? [];
        for (const [index, item] of items.entries()) {
          if (query.keep && !query.keep(item)) {
            rejected += 1;
            continue;
          }
          leadIds.push(String(item[LEAD_KEY]));
          if (leadIds.length < query.limit) continue;
          // Stopping inside a page: resume right after the last item looked at, so nothing is skipped.
          if (index < items.length - 1) return { leadIds, cursor: String(item[LEAD_KEY]), rejected };
          const next = page.LastEvaluatedKey?.[LEAD_KEY];
          return next === undefined ? { leadIds, rejected } : { leadIds, cursor: String(next), rejected };
        }
        // Read budget spent: a short page, and where to go on.
        const next = page.LastEvaluatedKey?.[LEAD_KEY];
        if (query.maxScanRequests !== undefined && requests >= query.maxScanRequests && next !== undefined) {
          return { leadIds, cursor: String(next), rejected };
        }
      }
      return { leadIds, rejected };
    },

    async findDueInIndex(query: DueIndexQuery): Promise<DueLeadsPage> {
      if (!Number.isInteger(query.limit) || query.limit < 1) {
        throw new RangeError(`limit must be a whole number ≥ 1, got ${query.limit}`);
      }
      const leadIds: string[] = [];
      let exclusiveStartKey = query.cursor === undefined ? undefined : (JSON.parse(query.cursor) as Record<string, unknown>);
      for (let requests = 0; ; requests += 1) {
        if (query.maxRequests !== undefined && requests >= query.maxRequests) return { leadIds, cursor: JSON.stringify(exclusiveStartKey), rejected: 0 };
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: DUE_LEADS_INDEX,
            KeyConditionExpression: 'dueShard = :shard AND dueAt <= :dueBy',
            ExpressionAttributeValues: { ':shard': query.shard, ':dueBy': query.dueBy },
            Limit: query.limit - leadIds.length,
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        );
        leadIds.push(...(page.Items ?? []).map((item) => String(item[LEAD_KEY])));
        exclusiveStartKey = page.LastEvaluatedKey;
        if (!exclusiveStartKey) return { leadIds, rejected: 0 };
        if (leadIds.length >= query.limit) return { leadIds, cursor: JSON.stringify(exclusiveStartKey), rejected: 0 };
      }
    },

    async getMany(leadIds: readonly string[]): Promise<Map<string, LeadItem>> {
      const keys = [...new Set(leadIds)].map((leadId) => ({ [LEAD_KEY]: leadId }));
      // Consistent reads: the originals read here become the write's conditions, and a stale read would only fail it.
      const items = await batchGetAll(client, tableName, keys, {
        consistentRead: true,
        ...(unprocessedRetry ? { retry: unprocessedRetry } : {}),
      });
      return new Map(items.map((item) => [String(item[LEAD_KEY]), item]));
    },

    async writeNormalization(write: NormalizationWrite): Promise<WriteOutcome> {
      const names: Record<string, string> = { '#leadId': LEAD_KEY };
      const values: Record<string, unknown> = {
        ':normalizedData': write.normalizedData,
        ':normalizationMeta': write.normalizationMeta,
        ':normalizedAt': write.normalizedAt,
        ':normalizationVersion': write.normalizationVersion,
        ':sourceHash': write.sourceHash,
        ':dueShard': write.due.shard,
        ':dueAt': write.due.at,
      };
      const conditions = ['attribute_exists(#leadId)', ...originalsCondition(write.expectedOriginals, names, values)];
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [LEAD_KEY]: write.leadId },
            UpdateExpression:
              'SET normalizedData = :normalizedData, normalizationMeta = :normalizationMeta, normalizedAt = :normalizedAt, ' +
              'updatedAt = :normalizedAt, normalizationVersion = :normalizationVersion, normalizationSourceHash = :sourceHash, ' +
              'dueShard = :dueShard, dueAt = :dueAt REMOVE normalizationFailure',
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        return 'written';
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        // The embedded server ignores ReturnValuesOnConditionCheckFailure, so look.
        const current = await client.send(
          new GetCommand({
            TableName: tableName,
            Key: { [LEAD_KEY]: write.leadId },
            ProjectionExpression: '#leadId',
            ExpressionAttributeNames: { '#leadId': LEAD_KEY },
            ConsistentRead: true,
          }),
        );
        return current.Item ? 'changed' : 'deleted';
      }
    },

    async recordFailure(failure: LeadFailure): Promise<boolean> {
      const names: Record<string, string> = { '#leadId': LEAD_KEY, '#failure': 'normalizationFailure' };
      const values: Record<string, unknown> = { ':stamp': failure.stamp, ...(failure.due ? { ':dueShard': failure.due.shard, ':dueAt': failure.due.at } : {}) };
      const conditions = ['attribute_exists(#leadId)', ...originalsCondition(failure.expectedOriginals, names, values)];
      if (failure.previousFailedAt === undefined) {
        conditions.push('attribute_not_exists(#failure)');
      } else {
        names['#failedAt'] = 'failedAt';
        values[':previousFailedAt'] = failure.previousFailedAt;
        conditions.push('#failure.#failedAt = :previousFailedAt');
      }
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [LEAD_KEY]: failure.leadId },
            UpdateExpression: failure.due ? 'SET #failure = :stamp, dueShard = :dueShard, dueAt = :dueAt' : 'SET #failure = :stamp REMOVE dueShard, dueAt',
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        return true;
      } catch (error) {
        if (isConditionalCheckFailed(error)) return false;
        throw error;
      }
    },

    async putMany(items: readonly LeadItem[]): Promise<void> {
      await batchPutAll(client, tableName, lastPerKey(items, LEAD_KEY), unprocessedRetry ? { retry: unprocessedRetry } : {});
    },

    async *scanAll(): AsyncIterable<LeadItem> {
      for await (const page of scanPages({})) yield* page.Items ?? [];
    },

    async countSegment(segment: { index: number; total: number }): Promise<number> {
      let total = 0;
      for await (const page of scanPages({ Select: 'COUNT', Segment: segment.index, TotalSegments: segment.total })) total += page.Count ?? 0;
      return total;
    },

    async count(): Promise<number> {
      let total = 0;
      for await (const page of scanPages({ Select: 'COUNT' })) total += page.Count ?? 0;
      return total;
    },
  };
}
