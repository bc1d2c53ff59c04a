import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { chunk } from './dynamodb-batches.ts';
import { isConditionalCheckFailed } from './dynamodb-client.ts';
import type { ModelCallClaim, ModelUsageTotals, RunTraces } from './store-ports.ts';

/** Item layout: see RUNS_TABLE in table-definitions.ts. */
export const IDEMPOTENCY_PREFIX = 'IDEMPOTENCY#';
export const USAGE_PREFIX = 'USAGE#';
/** Working data of a batch, deleted when the run reports (and by TTL if it never does). */
export const WORKING_DATA_PREFIXES = ['BATCH#', 'DATA#', IDEMPOTENCY_PREFIX, USAGE_PREFIX] as const;

const NO_USAGE: ModelUsageTotals = { modelCalls: 0, inputTokens: 0, outputTokens: 0, costUSD: 0 };
const RELEASED = new Date(0).toISOString();

export interface RunTracesOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
  /** `expiresAt` (epoch seconds, the table's TTL attribute) of every working-data item. */
  expiresAt: () => number;
  batchKey: (prefix: string, batchIndex: number) => string;
  runPartition: (runId: string) => string;
}

export function createRunTraces(options: RunTracesOptions): RunTraces {
  const { client, tableName, now, expiresAt, batchKey, runPartition } = options;
  const key = (runId: string, prefix: string, batchIndex: number) => ({ pk: runPartition(runId), sk: batchKey(prefix, batchIndex) });

  async function deleteKeys(keys: Array<{ pk: string; sk: string }>): Promise<void> {
    for (const part of chunk(keys, 25)) {
      let pending: Array<{ DeleteRequest: { Key: Record<string, unknown> } }> | undefined = part.map((itemKey) => ({ DeleteRequest: { Key: itemKey } }));
      for (let attempt = 0; pending && pending.length > 0; attempt += 1) {
        if (attempt >= 10) throw new Error(`BatchWriteItem on ${tableName}: deletions still unprocessed after ${attempt} attempts`);
        const output = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = output.UnprocessedItems?.[tableName] as typeof pending;
      }
    }
  }

  return {
    async claimModelCall(runId, batchIndex, inProgressUntil): Promise<ModelCallClaim> {
      const itemKey = key(runId, IDEMPOTENCY_PREFIX, batchIndex);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...itemKey, status: 'INPROGRESS', inProgressUntil, expiresAt: expiresAt() },
            ConditionExpression: 'attribute_not_exists(pk) OR (#status = :inProgress AND inProgressUntil < :now)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':inProgress': 'INPROGRESS', ':now': now().toISOString() },
          }),
        );
        return { status: 'claimed' };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: itemKey, ConsistentRead: true }));
      if (Item?.status === 'COMPLETED') return { status: 'completed', result: Item.result as Record<string, unknown> };
      return { status: 'in-progress', until: String(Item?.inProgressUntil ?? '') };
    },

    async completeModelCall(runId, batchIndex, result) {
      await client.send(
        new PutCommand({ TableName: tableName, Item: { ...key(runId, IDEMPOTENCY_PREFIX, batchIndex), status: 'COMPLETED', result, expiresAt: expiresAt() } }),
      );
    },

    async releaseModelCall(runId, batchIndex) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key(runId, IDEMPOTENCY_PREFIX, batchIndex),
          UpdateExpression: 'SET inProgressUntil = :released',
          ConditionExpression: '#status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':released': RELEASED, ':inProgress': 'INPROGRESS' },
        }),
      ).catch((error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error;
      });
    },

    async addBatchUsage(runId, batchIndex, usage) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key(runId, USAGE_PREFIX, batchIndex),
          UpdateExpression: 'ADD modelCalls :calls, inputTokens :input, outputTokens :output, costUSD :cost SET expiresAt = :expiresAt',
          ExpressionAttributeValues: {
            ':calls': usage.modelCalls,
            ':input': usage.inputTokens,
            ':output': usage.outputTokens,
            ':cost': usage.costUSD,
            ':expiresAt': expiresAt(),
          },
        }),
      );
    },

    async loadBatchUsage(runId, batchIndex) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: key(runId, USAGE_PREFIX, batchIndex), ConsistentRead: true }));
      if (!Item) return { ...NO_USAGE };
      const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
      return { modelCalls: number(Item.modelCalls), inputTokens: number(Item.inputTokens), outputTokens: number(Item.outputTokens), costUSD: number(Item.costUSD) };
    },

    async purgeBatchData(runId) {
      const keys: Array<{ pk: string; sk: string }> = [];
      for (const prefix of WORKING_DATA_PREFIXES) {
        let exclusiveStartKey: Record<string, unknown> | undefined;
        do {
          const page = await client.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
              ExpressionAttributeValues: { ':pk': runPartition(runId), ':prefix': prefix },
              ProjectionExpression: 'pk, sk',
              ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
            }),
          );
          for (const item of page.Items ?? []) keys.push({ pk: String(item.pk), sk: String(item.sk) });
          exclusiveStartKey = page.LastEvaluatedKey;
        } while (exclusiveStartKey);
      }
      await deleteKeys(keys);
      return keys.length;
    },

    async forgetLead(leadId) {
      const keys: Array<{ pk: string; sk: string }> = [];
      let exclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: 'begins_with(sk, :batch) AND contains(leadIds, :leadId)',
            ExpressionAttributeValues: { ':batch': 'BATCH#', ':leadId': leadId },
            ProjectionExpression: 'pk, sk',
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          const pk = String(item.pk);
          const index = String(item.sk).slice('BATCH#'.length);
          // The batch's ids, and the model answers and normalized records of the whole batch.
          keys.push({ pk, sk: String(item.sk) }, { pk, sk: `DATA#${index}#answers` }, { pk, sk: `DATA#${index}#normalized` });
        }
        exclusiveStartKey = page.LastEvaluatedKey;
      } while (exclusiveStartKey);
      await deleteKeys(keys);
      return keys.length / 3;
    },
  };
}
