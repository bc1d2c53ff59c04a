import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
  NumberValue,
  UpdateCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { batchGetAll, batchPutAll, lastPerKey, type UnprocessedRetry } from './dynamodb-batches.ts';
import { isConditionalCheckFailed, isValidationError, storable } from './dynamodb-client.ts';
import { seedItems } from './dynamodb-seeding.ts';
import { historyAfterWrite } from './lead-history.ts';
import {
  PIPELINE_OWNED_ATTRIBUTES,
  type DueLeadsPage,
  type DueLeadsQuery,
  type LeadItem,
  type LeadStore,
  type NormalizationWrite,
  type OriginalExpectation,
  type RollbackWrite,
  type WriteOutcome,
} from './store-ports.ts';

const LEAD_KEY = 'leadId';

/** The condition on one original (`#name` and `:value` are its placeholders), and the value it compares with. */
function originalCondition(expectation: OriginalExpectation, name: string, value: string): { condition: string; value?: unknown } {
  if ('absent' in expectation) return { condition: `attribute_not_exists(${name})` };
  if ('string' in expectation) return { condition: `${name} = ${value}`, value: expectation.string };
  if ('number' in expectation) return { condition: `${name} = ${value}`, value: NumberValue.from(expectation.number) };
  if ('startsWith' in expectation) return { condition: `begins_with(${name}, ${value})`, value: expectation.startsWith };
  return { condition: `attribute_type(${name}, ${value})`, value: expectation.type };
}

