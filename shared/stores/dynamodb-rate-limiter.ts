import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { nextSlot, type ModelQuota, type PacingState, type RateLimiter } from '#shared/model/rate-limit.ts';
import { ModelError } from '#shared/errors/normflow-errors.ts';
import { conditionHeld } from './dynamodb-client.ts';

/** Attempts to claim a slot when other callers keep claiming it first. */
const CLAIM_ROUNDS = 50;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A rate limiter shared by every Lambda of every execution: one item of the runs table per model
 * (`pk` `RATE#<modelId>`, `sk` `RATE`) holds when the next call may start. A caller reads it,
 * computes its slot and claims it with a conditional put on the item's version (an optimistic
 * lock); then it sleeps until its slot.
 */
export function createDynamoDbRateLimiter(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
  modelId: string;
  quota: ModelQuota;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): RateLimiter {
  const { client, tableName, quota } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const key = { pk: `RATE#${options.modelId}`, sk: 'RATE' };
  return {
    async acquire(tokens: number, startBy?: number): Promise<void> {
      for (let round = 0; round < CLAIM_ROUNDS; round += 1) {
        const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
        const version = typeof Item?.version === 'number' ? Item.version : 0;
        const current: PacingState = { nextRequestAt: Number(Item?.nextRequestAt ?? 0), nextTokenAt: Number(Item?.nextTokenAt ?? 0) };
        const { startAt, state } = nextSlot(current, now(), tokens, quota);
        // A slot the caller could not live to use would be lost to every caller: it is left to them.
        if (startBy !== undefined && startAt > startBy) {
          throw new ModelError('Model.Throttled', `the quota of ${options.modelId} has no slot for ${Math.round((startAt - now()) / 1000)} s, past what this invocation may wait`, { sent: false });
        }
        const claimed = await conditionHeld(
          client.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...key, ...state, version: version + 1 },
              ConditionExpression: 'attribute_not_exists(pk) OR version = :version',
              ExpressionAttributeValues: { ':version': version },
            }),
          ),
        );
        if (!claimed) continue;
        const wait = startAt - now();
        if (wait > 0) await sleep(wait);
        return;
      }
      throw new Error(`rate limiter for ${options.modelId}: no slot claimed after ${CLAIM_ROUNDS} rounds`);
    },
  };
}
