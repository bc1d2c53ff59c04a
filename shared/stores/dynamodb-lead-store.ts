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
import {
  PIPELINE_OWNED_ATTRIBUTES,
  type DueLeadsPage,
  type DueLeadsQuery,
  type LeadItem,
  type LeadStore,
  type NormalizationWrite,
  type OriginalExpectation,
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
      const pages = scanPages(
        {
          FilterExpression: 'attribute_not_exists(#normalizedAt) OR #normalizedAt < :before',
          ProjectionExpression: '#leadId',
          ExpressionAttributeNames: { '#normalizedAt': 'normalizedAt', '#leadId': LEAD_KEY },
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
      const names: Record<string, string> = { '#leadId': LEAD_KEY };
      const values: Record<string, unknown> = {
        ':normalizedData': write.normalizedData,
        ':normalizationMeta': write.normalizationMeta,
        ':normalizedAt': write.normalizedAt,
        ':normalizationVersion': write.normalizationVersion,
        ':sourceHash': write.sourceHash,
      };
      const conditions = ['attribute_exists(#leadId)'];
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
              'updatedAt = :normalizedAt, normalizationVersion = :normalizationVersion, normalizationSourceHash = :sourceHash',
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

    async deleteLead(leadId: string): Promise<boolean> {
      const output = await client.send(new DeleteCommand({ TableName: tableName, Key: { [LEAD_KEY]: leadId }, ReturnValues: 'ALL_OLD' }));
      return output.Attributes !== undefined;
    },
  };
}
