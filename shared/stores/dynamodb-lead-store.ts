import {
  DeleteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
  NumberValue,
  UpdateCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { batchGetAll, batchPutAll, lastPerKey } from './dynamodb-batches.ts';
import { isPipelineOwned, PIPELINE_OWNED_ATTRIBUTES } from '#shared/config/pipeline-owned-attributes.ts';
import type { RetryPolicy } from '#shared/retry/retry-with-backoff.ts';
import { conditionHeld, isConditionalCheckFailed, isValidationError, itemOfFailedCondition, storable } from './dynamodb-client.ts';
import { seedItems } from './dynamodb-seeding.ts';
import { dueShardOf } from './due-leads-index.ts';
import { historyAfterWrite } from './lead-history.ts';
import { holdsOriginals } from './original-expectations.ts';
import type {
  DueIndexQuery,
  DueLeadsPage,
  DueLeadsQuery,
  LeadFailure,
  LeadItem,
  LeadStore,
  NormalizationWrite,
  OriginalExpectation,
  RollbackWrite,
  WriteOutcome,
} from './store-ports.ts';
import { DUE_LEADS_INDEX } from './table-definitions.ts';

const LEAD_KEY = 'leadId';

/** The condition on one original (`#name` and `:value` are its placeholders), and the value it compares with. */
function originalCondition(expectation: OriginalExpectation, name: string, value: string): { condition: string; value?: unknown } {
  if ('absent' in expectation) return { condition: `attribute_not_exists(${name})` };
  if ('string' in expectation) return { condition: `${name} = ${value}`, value: expectation.string };
  if ('number' in expectation) return { condition: `${name} = ${value}`, value: NumberValue.from(expectation.number) };
  if ('startsWith' in expectation) return { condition: `begins_with(${name}, ${value})`, value: expectation.startsWith };
  return { condition: `attribute_type(${name}, ${value})`, value: expectation.type };
}

/** Stands for the version a first normalization replaces: none, and nothing read to know it. */
const FIRST = Symbol('first normalization');

/** Whether the lead holds the normalization this write would make: the same run's, of the same originals, which are still those. */
function writtenBy(write: NormalizationWrite, lead: LeadItem): boolean {
  return lead.normalizationRunId === write.runId && lead.normalizationSourceHash === write.sourceHash && holdsOriginals(lead, write.expectedOriginals);
}


/** Condition parts (and their names and values) requiring each configured original to still be what was read. */
function originalsConditions(expectedOriginals: Record<string, OriginalExpectation>, names: Record<string, string>, values: Record<string, unknown>): string[] {
  return Object.entries(expectedOriginals).map(([field, expected], index) => {
    if (isPipelineOwned(field)) {
      throw new Error(`original field "${field}" has the name of a normalization attribute; it would be overwritten`);
    }
    names[`#o${index}`] = field;
    const { condition, value } = originalCondition(expected, `#o${index}`, `:o${index}`);
    if (value !== undefined) values[`:o${index}`] = value;
    return condition;
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
  unprocessedRetry?: RetryPolicy;
  /** When seeded leads become due (their `dueAt`); injectable for tests. */
  now?: () => Date;
}

export function createDynamoDbLeadStore(options: DynamoDbLeadStoreOptions): LeadStore {
  const { client, tableName, scanPageSize, unprocessedRetry } = options;
  const now = options.now ?? (() => new Date());

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

  /**
   * The conditional update of one lead, given the version it replaces as read (undefined: the lead
   * is gone; FIRST: a first normalization, which read nothing and replaces nothing).
   */
  async function writeOne(write: NormalizationWrite, current: LeadItem | undefined | typeof FIRST): Promise<WriteOutcome> {
    if (!current) return 'deleted';
    // Written already by an earlier attempt of this run (a WriteResults that died after its writes,
    // its batch retried lead by lead): counted once, and not written again over itself.
    if (current !== FIRST && writtenBy(write, current)) return 'written';
    const replaced = current === FIRST ? {} : current;
    const names: Record<string, string> = { '#leadId': LEAD_KEY };
    const values: Record<string, unknown> = {
      ':normalizedData': write.normalizedData,
      ':normalizationMeta': write.normalizationMeta,
      ':normalizedAt': write.normalizedAt,
      ':normalizationVersion': write.normalizationVersion,
      ':sourceHash': write.sourceHash,
      ':runId': write.runId,
      ':history': historyAfterWrite(replaced),
      ':dueShard': write.due.shard,
      ':dueAt': write.due.at,
    };
    const conditions = ['attribute_exists(#leadId)'];
    if (typeof replaced.normalizedAt === 'string') {
      values[':readNormalizedAt'] = replaced.normalizedAt;
      conditions.push('normalizedAt = :readNormalizedAt');
    } else {
      conditions.push('attribute_not_exists(normalizedAt)');
    }
    // Unread, a history would be overwritten: a first normalization holds only where there is none.
    if (current === FIRST) conditions.push('attribute_not_exists(normalizationHistory)');
    if (write.renormalizeRequestedAt === undefined) {
      conditions.push('attribute_not_exists(renormalizeRequestedAt)');
    } else {
      values[':renormalizeRequestedAt'] = write.renormalizeRequestedAt;
      conditions.push('renormalizeRequestedAt = :renormalizeRequestedAt');
    }
    conditions.push(...originalsConditions(write.expectedOriginals, names, values));
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { [LEAD_KEY]: write.leadId },
          UpdateExpression:
            'SET normalizedData = :normalizedData, normalizationMeta = :normalizationMeta, normalizedAt = :normalizedAt, ' +
            'updatedAt = :normalizedAt, normalizationVersion = :normalizationVersion, normalizationSourceHash = :sourceHash, ' +
            'normalizationRunId = :runId, normalizationHistory = :history, dueShard = :dueShard, dueAt = :dueAt ' +
            'REMOVE renormalizeRequestedAt, normalizationFailure',
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          // A failed condition answers with the lead as it is: changed if there is one, else deleted.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'written';
    } catch (error) {
      // A lead already near 400 KB cannot take its normalization: that lead is refused, not its batch.
      if (isValidationError(error)) return 'refused';
      if (!isConditionalCheckFailed(error)) throw error;
      const found = itemOfFailedCondition(error);
      if (!found) return 'deleted';
      return writtenBy(write, found) ? 'written' : 'changed';
    }
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
          FilterExpression: 'attribute_not_exists(#normalizedAt) OR #normalizedAt < :before OR attribute_exists(#renormalize)',
          ProjectionExpression: projected.map((_, index) => `#p${index}`).join(', '),
          ExpressionAttributeNames: {
            '#normalizedAt': 'normalizedAt',
            '#renormalize': 'renormalizeRequestedAt',
            ...Object.fromEntries(projected.map((name, index) => [`#p${index}`, name])),
          },
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

    async writeNormalizations(writes: readonly NormalizationWrite[], read: ReadonlyMap<string, LeadItem>): Promise<WriteOutcome[]> {
      // The versions being replaced go to the history as they were read; each write holds only if
      // nobody replaced its lead's normalization (or edited an original) since.
      return Promise.all(writes.map((write) => writeOne(write, write.firstNormalization ? FIRST : read.get(write.leadId))));
    },

    async recordFailure(failure: LeadFailure): Promise<boolean> {
      const names: Record<string, string> = { '#leadId': LEAD_KEY, '#failure': 'normalizationFailure' };
      const values: Record<string, unknown> = { ':stamp': failure.stamp, ...(failure.due ? { ':dueShard': failure.due.shard, ':dueAt': failure.due.at } : {}) };
      const conditions = ['attribute_exists(#leadId)', ...originalsConditions(failure.expectedOriginals, names, values)];
      if (failure.previousFailedAt === undefined) {
        conditions.push('attribute_not_exists(#failure)');
      } else {
        names['#failedAt'] = 'failedAt';
        values[':previousFailedAt'] = failure.previousFailedAt;
        conditions.push('#failure.#failedAt = :previousFailedAt');
      }
      return conditionHeld(
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [LEAD_KEY]: failure.leadId },
            UpdateExpression: failure.due ? 'SET #failure = :stamp, dueShard = :dueShard, dueAt = :dueAt' : 'SET #failure = :stamp REMOVE dueShard, dueAt',
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
    },

    async putMany(items: readonly LeadItem[]): Promise<void> {
      await batchPutAll(client, tableName, lastPerKey(items, LEAD_KEY).map(storable), unprocessedRetry ? { retry: unprocessedRetry } : {});
    },

    seed(records, options) {
      const seededAt = now().toISOString();
      return seedItems(
        {
          client,
          tableName,
          key: { partitionKey: LEAD_KEY },
          derivedAttributes: PIPELINE_OWNED_ATTRIBUTES,
          // New and replaced leads are due: in the index of due leads at once (a poison stamp of the old originals goes with the item).
          stamp: (item) => ({ dueShard: dueShardOf(String(item[LEAD_KEY])), dueAt: seededAt }),
          ...(unprocessedRetry ? { retry: unprocessedRetry } : {}),
        },
        records,
        options,
      );
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

    async rollBack(write: RollbackWrite): Promise<'restored' | 'changed'> {
      const { previous } = write;
      const values: Record<string, unknown> = {
        ':runId': write.runId,
        ':expectedNormalizedAt': write.expectedNormalizedAt,
        ':updatedAt': write.updatedAt,
      };
      let update: string;
      if (previous) {
        Object.assign(values, {
          ':history': write.history,
          ':normalizedData': previous.normalizedData,
          ':normalizationMeta': previous.normalizationMeta,
          ':normalizedAt': previous.normalizedAt,
        });
        const set = ['normalizedData = :normalizedData', 'normalizationMeta = :normalizationMeta', 'normalizedAt = :normalizedAt', 'normalizationHistory = :history', 'updatedAt = :updatedAt'];
        const remove: string[] = [];
        for (const [attribute, value] of [
          ['normalizationRunId', previous.runId],
          ['normalizationVersion', previous.normalizationVersion],
          ['normalizationSourceHash', previous.normalizationSourceHash],
        ] as const) {
          if (value === null || value === undefined) {
            remove.push(attribute);
          } else {
            values[`:${attribute}`] = value;
            set.push(`${attribute} = :${attribute}`);
          }
        }
        update = `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`;
      } else {
        // The run was the lead's first normalization: it goes back to never normalized, due again (in the
        // index at once), its history (empty: there was no earlier version) removed too, so its next
        // normalization is written as a first one, without a read before it.
        values[':dueShard'] = dueShardOf(write.leadId);
        update =
          'SET updatedAt = :updatedAt, dueShard = :dueShard, dueAt = :updatedAt ' +
          'REMOVE normalizedData, normalizationMeta, normalizedAt, normalizationVersion, normalizationSourceHash, normalizationRunId, normalizationHistory';
      }
      const restored = await conditionHeld(
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [LEAD_KEY]: write.leadId },
            UpdateExpression: update,
            ConditionExpression: 'normalizationRunId = :runId AND normalizedAt = :expectedNormalizedAt',
            ExpressionAttributeValues: values,
          }),
        ),
      );
      return restored ? 'restored' : 'changed';
    },

    async requestRenormalization(leadIds: readonly string[], requestedAt: string): Promise<number> {
      let marked = 0;
      for (const leadId of new Set(leadIds)) {
        // A lead deleted meanwhile fails the condition: nothing to normalize.
        const requested = await conditionHeld(
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { [LEAD_KEY]: leadId },
              // Due at once, in the index of due leads too; a poisoned lead gets its tries back (the steward changed what it meets).
              UpdateExpression: 'SET renormalizeRequestedAt = :requestedAt, dueShard = :dueShard, dueAt = :requestedAt REMOVE normalizationFailure',
              ConditionExpression: 'attribute_exists(#leadId)',
              ExpressionAttributeNames: { '#leadId': LEAD_KEY },
              ExpressionAttributeValues: { ':requestedAt': requestedAt, ':dueShard': dueShardOf(leadId) },
            }),
          ),
        );
        if (requested) marked += 1;
      }
      return marked;
    },

    async deleteLead(leadId: string): Promise<boolean> {
      const output = await client.send(new DeleteCommand({ TableName: tableName, Key: { [LEAD_KEY]: leadId }, ReturnValues: 'ALL_OLD' }));
      return output.Attributes !== undefined;
    },
  };
}
