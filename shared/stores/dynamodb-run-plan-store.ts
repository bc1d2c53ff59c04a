import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDeleteAll } from './dynamodb-batches.ts';
import { queryItems } from './dynamodb-table-pages.ts';
import { WORKING_DATA_TTL_SECONDS } from './dynamodb-run-traces.ts';
import type { RunPlanRecord, RunPlanStore, SegmentRecord } from './store-ports.ts';

// Item layout: see RUNS_TABLE in table-definitions.ts.
const PLAN_SORT_KEY = 'PLAN';
const SEGMENT_PREFIX = 'SEGMENT#';
const SEGMENT_DIGITS = 5;

const runPartition = (runId: string) => `RUN#${runId}`;
const segmentSortKey = (segment: number) => {
  if (!Number.isInteger(segment) || segment < 0 || segment >= 10 ** SEGMENT_DIGITS) throw new RangeError(`segment must be a whole number in [0, ${10 ** SEGMENT_DIGITS - 1}], got ${segment}`);
  return SEGMENT_PREFIX + String(segment).padStart(SEGMENT_DIGITS, '0');
};

function segmentFromItem(item: Record<string, unknown>): SegmentRecord {
  return {
    segment: Number(item.segment),
    cursor: typeof item.cursor === 'string' ? item.cursor : null,
    done: item.done === true,
    pages: Number(item.pages ?? 0),
    progressRound: typeof item.progressRound === 'number' ? item.progressRound : null,
    passedOver: Number(item.passedOver ?? 0),
    totals: (item.totals as Record<string, unknown> | undefined) ?? null,
    ...(Array.isArray(item.leadIds) ? { leadIds: item.leadIds.map(String) } : {}),
    ...(item.pendingBatches ? { pendingBatches: item.pendingBatches as { first: number; last: number } } : {}),
  };
}

/**
 * A run's plan, its counters and its segments' progress, in the runs table beside the run's batches.
 * Working items like the batches': `expiresAt` (the table's TTL) removes what a dead run leaves.
 */
export function createDynamoDbRunPlanStore(options: { client: DynamoDBDocumentClient; tableName: string; now?: () => Date; ttlSeconds?: number }): RunPlanStore {
  const { client, tableName } = options;
  const now = options.now ?? (() => new Date());
  const expiresAt = () => Math.floor(now().getTime() / 1000) + (options.ttlSeconds ?? WORKING_DATA_TTL_SECONDS);

  const segmentItems = (runId: string): Promise<Array<Record<string, unknown>>> =>
    queryItems(client, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': runPartition(runId), ':prefix': SEGMENT_PREFIX },
      ConsistentRead: true,
    });

  return {
    async putPlan(runId: string, plan: RunPlanRecord): Promise<void> {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: runPartition(runId), sk: PLAN_SORT_KEY, runId, ...plan, cap: plan.cap ?? undefined, reservedLeads: 0, allocatedBatches: 0, expiresAt: expiresAt() },
        }),
      );
    },

    async getPlan(runId: string): Promise<RunPlanRecord | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: runPartition(runId), sk: PLAN_SORT_KEY }, ConsistentRead: true }));
      if (!Item) return undefined;
      return { mode: Item.mode as RunPlanRecord['mode'], totalSegments: Number(Item.totalSegments), cap: typeof Item.cap === 'number' ? Item.cap : null };
    },

    async reserve(runId: string, leads: number, batches: number): Promise<{ leadsGranted: number; firstBatch: number }> {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: runPartition(runId), sk: PLAN_SORT_KEY },
          UpdateExpression: 'ADD reservedLeads :leads, allocatedBatches :batches',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':leads': leads, ':batches': batches },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const reservedAfter = Number(Attributes?.reservedLeads ?? 0);
      const cap = typeof Attributes?.cap === 'number' ? Attributes.cap : null;
      // Reservations past the cap are only counted: what was taken before this one decides what is left.
      const leadsGranted = cap === null ? leads : Math.max(0, Math.min(leads, cap - (reservedAfter - leads)));
      return { leadsGranted, firstBatch: Number(Attributes?.allocatedBatches ?? 0) - batches };
    },

    async putSegment(runId: string, segment: SegmentRecord): Promise<void> {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: runPartition(runId),
            sk: segmentSortKey(segment.segment),
            runId,
            ...segment,
            cursor: segment.cursor ?? undefined,
            totals: segment.totals ?? undefined,
            expiresAt: expiresAt(),
          },
        }),
      );
    },

    async getSegment(runId: string, segment: number): Promise<SegmentRecord | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: runPartition(runId), sk: segmentSortKey(segment) }, ConsistentRead: true }));
      return Item ? segmentFromItem(Item) : undefined;
    },

    async listSegments(runId: string): Promise<SegmentRecord[]> {
      return (await segmentItems(runId)).map(segmentFromItem);
    },

    async deletePlan(runId: string): Promise<number> {
      const keys = [{ pk: runPartition(runId), sk: PLAN_SORT_KEY }, ...(await segmentItems(runId)).map((item) => ({ pk: String(item.pk), sk: String(item.sk) }))];
      await batchDeleteAll(client, tableName, keys);
      return keys.length;
    },
  };
}
