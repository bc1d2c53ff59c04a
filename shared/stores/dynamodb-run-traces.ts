import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NO_USAGE } from '#shared/model/model-usage.ts';
import { batchDeleteAll } from './dynamodb-batches.ts';
import { conditionHeld } from './dynamodb-client.ts';
import { queryItems, scanPages } from './dynamodb-table-pages.ts';
import type { ModelCallClaim, RunTraces } from './store-ports.ts';

/** Item layout: see RUNS_TABLE in table-definitions.ts. */
export const IDEMPOTENCY_PREFIX = 'IDEMPOTENCY#';
export const USAGE_PREFIX = 'USAGE#';
/**
 * Working data of a batch (and of its leads retried alone), deleted once its page is counted in
 * its segment's totals, and by TTL if that never happens. Results are counts, but nothing reads
 * them after that either: the segment record (then the run record) holds their sum.
 */
export const WORKING_DATA_PREFIXES = ['BATCH#', 'DATA#', IDEMPOTENCY_PREFIX, USAGE_PREFIX, 'RESULT#'] as const;
/** How long a run's working items may outlive it (`expiresAt`): a run takes at most a day (the state machine's timeout). */
export const WORKING_DATA_TTL_SECONDS = 2 * 86_400;

const RELEASED = new Date(0).toISOString();

export interface RunTracesOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
  /** `expiresAt` (epoch seconds, the table's TTL attribute) of every working-data item. */
  expiresAt: () => number;
  /** The sort key of a batch's item (`leadPosition`: of one of its leads retried alone). */
  batchKey: (prefix: string, batchIndex: number, leadPosition?: number) => string;
  runPartition: (runId: string) => string;
}

export function createRunTraces(options: RunTracesOptions): RunTraces {
  const { client, tableName, now, expiresAt, batchKey, runPartition } = options;
  const key = (runId: string, prefix: string, batchIndex: number, leadPosition?: number) => ({ pk: runPartition(runId), sk: batchKey(prefix, batchIndex, leadPosition) });

  /** Keys of a run partition's items whose sort key begins with `prefix`, or lies between `from` and `to`. */
  async function keysOf(partition: string, where: { prefix: string } | { from: string; to: string }): Promise<Array<{ pk: string; sk: string }>> {
    const items = await queryItems(client, {
      TableName: tableName,
      ...('prefix' in where
        ? { KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': partition, ':prefix': where.prefix } }
        : { KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to', ExpressionAttributeValues: { ':pk': partition, ':from': where.from, ':to': where.to } }),
      ProjectionExpression: 'pk, sk',
    });
    return items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
  }

  const deleteKeys = (keys: Array<{ pk: string; sk: string }>) => batchDeleteAll(client, tableName, keys);

  return {
    async claimModelCall(runId, batchIndex, claim, leadPosition): Promise<ModelCallClaim> {
      const itemKey = key(runId, IDEMPOTENCY_PREFIX, batchIndex, leadPosition);
      const claimed = await conditionHeld(
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...itemKey, status: 'INPROGRESS', inProgressUntil: claim.until, claimId: claim.id, expiresAt: expiresAt() },
            ConditionExpression: 'attribute_not_exists(pk) OR (#status = :inProgress AND inProgressUntil < :now)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':inProgress': 'INPROGRESS', ':now': now().toISOString() },
          }),
        ),
      );
      if (claimed) return { status: 'claimed' };
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: itemKey, ConsistentRead: true }));
      if (Item?.status === 'COMPLETED') return { status: 'completed', result: Item.result as Record<string, unknown> };
      return { status: 'in-progress', until: String(Item?.inProgressUntil ?? '') };
    },

    async completeModelCall(runId, batchIndex, result, leadPosition) {
      await client.send(
        new PutCommand({ TableName: tableName, Item: { ...key(runId, IDEMPOTENCY_PREFIX, batchIndex, leadPosition), status: 'COMPLETED', result, expiresAt: expiresAt() } }),
      );
    },

    async releaseModelCall(runId, batchIndex, claimId, leadPosition) {
      await conditionHeld(
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(runId, IDEMPOTENCY_PREFIX, batchIndex, leadPosition),
            UpdateExpression: 'SET inProgressUntil = :released',
            ConditionExpression: '#status = :inProgress AND claimId = :claimId',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':released': RELEASED, ':inProgress': 'INPROGRESS', ':claimId': claimId },
          }),
        ),
      );
    },

    async addBatchUsage(runId, batchIndex, usage, leadPosition) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key(runId, USAGE_PREFIX, batchIndex, leadPosition),
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

    async loadBatchUsage(runId, batchIndex, leadPosition) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: key(runId, USAGE_PREFIX, batchIndex, leadPosition), ConsistentRead: true }));
      if (!Item) return { ...NO_USAGE };
      const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
      return { modelCalls: number(Item.modelCalls), inputTokens: number(Item.inputTokens), outputTokens: number(Item.outputTokens), costUSD: number(Item.costUSD) };
    },

    async purgeBatchData(runId, batches) {
      const keys: Array<{ pk: string; sk: string }> = [];
      for (const prefix of WORKING_DATA_PREFIXES) {
        // `~` sorts after `#…`: the last batch's data and its leads' items are in the range too.
        const where = batches ? { from: batchKey(prefix, batches.first), to: `${batchKey(prefix, batches.last)}~` } : { prefix };
        keys.push(...(await keysOf(runPartition(runId), where)));
      }
      await deleteKeys(keys);
      return keys.length;
    },

    async forgetLead(leadId) {
      const keys: Array<{ pk: string; sk: string }> = [];
      let batches = 0;
      const pages = scanPages({
        client,
        tableName,
        filter: { expression: 'begins_with(sk, :batch) AND contains(leadIds, :leadId)', values: { ':batch': 'BATCH#', ':leadId': leadId } },
        projection: 'pk, sk',
      });
      for await (const items of pages) {
        for (const item of items) {
          const pk = String(item.pk);
          const index = String(item.sk).slice('BATCH#'.length);
          batches += 1;
          // The batch's ids, and the model answers and normalized records of the whole batch and of its leads retried alone.
          keys.push({ pk, sk: String(item.sk) }, ...(await keysOf(pk, { prefix: `DATA#${index}#` })));
        }
      }
      await deleteKeys(keys);
      return batches;
    },
  };
}