/** What a write reads first to keep the version it replaces. */
const CURRENT_VERSION_PROJECTION = '#leadId, normalizedData, normalizationMeta, normalizedAt, normalizationVersion, normalizationSourceHash, normalizationRunId, normalizationHistory';

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

  async function getLead(leadId: string, projection: string): Promise<LeadItem | undefined> {
    const output = await client.send(
      new GetCommand({
        TableName: tableName,
        Key: { [LEAD_KEY]: leadId },
        ProjectionExpression: projection,
        ExpressionAttributeNames: { '#leadId': LEAD_KEY },
        ConsistentRead: true,
      }),
    );
    return output.Item;
  }

  return {
    async findDue(query: DueLeadsQuery): Promise<DueLeadsPage> {
      if (!Number.isInteger(query.limit) || query.limit < 1) {
        throw new RangeError(`limit must be a whole number ≥ 1, got ${query.limit}`);
      }
      const leadIds: string[] = [];
      const pages = scanPages(
        {
          FilterExpression: 'attribute_not_exists(#normalizedAt) OR #normalizedAt < :before OR attribute_exists(#renormalize)',
          ProjectionExpression: '#leadId',
          ExpressionAttributeNames: { '#normalizedAt': 'normalizedAt', '#leadId': LEAD_KEY, '#renormalize': 'renormalizeRequestedAt' },
          ExpressionAttributeValues: { ':before': query.normalizedBefore },
        },
        query.cursor,
      );
      for await (const page of pages) {
        const ids = (page.Items ?? []).map((item) => String(item[LEAD_KEY]));
        const wanted = query.limit - leadIds.length;
        leadIds.push(...ids.slice(0, wanted));
        // Stopping inside a page: resume right after the last id taken, so nothing is skipped.
        if (ids.length > wanted) return { leadIds, cursor: leadIds.at(-1) };
        if (leadIds.length === query.limit) {
          const next = page.LastEvaluatedKey?.[LEAD_KEY];
          return next === undefined ? { leadIds } : { leadIds, cursor: String(next) };
        }
      }
      return { leadIds };
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
      // The version being replaced goes to the history; the write holds only if nobody replaced it meanwhile.
      const current = await getLead(write.leadId, CURRENT_VERSION_PROJECTION);
      if (!current) return 'deleted';
      const names: Record<string, string> = { '#leadId': LEAD_KEY };
      const values: Record<string, unknown> = {
        ':normalizedData': write.normalizedData,
        ':normalizationMeta': write.normalizationMeta,
        ':normalizedAt': write.normalizedAt,
        ':normalizationVersion': write.normalizationVersion,
        ':sourceHash': write.sourceHash,
        ':runId': write.runId,
        ':history': historyAfterWrite(current),
      };
      const conditions = ['attribute_exists(#leadId)'];
      if (typeof current.normalizedAt === 'string') {
        values[':readNormalizedAt'] = current.normalizedAt;
        conditions.push('normalizedAt = :readNormalizedAt');
      } else {
        conditions.push('attribute_not_exists(normalizedAt)');
      }
      if (write.renormalizeRequestedAt === undefined) {
        conditions.push('attribute_not_exists(renormalizeRequestedAt)');
      } else {
        values[':renormalizeRequestedAt'] = write.renormalizeRequestedAt;
        conditions.push('renormalizeRequestedAt = :renormalizeRequestedAt');
      }
      Object.entries(write.expectedOriginals).forEach(([field, expected], index) => {
        if (PIPELINE_OWNED_ATTRIBUTES.includes(field)) {
          throw new Error(`original field "${field}" has the name of a normalization attribute; it would be overwritten`);
        }
        names[`#o${index}`] = field;
        const { condition, value } = originalCondition(expected, `#o${index}`, `:o${index}`);
        conditions.push(condition);
        if (value !== undefined) values[`:o${index}`] = value;
      });
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [LEAD_KEY]: write.leadId },
            UpdateExpression:
              'SET normalizedData = :normalizedData, normalizationMeta = :normalizationMeta, normalizedAt = :normalizedAt, ' +
              'updatedAt = :normalizedAt, normalizationVersion = :normalizationVersion, normalizationSourceHash = :sourceHash, ' +
              'normalizationRunId = :runId, normalizationHistory = :history REMOVE renormalizeRequestedAt',
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        return 'written';
      } catch (error) {
        // A lead already near 400 KB cannot take its normalization: that lead is refused, not its batch.
        if (isValidationError(error)) return 'refused';
        if (!isConditionalCheckFailed(error)) throw error;
        // The embedded server ignores ReturnValuesOnConditionCheckFailure, so look.
        return (await getLead(write.leadId, '#leadId')) ? 'changed' : 'deleted';
      }
    },

    async putMany(items: readonly LeadItem[]): Promise<void> {
      await batchPutAll(client, tableName, lastPerKey(items, LEAD_KEY).map(storable), unprocessedRetry ? { retry: unprocessedRetry } : {});
    },

    seed(records, options) {
      return seedItems(
        { client, tableName, key: { partitionKey: LEAD_KEY }, derivedAttributes: PIPELINE_OWNED_ATTRIBUTES, ...(unprocessedRetry ? { retry: unprocessedRetry } : {}) },
        records,
        options,
      );
    },

    async *scanAll(): AsyncIterable<LeadItem> {
      for await (const page of scanPages({})) yield* page.Items ?? [];
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
        ':history': write.history,
        ':updatedAt': write.updatedAt,
      };
      let update: string;
      if (previous) {
        Object.assign(values, {
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
        // The run was the lead's first normalization: it goes back to never normalized (due again).
        update =
          'SET normalizationHistory = :history, updatedAt = :updatedAt ' +
          'REMOVE normalizedData, normalizationMeta, normalizedAt, normalizationVersion, normalizationSourceHash, normalizationRunId';
      }
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [LEAD_KEY]: write.leadId },
            UpdateExpression: update,
            ConditionExpression: 'normalizationRunId = :runId AND normalizedAt = :expectedNormalizedAt',
            ExpressionAttributeValues: values,
          }),
        );
        return 'restored';
      } catch (error) {
        if (isConditionalCheckFailed(error)) return 'changed';
        throw error;
      }
    },

    async requestRenormalization(leadIds: readonly string[], requestedAt: string): Promise<number> {
      let marked = 0;
      for (const leadId of new Set(leadIds)) {
        try {
          await client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { [LEAD_KEY]: leadId },
              UpdateExpression: 'SET renormalizeRequestedAt = :requestedAt',
              ConditionExpression: 'attribute_exists(#leadId)',
              ExpressionAttributeNames: { '#leadId': LEAD_KEY },
              ExpressionAttributeValues: { ':requestedAt': requestedAt },
            }),
          );
          marked += 1;
        } catch (error) {
          // Deleted meanwhile: nothing to normalize.
          if (!isConditionalCheckFailed(error)) throw error;
        }
      }
      return marked;
    },

    async deleteLead(leadId: string): Promise<boolean> {
      const output = await client.send(new DeleteCommand({ TableName: tableName, Key: { [LEAD_KEY]: leadId }, ReturnValues: 'ALL_OLD' }));
      return output.Attributes !== undefined;
    },
  };
}
