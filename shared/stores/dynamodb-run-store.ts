import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { batchPutAll } from './dynamodb-batches.ts';
import { conditionHeld } from './dynamodb-client.ts';
import { createRunTraces, WORKING_DATA_TTL_SECONDS } from './dynamodb-run-traces.ts';
import { queryItems } from './dynamodb-table-pages.ts';
import type { LockAttempt, RunLock, RunStore } from './store-ports.ts';
import { RUNS_BY_START_INDEX } from './table-definitions.ts';

/** `expiresAt` of a released lock: long past, so anyone may take it. */
const RELEASED_AT = new Date(0).toISOString();

// Item layout: see RUNS_TABLE in table-definitions.ts.
const LOCK_SORT_KEY = 'LOCK';
const RUN_SORT_KEY = 'RUN';
const BATCH_PREFIX = 'BATCH#';
const RESULT_PREFIX = 'RESULT#';
const DATA_PREFIX = 'DATA#';
const RUN_INDEX_PARTITION = 'RUNS';
const BATCH_INDEX_DIGITS = 8;
const MAX_BATCH_INDEX = 10 ** BATCH_INDEX_DIGITS - 1;
const LEAD_POSITION_DIGITS = 4;
const MAX_LEAD_POSITION = 10 ** LEAD_POSITION_DIGITS - 1;
/** DynamoDB items are at most 400 KB; the rest of the item needs a little room. */
const MAX_ANSWERS_BYTES = 390_000;
/** Rounds of put / read / take-over when the lock keeps changing hands under us. */
const LOCK_ROUNDS = 3;

const lockKey = (name: string) => ({ pk: `LOCK#${name}`, sk: LOCK_SORT_KEY });
const runPartition = (runId: string) => `RUN#${runId}`;

function batchSortKey(prefix: string, batchIndex: number, leadPosition?: number): string {
  if (!Number.isInteger(batchIndex) || batchIndex < 0 || batchIndex > MAX_BATCH_INDEX) {
    throw new RangeError(`batchIndex must be a whole number in [0, ${MAX_BATCH_INDEX}], got ${batchIndex}`);
  }
  const batch = prefix + String(batchIndex).padStart(BATCH_INDEX_DIGITS, '0');
  if (leadPosition === undefined) return batch;
  if (!Number.isInteger(leadPosition) || leadPosition < 0 || leadPosition > MAX_LEAD_POSITION) {
    throw new RangeError(`leadPosition must be a whole number in [0, ${MAX_LEAD_POSITION}], got ${leadPosition}`);
  }
  // A lead retried alone: its items sort right after its batch's (`#` sorts before digits).
  return `${batch}#L${String(leadPosition).padStart(LEAD_POSITION_DIGITS, '0')}`;
}

/** Where a batch's model answers are kept. */
const answersSortKey = (batchIndex: number, leadPosition?: number) => `${batchSortKey(DATA_PREFIX, batchIndex, leadPosition)}#answers`;

/** Lock times are compared as strings in DynamoDB, so they are stored in one ISO format. */
function isoInstant(value: string, what: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new RangeError(`${what} is not an ISO instant: ${value}`);
  return new Date(time).toISOString();
}

function lockItem(lock: RunLock): Record<string, unknown> {
  const { pid, host, ...required } = lock;
  return { ...lockKey(lock.name), ...required, ...(pid === undefined ? {} : { pid }), ...(host === undefined ? {} : { host }) };
}

function lockFromItem(item: Record<string, unknown>): RunLock {
  return {
    name: String(item.name),
    holder: String(item.holder),
    acquiredAt: String(item.acquiredAt),
    expiresAt: String(item.expiresAt),
    ...(typeof item.pid === 'number' ? { pid: item.pid } : {}),
    ...(typeof item.host === 'string' ? { host: item.host } : {}),
  };
}

export interface DynamoDbRunStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Start time of a run record that has no `startedAt`; injectable for tests. */
  now?: () => Date;
  /**
   * How long a batch's working data (lead ids, model answers, normalized records, results) may
   * outlive its run: FinishPage and Report delete it; a run that dies leaves it to the table's TTL
   * (`expiresAt`). Default 2 days.
   */
  batchDataTtlSeconds?: number;
}

