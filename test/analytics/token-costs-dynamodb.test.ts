import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_MODEL_PRICES, generateChatItems } from '#shared/samples/chat-item-generator.ts';
import { handler } from '#functions/aggregate-token-costs.ts';
import { conversationKey, createTimeOf, itemTimeOf } from '#shared/analytics/token-cost-rows.ts';
import { WATERMARK_FILE } from '#shared/analytics/token-cost-schema.ts';
import type { ChatItem } from '#shared/stores/chat-item-source.ts';
import { createDynamoDbChatSource } from '#shared/stores/dynamodb-chat-source.ts';
import { logger } from '#shared/runtime/observability.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { createFolderObjectStore } from '#shared/stores/folder-object-store.ts';
import { TEST_TABLES, useEmbeddedDb } from '#test/stores/embedded-test-db.ts';
import { ensureSourceTable } from '#infra/local/local-analytics.ts';

const CHAT_TABLE = 'test-bedrock-chat';
const embedded = useEmbeddedDb();
const context = { functionName: 'aggregate-token-costs', awsRequestId: 'test', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

/** Created on the first day, still going on the fourth: only LastUpdateTime says it changed. */
const longConversation: ChatItem = {
  PK: 'long-user',
  SK: 'long-user#CONV#long',
  CreateTime: Date.UTC(2025, 2, 1, 12),
  LastUpdateTime: Date.UTC(2025, 2, 4, 12),
  TotalPrice: 0.01,
};
const items = [...generateChatItems(120, 42, { days: 4 }), longConversation];
let folder = '';

async function putAll(chatItems: readonly ChatItem[]): Promise<void> {
  for (let start = 0; start < chatItems.length; start += 25) {
    const batch = chatItems.slice(start, start + 25);
    await embedded().documentClient.send(new BatchWriteCommand({ RequestItems: { [CHAT_TABLE]: batch.map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

async function collect(pages: AsyncIterable<readonly ChatItem[]>): Promise<{ pages: number; items: ChatItem[] }> {
  const seen: ChatItem[] = [];
  let count = 0;
  for await (const page of pages) {
    count += 1;
    seen.push(...page);
  }
  return { pages: count, items: seen };
}

beforeAll(async () => {
  await ensureSourceTable(embedded().client, CHAT_TABLE);
  await putAll(items);
  folder = await mkdtemp(join(tmpdir(), 'token-costs-handler-'));
  logger.setLogLevel('SILENT');
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('the DynamoDB chat source', () => {
  it('scans the whole table page by page', async () => {
    const source = createDynamoDbChatSource({ client: embedded().documentClient, tableName: CHAT_TABLE, pageSize: 25 });
    const read = await collect(source.pages(undefined));
    expect(read.items).toHaveLength(items.length);
    expect(read.pages).toBeGreaterThan(1);
  });

  it('after a watermark reads only items whose CreateTime or LastUpdateTime is greater (Scan filter)', async () => {
    const times = items.map((item) => itemTimeOf(item) ?? 0).sort((left, right) => left - right);
    const after = times[Math.floor(times.length / 2)] ?? 0;
    expect(after).toBeGreaterThan(createTimeOf(longConversation) ?? 0);
    expect(after).toBeLessThan(itemTimeOf(longConversation) ?? 0);
    const source = createDynamoDbChatSource({ client: embedded().documentClient, tableName: CHAT_TABLE, pageSize: 25 });
    const read = await collect(source.pages(after));
    expect(read.items.length).toBe(times.filter((time) => time > after).length);
    expect(read.items.every((item) => (itemTimeOf(item) ?? 0) > after)).toBe(true);
    expect(read.items.map((item) => item.SK)).toContain(longConversation.SK);
  });
});

describe('aggregate-token-costs handler', () => {
  beforeAll(async () => {
    Object.assign(process.env, {
      CHAT_TABLE,
      RUNS_TABLE: TEST_TABLES.runs,
      ANALYTICS_FOLDER: folder,
      DYNAMODB_ENDPOINT: embedded().endpoint,
      AWS_REGION: 'local',
    });
    delete process.env.ANALYTICS_BUCKET;
    delete process.env.ANALYTICS_CONFIG;
    await createDynamoDbRunStore({ client: embedded().documentClient, tableName: TEST_TABLES.runs }).putRun('run-1', {
      runId: 'run-1',
      status: 'completed',
      dryRun: false,
      startedAt: '2025-03-02T15:00:00.000Z',
      finishedAt: '2025-03-02T15:04:00.000Z',
      model: { provider: 'bedrock', modelId: 'anthropic.claude-3-haiku-20240307-v1:0', calls: 2, inputTokens: 4000, outputTokens: 400, estimatedCostUSD: 0.0015, failedBatches: {} },
      inProgress: false,
    });
  });

  it('aggregates the chat table and the normalization runs into the bucket and returns counts only', async () => {
    const config = { prices: CHAT_MODEL_PRICES, costTokenizer: 'chars/4' };
    const output = await handler({ config }, context);
    const conversations = items.filter((item) => conversationKey(item.PK, item.SK) !== undefined).length;
    expect(output).toMatchObject({
      itemsRead: items.length,
      conversations,
      normalizationRuns: 1,
      partitions: ['2025-03-01', '2025-03-02', '2025-03-03', '2025-03-04'],
      watermark: Math.max(...items.map((item) => itemTimeOf(item) ?? 0)),
    });
    expect(JSON.stringify(output)).not.toMatch(/vacaciones|portal|#CONV#/);
    const bucket = createFolderObjectStore(folder);
    expect(await bucket.list(`token-costs/${WATERMARK_FILE}`)).toEqual([`token-costs/${WATERMARK_FILE}`]);
    expect(await bucket.list('token-costs/normalization/')).toEqual(['token-costs/normalization/dt=2025-03-02/part-0.parquet']);

    // The next run reads only the last 15 minutes before the watermark again (late writes), and finds no new run.
    const watermark = Math.max(...items.map((item) => itemTimeOf(item) ?? 0));
    const again = await handler({ config }, context);
    expect(again).toMatchObject({
      itemsRead: items.filter((item) => (itemTimeOf(item) ?? 0) > watermark - 15 * 60 * 1000).length,
      normalizationRuns: 0,
      watermark,
    });
  });

  it('refuses an invalid config before reading anything', async () => {
    await expect(handler({ config: { costTokenizer: 'words' } }, context)).rejects.toThrow(/costTokenizer/);
  });
});
