import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  type BatchGetCommandOutput,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { withRetry, type RetryPolicy } from '#shared/retry/retry-with-backoff.ts';

/** DynamoDB's own limits per request. */
export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;

export type StoreItem = Record<string, unknown>;

/** How long to keep re-sending what DynamoDB left unprocessed (it does so when throttled). */
export const DEFAULT_UNPROCESSED_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 2_000 };

export function chunk<T>(values: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < values.length; start += size) chunks.push(values.slice(start, start + size));
  return chunks;
}

/** Thrown by an attempt that left items unprocessed, so that the retry loop sends them again. */
class StillUnprocessed extends Error {}

async function untilProcessed<T>(
  initial: T,
  send: (pending: T) => Promise<T | undefined>,
  retry: RetryPolicy,
  describe: string,
): Promise<void> {
  let pending = initial;
  let attempts = 0;
  try {
    await withRetry(
      async () => {
        attempts += 1;
        const left = await send(pending);
        if (left === undefined) return;
        pending = left;
        throw new StillUnprocessed();
      },
      { ...retry, retryOn: (error) => error instanceof StillUnprocessed },
    );
  } catch (error) {
    if (error instanceof StillUnprocessed) throw new Error(`${describe}: items still unprocessed after ${attempts} attempts`);
    throw error;
  }
}

type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>[string];

/** Which attributes a batch read returns (a ProjectionExpression and the names it uses). */
export interface BatchGetProjection {
  expression: string;
  names?: Record<string, string>;
}

/** Every item found for `keys` (in no particular order), 100 keys per request, unprocessed keys re-sent. */
export async function batchGetAll(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly StoreItem[],
  options: { consistentRead?: boolean; projection?: BatchGetProjection; retry?: RetryPolicy } = {},
): Promise<StoreItem[]> {
  const { projection } = options;
  const found: StoreItem[] = [];
  for (const keyChunk of chunk(keys, BATCH_GET_LIMIT)) {
    await untilProcessed<StoreItem[]>(
      keyChunk,
      async (pending) => {
        const output: BatchGetCommandOutput = await documentClient.send(
          new BatchGetCommand({
            RequestItems: {
              [tableName]: {
                Keys: pending,
                ConsistentRead: options.consistentRead ?? false,
                ...(projection ? { ProjectionExpression: projection.expression, ...(projection.names ? { ExpressionAttributeNames: projection.names } : {}) } : {}),
              },
            },
          }),
        );
        found.push(...(output.Responses?.[tableName] ?? []));
        const unprocessed = output.UnprocessedKeys?.[tableName]?.Keys;
        return unprocessed && unprocessed.length > 0 ? unprocessed : undefined;
      },
      options.retry ?? DEFAULT_UNPROCESSED_RETRY,
      `BatchGetItem on ${tableName}`,
    );
  }
  return found;
}

/**
 * Puts every item, 25 per request, unprocessed items re-sent. A request may not name one key
 * twice, so callers pass each key once (see `lastPerKey`).
 */
export async function batchPutAll(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  items: readonly StoreItem[],
  options: { retry?: RetryPolicy } = {},
): Promise<void> {
  for (const itemChunk of chunk(items, BATCH_WRITE_LIMIT)) await batchPutRequest(documentClient, tableName, itemChunk, options);
}

/** One BatchWriteItem of at most 25 puts, re-sent until nothing is left unprocessed. */
export async function batchPutRequest(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  items: readonly StoreItem[],
  options: { retry?: RetryPolicy } = {},
): Promise<void> {
  if (items.length === 0) return;
  if (items.length > BATCH_WRITE_LIMIT) throw new RangeError(`a BatchWriteItem takes at most ${BATCH_WRITE_LIMIT} items, got ${items.length}`);
  await batchWriteRequest(documentClient, tableName, items.map((item) => ({ PutRequest: { Item: item } })), options.retry, `BatchWriteItem on ${tableName}`);
}

/** Deletes every item of `keys`, 25 per request, unprocessed deletions re-sent. */
export async function batchDeleteAll(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly StoreItem[],
  options: { retry?: RetryPolicy } = {},
): Promise<void> {
  for (const keyChunk of chunk(keys, BATCH_WRITE_LIMIT)) {
    const requests = keyChunk.map((key) => ({ DeleteRequest: { Key: key } }));
    await batchWriteRequest(documentClient, tableName, requests, options.retry, `BatchWriteItem (deletions) on ${tableName}`);
  }
}

/** One BatchWriteItem, what DynamoDB leaves unprocessed re-sent with backoff. */
async function batchWriteRequest(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  requests: WriteRequests,
  retry: RetryPolicy | undefined,
  describe: string,
): Promise<void> {
  await untilProcessed<WriteRequests>(
    requests,
    async (pending) => {
      const output: BatchWriteCommandOutput = await documentClient.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      const unprocessed = output.UnprocessedItems?.[tableName];
      return unprocessed && unprocessed.length > 0 ? unprocessed : undefined;
    },
    retry ?? DEFAULT_UNPROCESSED_RETRY,
    describe,
  );
}

/** One item per key value, the last one given winning (as sequential puts would). */
export function lastPerKey(items: readonly StoreItem[], keyName: string): StoreItem[] {
  const byKey = new Map<unknown, StoreItem>();
  for (const item of items) {
    byKey.set(item[keyName], item);
  }
  return [...byKey.values()];
}
