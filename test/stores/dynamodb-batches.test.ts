import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ensureTables } from '#infra/local/local-tables.ts';
import { batchGetAll, batchPutAll, chunk, lastPerKey } from '#shared/stores/dynamodb-batches.ts';
import type { RetryPolicy } from '#shared/retry/retry-with-backoff.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { useEmbeddedDb } from './embedded-test-db.ts';

const embedded = useEmbeddedDb();
const noWait: RetryPolicy = { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined };

/**
 * A document client that behaves like a throttled DynamoDB: each batch request processes only
 * its first `processed` keys or items and hands the rest back as unprocessed.
 */
function throttled(real: DynamoDBDocumentClient, processed: number) {
  const sent: number[] = [];
  const client = {
    async send(command: unknown) {
      if (command instanceof BatchGetCommand) {
        const [[table, request]] = Object.entries(command.input.RequestItems ?? {}) as [[string, { Keys: Record<string, unknown>[] }]];
        sent.push(request.Keys.length);
        const output = await real.send(new BatchGetCommand({ RequestItems: { [table]: { ...request, Keys: request.Keys.slice(0, processed) } } }));
        const rest = request.Keys.slice(processed);
        return { ...output, UnprocessedKeys: rest.length > 0 ? { [table]: { Keys: rest } } : {} };
      }
      if (command instanceof BatchWriteCommand) {
        const [[table, requests]] = Object.entries(command.input.RequestItems ?? {}) as [[string, unknown[]]];
        sent.push(requests.length);
        const accepted = requests.slice(0, processed);
        if (accepted.length > 0) await real.send(new BatchWriteCommand({ RequestItems: { [table]: accepted as never } }));
        const rest = requests.slice(processed);
        return { UnprocessedItems: rest.length > 0 ? { [table]: rest } : {} };
      }
      throw new Error('unexpected command');
    },
  };
  return { client: client as unknown as DynamoDBDocumentClient, sent };
}

describe('batch helpers', () => {
  it('chunks in order, the last chunk holding the rest', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 25)).toEqual([]);
  });

  it('keeps one item per key, the last given', () => {
    expect(lastPerKey([{ id: 'a', v: 1 }, { id: 'b' }, { id: 'a', v: 2 }], 'id')).toEqual([{ id: 'a', v: 2 }, { id: 'b' }]);
  });

  it('re-sends unprocessed items and keys until every one went through', async () => {
    await ensureTables(embedded().client, { leads: 'batches-leads' });
    const items = Array.from({ length: 60 }, (_, i) => ({ leadId: `t${i}`, n: i }));
    const writer = throttled(embedded().documentClient, 10);
    await batchPutAll(writer.client, 'batches-leads', items, { retry: noWait });
    // 25 + 25 + 10 items per chunk, 10 processed per request.
    expect(writer.sent).toEqual([25, 15, 5, 25, 15, 5, 10]);
    expect(await createDynamoDbLeadStore({ client: embedded().documentClient, tableName: 'batches-leads' }).count()).toBe(60);

    const reader = throttled(embedded().documentClient, 40);
    const found = await batchGetAll(reader.client, 'batches-leads', items.map(({ leadId }) => ({ leadId })), { retry: noWait });
    expect(reader.sent).toEqual([60, 20]);
    expect(found.sort((a, b) => Number(a.n) - Number(b.n))).toEqual(items);
  });

  it('gives up, saying so, when items stay unprocessed', async () => {
    await ensureTables(embedded().client, { leads: 'batches-leads' });
    const stuck = throttled(embedded().documentClient, 0);
    const slept: number[] = [];
    const retry: RetryPolicy = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 15, random: () => 1, sleep: async (ms) => void slept.push(ms) };
    await expect(batchPutAll(stuck.client, 'batches-leads', [{ leadId: 'x' }], { retry })).rejects.toThrow(/unprocessed after 3 attempts/);
    expect(stuck.sent).toEqual([1, 1, 1]);
    expect(slept).toEqual([10, 15]);
  });
});