export function createDynamoDbRunStore(options: DynamoDbRunStoreOptions): RunStore {
  const { client, tableName } = options;
  const now = options.now ?? (() => new Date());
  const expiresAt = () => Math.floor(now().getTime() / 1000) + (options.batchDataTtlSeconds ?? WORKING_DATA_TTL_SECONDS);

  /** Conditional put of the lock item; false when the condition failed. */
  function putLock(lock: RunLock, condition: string, values: Record<string, unknown>): Promise<boolean> {
    return conditionHeld(
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: lockItem(lock),
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async function readLock(name: string): Promise<RunLock | undefined> {
    const output = await client.send(new GetCommand({ TableName: tableName, Key: lockKey(name), ConsistentRead: true }));
    return output.Item ? lockFromItem(output.Item) : undefined;
  }

  const queryAll = (input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, limit?: number) => queryItems(client, { ...input, TableName: tableName }, limit);

  async function getItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const output = await client.send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }));
    return output.Item;
  }

  return {
    ...createRunTraces({ client, tableName, now, expiresAt, batchKey: batchSortKey, runPartition }),

    async acquireLock(requested: RunLock, nowIso: string, isStale?: (existing: RunLock) => boolean): Promise<LockAttempt> {
      const lock: RunLock = {
        ...requested,
        acquiredAt: isoInstant(requested.acquiredAt, 'acquiredAt'),
        expiresAt: isoInstant(requested.expiresAt, 'expiresAt'),
      };
      const nowInstant = isoInstant(nowIso, 'now');
      let heldBy: RunLock | undefined;
      for (let round = 0; round < LOCK_ROUNDS; round += 1) {
        const free = await putLock(lock, 'attribute_not_exists(pk) OR expiresAt <= :now OR holder = :holder', {
          ':now': nowInstant,
          ':holder': lock.holder,
        });
        if (free) return { acquired: true, lock };
        heldBy = await readLock(lock.name);
        // Released, expired or became ours between the put and the read: just try again.
        if (!heldBy || heldBy.expiresAt <= nowInstant || heldBy.holder === lock.holder) continue;
        if (!isStale?.(heldBy)) return { acquired: false, heldBy };
        // Take over exactly the lock judged stale: of two takers, only the first put matches.
        const takenOver = await putLock(lock, 'holder = :staleHolder AND acquiredAt = :staleAcquiredAt', {
          ':staleHolder': heldBy.holder,
          ':staleAcquiredAt': heldBy.acquiredAt,
        });
        if (takenOver) return { acquired: true, lock };
      }
      heldBy = (await readLock(lock.name)) ?? heldBy;
      if (heldBy) return { acquired: false, heldBy };
      throw new Error(`lock "${lock.name}" kept changing hands; gave up after ${LOCK_ROUNDS} rounds`);
    },

    async releaseLock(name: string, holder: string): Promise<void> {
      // Expired rather than deleted: no role of the pipeline needs dynamodb:DeleteItem. A lock not ours
      // (any more), or already gone, fails the condition: nothing to release.
      await conditionHeld(
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: lockKey(name),
            UpdateExpression: 'SET expiresAt = :released, releasedAt = :now',
            ConditionExpression: 'holder = :holder',
            ExpressionAttributeValues: { ':holder': holder, ':released': RELEASED_AT, ':now': new Date().toISOString() },
          }),
        ),
      );
    },

    async saveBatches(runId: string, batches: ReadonlyArray<{ batchIndex: number; leadIds: readonly string[] }>): Promise<void> {
      const items = batches.map(({ batchIndex, leadIds }) => ({ pk: runPartition(runId), sk: batchSortKey(BATCH_PREFIX, batchIndex), runId, batchIndex, leadIds: [...leadIds], expiresAt: expiresAt() }));
      await batchPutAll(client, tableName, items);
    },

    async loadBatch(runId: string, batchIndex: number): Promise<string[]> {
      const item = await getItem(runPartition(runId), batchSortKey(BATCH_PREFIX, batchIndex));
      if (!item) throw new Error(`run ${runId} has no batch ${batchIndex}`);
      return (item.leadIds as unknown[]).map(String);
    },

    async saveModelAnswers(runId: string, batchIndex: number, answers: unknown, leadPosition?: number): Promise<void> {
      // Gzipped JSON: answers are kept until the run's working data expires, and compress ~10× even at
      // the fastest level (which halves the time of the default for ~15% more bytes).
      const payload = gzipSync(JSON.stringify(answers ?? null), { level: constants.Z_BEST_SPEED });
      if (payload.byteLength > MAX_ANSWERS_BYTES) {
        throw new Error(`batch ${batchIndex} model answers of run ${runId} are ${payload.byteLength} bytes gzipped; lower batchSize`);
      }
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: runPartition(runId), sk: answersSortKey(batchIndex, leadPosition), runId, batchIndex, payload, expiresAt: expiresAt() },
        }),
      );
    },

    async loadModelAnswers(runId: string, batchIndex: number, leadPosition?: number): Promise<unknown> {
      const item = await getItem(runPartition(runId), answersSortKey(batchIndex, leadPosition));
      if (!item) return undefined;
      return JSON.parse(gunzipSync(item.payload as Uint8Array).toString('utf8')) as unknown;
    },

    async saveBatchResult(runId: string, batchIndex: number, result: Record<string, unknown>, leadPosition?: number): Promise<void> {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: runPartition(runId), sk: batchSortKey(RESULT_PREFIX, batchIndex, leadPosition), runId, batchIndex, result, expiresAt: expiresAt() },
        }),
      );
    },

    async listBatchResults(runId: string, batches?: { first: number; last: number }): Promise<Array<Record<string, unknown>>> {
      const items = await queryAll(
        batches === undefined
          ? {
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
              ExpressionAttributeValues: { ':pk': runPartition(runId), ':prefix': RESULT_PREFIX },
              ConsistentRead: true,
            }
          : {
              // `~` sorts after `#L…`: the last batch's own leads are in the range too.
              KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
              ExpressionAttributeValues: {
                ':pk': runPartition(runId),
                ':first': batchSortKey(RESULT_PREFIX, batches.first),
                ':last': `${batchSortKey(RESULT_PREFIX, batches.last)}~`,
              },
              ConsistentRead: true,
            },
      );
      return items.map((item) => item.result as Record<string, unknown>);
    },

    async putRun(runId: string, run: Record<string, unknown>): Promise<void> {
      const startedAt = typeof run.startedAt === 'string' && !Number.isNaN(Date.parse(run.startedAt))
        ? new Date(run.startedAt).toISOString()
        : now().toISOString();
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: runPartition(runId), sk: RUN_SORT_KEY },
          // The listing position is fixed by the first put, so updating a run never reorders it.
          UpdateExpression: 'SET runId = :runId, #run = :run, runIndexPk = :partition, runIndexSk = if_not_exists(runIndexSk, :sortKey)',
          ExpressionAttributeNames: { '#run': 'run' },
          ExpressionAttributeValues: {
            ':runId': runId,
            ':run': run,
            ':partition': RUN_INDEX_PARTITION,
            ':sortKey': `${startedAt}#${runId}`,
          },
        }),
      );
    },

    async markRunFailed(runId: string, error: string): Promise<void> {
      // No record fails the condition: the run failed before its first report.
      await conditionHeld(
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: runPartition(runId), sk: RUN_SORT_KEY },
            UpdateExpression: 'SET #run.inProgress = :false, #run.#status = :failed, #run.failure = :error',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#run': 'run', '#status': 'status' },
            ExpressionAttributeValues: { ':false': false, ':failed': 'failed', ':error': error },
          }),
        ),
      );
    },

    async getRun(runId: string): Promise<Record<string, unknown> | undefined> {
      const item = await getItem(runPartition(runId), RUN_SORT_KEY);
      return item?.run as Record<string, unknown> | undefined;
    },

    async listRuns(limit: number): Promise<Array<Record<string, unknown>>> {
      if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number ≥ 1, got ${limit}`);
      const items = await queryAll(
        {
          IndexName: RUNS_BY_START_INDEX,
          KeyConditionExpression: 'runIndexPk = :partition',
          ExpressionAttributeValues: { ':partition': RUN_INDEX_PARTITION },
          ScanIndexForward: false,
          Limit: limit,
        },
        limit,
      );
      return items.map((item) => item.run as Record<string, unknown>);
    },
  };
}
