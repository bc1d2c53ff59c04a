import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { CHAT_MODEL_PRICES, CHAT_MODELS, generateChatItems, inMemoryChatSource } from '#shared/samples/chat-item-generator.ts';
import { BEDROCK_CHAT_MODEL_ALIASES, parseAnalyticsConfig } from '#shared/analytics/analytics-config.ts';
import { conversationKey, createTimeOf, itemTimeOf } from '#shared/analytics/token-cost-rows.ts';
import { WATERMARK_FILE } from '#shared/analytics/token-cost-schema.ts';
import { aggregateTokenCosts, type AggregateTokenCostsOptions } from '#shared/analytics/token-costs-run.ts';
import type { ChatItem } from '#shared/stores/chat-item-source.ts';
import { createFolderObjectStore } from '#shared/stores/folder-object-store.ts';
import type { ObjectStore } from '#shared/stores/object-store.ts';

const OFFLINE = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' } as const;
const DEFAULT_MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const config = parseAnalyticsConfig({ prices: CHAT_MODEL_PRICES, costTokenizer: 'chars/4', defaultModel: DEFAULT_MODEL, tokenCostsPrefix: 'token-costs/' });

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function newBucket(): Promise<{ root: string; bucket: ObjectStore }> {
  const root = await mkdtemp(join(tmpdir(), 'token-costs-test-'));
  folders.push(root);
  return { root, bucket: createFolderObjectStore(root) };
}

type Row = Record<string, unknown>;

/** Runs SQL over the bucket folder with DuckDB; `{table}` placeholders become read_parquet over that table's partitions. */
async function query(root: string, sql: string): Promise<Row[]> {
  const instance = await DuckDBInstance.create(':memory:', OFFLINE);
  const connection = await instance.connect();
  try {
    const resolved = sql.replace(/\{(\w+)\}/g, (_match, table: string) => `read_parquet('${join(root, 'token-costs', table, '**', '*.parquet')}', hive_partitioning = true)`);
    const reader = await connection.runAndReadAll(resolved);
    return reader.getRowObjectsJson() as Row[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const isConversation = (item: ChatItem) => conversationKey(item.PK, item.SK) !== undefined && createTimeOf(item) !== undefined;

function run(bucket: ObjectStore, items: readonly ChatItem[], options: Partial<AggregateTokenCostsOptions> = {}) {
  const chat = inMemoryChatSource(items, 100);
  return { chat, report: aggregateTokenCosts({ chat, bucket, config, ...options }) };
}

async function parquetFiles(root: string, bucket: ObjectStore): Promise<Map<string, Buffer>> {
  const keys = (await bucket.list('token-costs/')).filter((key) => key.endsWith('.parquet'));
  return new Map(await Promise.all(keys.map(async (key) => [key, await readFile(join(root, key))] as const)));
}

function fakeRuns(records: Array<Record<string, unknown>>) {
  return { listRuns: async (limit: number) => records.slice(0, limit) };
}

function runRecord(runId: string, startedAt: string, finishedAt: string | undefined, usage: { inputTokens: number; outputTokens: number; estimatedCostUSD: number }) {
  return {
    runId,
    status: 'completed',
    dryRun: false,
    startedAt,
    ...(finishedAt === undefined ? {} : { finishedAt }),
    model: { provider: 'bedrock', modelId: DEFAULT_MODEL, calls: 3, ...usage, failedBatches: {} },
    inProgress: false,
  };
}

describe('token-cost tables in the bucket', () => {
  it('writes conversations, by_user_day, by_model_day and normalization as dt= day partitions of typed Parquet', async () => {
    const { root, bucket } = await newBucket();
    const items = generateChatItems(400, 7, { days: 3 });
    const runs = fakeRuns([runRecord('run-1', '2025-03-01T14:00:00Z', '2025-03-01T14:10:00Z', { inputTokens: 1000, outputTokens: 100, estimatedCostUSD: 0.000375 })]);
    const report = await run(bucket, items, { runs }).report;

    expect(report.days).toEqual(['2025-03-01', '2025-03-02', '2025-03-03']);
    const keys = await bucket.list('token-costs/');
    for (const day of report.days) {
      for (const table of ['conversations', 'by_user_day', 'by_model_day']) expect(keys).toContain(`token-costs/${table}/dt=${day}/part-0.parquet`);
    }
    expect(keys).toContain('token-costs/normalization/dt=2025-03-01/part-0.parquet');
    expect(keys).toContain(`token-costs/${WATERMARK_FILE}`);
    expect(report.filesWritten).toBe(3 * 3 + 1);

    const types = async (table: string) =>
      Object.fromEntries((await query(root, `DESCRIBE SELECT * FROM {${table}}`)).map((row) => [row.column_name, row.column_type]));
    expect(await types('conversations')).toEqual({
      day: 'DATE',
      created_at: 'TIMESTAMP',
      user_id: 'VARCHAR',
      conversation_id: 'VARCHAR',
      model: 'VARCHAR',
      model_id: 'VARCHAR',
      model_source: 'VARCHAR',
      input_tokens: 'BIGINT',
      output_tokens: 'BIGINT',
      estimated_cost_usd: 'DOUBLE',
      priced: 'BOOLEAN',
      recorded_price_usd: 'DOUBLE',
      message_map_status: 'VARCHAR',
      non_text_parts: 'BIGINT',
      dt: 'DATE',
    });
    expect(await types('by_user_day')).toMatchObject({ day: 'DATE', user_id: 'VARCHAR', conversations: 'BIGINT', input_tokens: 'BIGINT', estimated_cost_usd: 'DOUBLE', recorded_price_usd: 'DOUBLE' });
    expect(await types('by_model_day')).toMatchObject({ day: 'DATE', source: 'VARCHAR', model: 'VARCHAR', model_id: 'VARCHAR', items: 'BIGINT', users: 'BIGINT', output_tokens: 'BIGINT', estimated_cost_usd: 'DOUBLE' });
    expect(await types('normalization')).toMatchObject({ day: 'DATE', run_id: 'VARCHAR', started_at: 'TIMESTAMP', input_tokens: 'BIGINT', estimated_cost_usd: 'DOUBLE', dry_run: 'BOOLEAN' });

    const mismatchedDays = await query(root, `SELECT count(*) AS n FROM {conversations} WHERE day <> dt`);
    expect(Number(mismatchedDays[0]?.n)).toBe(0);
  });

  it('has one row per conversation item; other items are ignored and counted', async () => {
    const { root, bucket } = await newBucket();
    const items = generateChatItems(1000, 11);
    const report = await run(bucket, items).report;
    const conversations = items.filter(isConversation).length;
    expect(report.itemsRead).toBe(1000);
    expect(report.conversations).toBe(conversations);
    expect(report.ignored.notConversation).toBe(items.filter((item) => conversationKey(item.PK, item.SK) === undefined).length);
    expect(report.ignored.notConversation).toBeGreaterThan(0);
    const [counts] = await query(root, `SELECT count(*) AS n, count(DISTINCT (user_id, conversation_id)) AS keys FROM {conversations}`);
    expect(Number(counts?.n)).toBe(conversations);
    expect(Number(counts?.keys)).toBe(conversations);
    // The generator mixes in every kind of broken map; none of them stops the run.
    expect(report.messageMaps).toMatchObject({ ok: expect.any(Number), missing: expect.any(Number), 'invalid-json': expect.any(Number), empty: expect.any(Number), offloaded: expect.any(Number) });
  });

  it('with the default config (no prices), Bedrock Chat short names are priced through the default aliases', async () => {
    const { root, bucket } = await newBucket();
    await aggregateTokenCosts({ chat: inMemoryChatSource(generateChatItems(300, 13, { days: 2 }), 100), bucket, config: parseAnalyticsConfig({}) });
    const [counts] = await query(root, `SELECT count(*) AS n, count(*) FILTER (WHERE NOT priced) AS unpriced FROM {conversations}`);
    expect(Number(counts?.n)).toBeGreaterThan(0);
    expect(Number(counts?.unpriced)).toBe(0);
    const models = await query(root, `SELECT DISTINCT model, model_id FROM {conversations} WHERE model_source <> 'default' ORDER BY model`);
    expect(models).toEqual(
      [...CHAT_MODELS].sort().map((model) => ({ model, model_id: BEDROCK_CHAT_MODEL_ALIASES[model] })),
    );
    const [byModel] = await query(root, `SELECT count(*) FILTER (WHERE unpriced_items > 0) AS unpriced FROM {by_model_day}`);
    expect(Number(byModel?.unpriced)).toBe(0);
  });

  it('items without a message map keep their own price and the default model after a priced item (read back from Parquet)', async () => {
    const { root, bucket } = await newBucket();
    const user = 'user-1';
    const createTime = Date.UTC(2025, 2, 1, 15);
    const priced = {
      PK: user,
      SK: `${user}#CONV#a`,
      CreateTime: createTime,
      TotalPrice: 0.9,
      MessageMap: JSON.stringify({ a: { role: 'assistant', content: [{ content_type: 'text', body: 'x'.repeat(4000) }], model: 'claude-v3.5-sonnet' } }),
    };
    const bare = { PK: user, SK: `${user}#CONV#b`, CreateTime: createTime + 1, TotalPrice: 0.001 };
    const broken = { PK: user, SK: `${user}#CONV#c`, CreateTime: createTime + 2, MessageMap: '{"a": ' };
    await run(bucket, [priced, bare, broken]).report;
    const rows = await query(root, `SELECT conversation_id, model, model_source, input_tokens, output_tokens, estimated_cost_usd, recorded_price_usd, message_map_status FROM {conversations} ORDER BY conversation_id`);
    expect(rows).toEqual([
      { conversation_id: 'a', model: 'claude-v3.5-sonnet', model_source: 'assistant', input_tokens: '0', output_tokens: '1000', estimated_cost_usd: 0.015, recorded_price_usd: 0.9, message_map_status: 'ok' },
      { conversation_id: 'b', model: DEFAULT_MODEL, model_source: 'default', input_tokens: '0', output_tokens: '0', estimated_cost_usd: 0, recorded_price_usd: 0.001, message_map_status: 'missing' },
      { conversation_id: 'c', model: DEFAULT_MODEL, model_source: 'default', input_tokens: '0', output_tokens: '0', estimated_cost_usd: 0, recorded_price_usd: null, message_map_status: 'invalid-json' },
    ]);
  });

  it('aggregates per user per day and per model per day equal the sums of the rows', async () => {
    const { root, bucket } = await newBucket();
    const runs = fakeRuns([
      runRecord('run-2', '2025-03-04T15:00:00Z', '2025-03-04T15:20:00Z', { inputTokens: 5000, outputTokens: 700, estimatedCostUSD: 0.002125 }),
      runRecord('run-1', '2025-03-02T15:00:00Z', '2025-03-02T15:05:00Z', { inputTokens: 1000, outputTokens: 100, estimatedCostUSD: 0.000375 }),
    ]);
    await run(bucket, generateChatItems(1500, 3, { days: 6 }), { runs }).report;

    const byUser = await query(
      root,
      `SELECT count(*) AS differences FROM (
         SELECT day, user_id, count(*) AS conversations, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
                round(sum(estimated_cost_usd), 12) AS cost, round(sum(recorded_price_usd), 12) AS recorded, count(*) FILTER (WHERE NOT priced) AS unpriced
         FROM {conversations} GROUP BY ALL
       ) AS expected FULL OUTER JOIN (
         SELECT day, user_id, conversations, input_tokens, output_tokens, round(estimated_cost_usd, 12) AS cost, round(recorded_price_usd, 12) AS recorded, unpriced_conversations AS unpriced
         FROM {by_user_day}
       ) AS actual USING (day, user_id)
       WHERE expected.conversations IS DISTINCT FROM actual.conversations OR expected.input_tokens IS DISTINCT FROM actual.input_tokens
          OR expected.output_tokens IS DISTINCT FROM actual.output_tokens OR expected.cost IS DISTINCT FROM actual.cost
          OR expected.recorded IS DISTINCT FROM actual.recorded OR expected.unpriced IS DISTINCT FROM actual.unpriced`,
    );
    expect(Number(byUser[0]?.differences)).toBe(0);

    const byModel = await query(
      root,
      `SELECT count(*) AS differences FROM (
         SELECT day, 'chat' AS source, model, count(*) AS items, count(DISTINCT user_id) AS users, sum(input_tokens) AS input_tokens,
                sum(output_tokens) AS output_tokens, round(sum(estimated_cost_usd), 12) AS cost
         FROM {conversations} GROUP BY ALL
         UNION ALL
         SELECT day, 'normalization', model, count(*), NULL, sum(input_tokens), sum(output_tokens), round(sum(estimated_cost_usd), 12)
         FROM {normalization} GROUP BY ALL
       ) AS expected FULL OUTER JOIN (
         SELECT day, source, model, items, users, input_tokens, output_tokens, round(estimated_cost_usd, 12) AS cost FROM {by_model_day}
       ) AS actual USING (day, source, model)
       WHERE expected.items IS DISTINCT FROM actual.items OR expected.users IS DISTINCT FROM actual.users
          OR expected.input_tokens IS DISTINCT FROM actual.input_tokens OR expected.output_tokens IS DISTINCT FROM actual.output_tokens
          OR expected.cost IS DISTINCT FROM actual.cost`,
    );
    expect(Number(byModel[0]?.differences)).toBe(0);

    const normalization = await query(root, `SELECT day, model, items, input_tokens, estimated_cost_usd FROM {by_model_day} WHERE source = 'normalization' ORDER BY day`);
    expect(normalization).toEqual([
      { day: '2025-03-02', model: DEFAULT_MODEL, items: '1', input_tokens: '1000', estimated_cost_usd: 0.000375 },
      { day: '2025-03-04', model: DEFAULT_MODEL, items: '1', input_tokens: '5000', estimated_cost_usd: 0.002125 },
    ]);
  });
});

describe('incremental runs', () => {
  const items = generateChatItems(1200, 5, { days: 10 });
  const cutoff = Date.UTC(2025, 2, 6, 5);
  const older = items.filter((item) => typeof item.CreateTime === 'number' && item.CreateTime < cutoff);

  it('a second run reads only the items newer than the watermark and ends as one run over everything', async () => {
    const { root, bucket } = await newBucket();
    const first = await run(bucket, older, { lateArrivalMs: 0 }).report;
    const watermark = Math.max(...older.map((item) => itemTimeOf(item) ?? 0));
    expect(first.watermark).toEqual({ before: null, after: watermark, readAfter: null });
    expect(JSON.parse((await bucket.getText(`token-costs/${WATERMARK_FILE}`)) ?? '{}')).toMatchObject({ chatItemTime: watermark });

    const second = run(bucket, items, { lateArrivalMs: 0 });
    const report = await second.report;
    const newer = items.filter((item) => (itemTimeOf(item) ?? 0) > watermark);
    expect(newer.some((item) => (createTimeOf(item) ?? 0) < cutoff)).toBe(false);
    expect(second.chat.itemsRead).toBe(newer.length);
    expect(report.itemsRead).toBe(newer.length);
    expect(report.watermark).toMatchObject({ before: watermark, readAfter: watermark });
    expect(report.days.every((day) => day >= '2025-03-05')).toBe(true);

    const { root: onceRoot, bucket: onceBucket } = await newBucket();
    await run(onceBucket, items).report;
    const table = (folder: string) => query(folder, `SELECT * EXCLUDE (dt) FROM {conversations} ORDER BY user_id, conversation_id`);
    expect(await table(root)).toEqual(await table(onceRoot));
    const totals = (folder: string) => query(folder, `SELECT * EXCLUDE (dt) FROM {by_user_day} ORDER BY day, user_id`);
    expect(await totals(root)).toEqual(await totals(onceRoot));
  });

  it('a conversation that grew after it was read (later LastUpdateTime, same CreateTime) is read again and its row replaced', async () => {
    const { root, bucket } = await newBucket();
    const user = 'u';
    const createTime = Date.UTC(2025, 2, 1, 15);
    const conversation = (turns: number, lastUpdate: number) => ({
      PK: user,
      SK: `${user}#CONV#grows`,
      CreateTime: createTime,
      LastUpdateTime: lastUpdate,
      MessageMap: JSON.stringify(
        Object.fromEntries(Array.from({ length: turns }, (_, turn) => [`a${turn}`, { role: 'assistant', content: [{ content_type: 'text', body: 'x'.repeat(40) }], model: 'claude-v3-haiku' }])),
      ),
    });
    const other = { PK: user, SK: `${user}#CONV#other`, CreateTime: createTime + 60 * 60 * 1000 };
    await run(bucket, [conversation(1, createTime + 1000), other], { lateArrivalMs: 0 }).report;
    const grown = run(bucket, [conversation(3, createTime + 2 * 60 * 60 * 1000), other], { lateArrivalMs: 0 });
    const report = await grown.report;
    expect(grown.chat.itemsRead).toBe(1);
    expect(report).toMatchObject({ days: ['2025-03-01'], watermark: { after: createTime + 2 * 60 * 60 * 1000 } });
    expect(await query(root, `SELECT conversation_id, output_tokens FROM {conversations} ORDER BY conversation_id`)).toEqual([
      { conversation_id: 'grows', output_tokens: '30' },
      { conversation_id: 'other', output_tokens: '0' },
    ]);
  });

  it('an unreadable watermark means reading everything again, still without double counting', async () => {
    const { root, bucket } = await newBucket();
    await run(bucket, older).report;
    await bucket.putText(`token-costs/${WATERMARK_FILE}`, 'not json');
    const report = await run(bucket, older).report;
    expect(report).toMatchObject({ itemsRead: older.length, watermark: { before: null } });
    const [counts] = await query(root, `SELECT count(*) AS n FROM {conversations}`);
    expect(Number(counts?.n)).toBe(older.filter(isConversation).length);
  });

  it('a run with nothing newer reads nothing and writes no partition', async () => {
    const { bucket } = await newBucket();
    await run(bucket, older, { lateArrivalMs: 0 }).report;
    const again = run(bucket, older, { lateArrivalMs: 0 });
    const report = await again.report;
    expect(again.chat.itemsRead).toBe(0);
    expect(report).toMatchObject({ itemsRead: 0, days: [], filesWritten: 0 });
  });

  it('reads again a window before the watermark (15 minutes by default), so an item written late is not lost and nothing is counted twice', async () => {
    const { root, bucket } = await newBucket();
    const first = await run(bucket, older).report;
    const watermark = first.watermark.after ?? 0;
    const user = 'late-user';
    const late = { PK: user, SK: `${user}#CONV#late`, CreateTime: watermark - 10 * 60 * 1000, TotalPrice: 0.2 };
    const second = run(bucket, [...older, late]);
    const report = await second.report;
    expect(report.watermark.readAfter).toBe(watermark - 15 * 60 * 1000);
    expect(report.itemsRead).toBeGreaterThan(1);
    const [counts] = await query(root, `SELECT count(*) AS n, count(*) FILTER (WHERE user_id = '${user}') AS late FROM {conversations}`);
    expect(Number(counts?.late)).toBe(1);
    expect(Number(counts?.n)).toBe(older.filter(isConversation).length + 1);
  });
});

describe('idempotence on (PK, SK)', () => {
  it('re-running the same items gives byte-identical outputs and never double counts', async () => {
    const { root, bucket } = await newBucket();
    const items = generateChatItems(800, 21, { days: 4 });
    const runs = fakeRuns([runRecord('run-1', '2025-03-02T15:00:00Z', '2025-03-02T15:05:00Z', { inputTokens: 1000, outputTokens: 100, estimatedCostUSD: 0.000375 })]);
    await run(bucket, items, { runs }).report;
    const before = await parquetFiles(root, bucket);

    await rm(join(root, 'token-costs', WATERMARK_FILE));
    const report = await run(bucket, items, { runs }).report;
    expect(report.itemsRead).toBe(800);
    const after = await parquetFiles(root, bucket);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [key, bytes] of before) expect(after.get(key)?.equals(bytes), key).toBe(true);
  });

  it('an item read again with a changed MessageMap replaces its row', async () => {
    const { root, bucket } = await newBucket();
    const user = 'u';
    const item = (body: string) => ({
      PK: user,
      SK: `${user}#CONV#c1`,
      CreateTime: Date.UTC(2025, 2, 1, 15),
      MessageMap: JSON.stringify({ a: { role: 'assistant', content: [{ content_type: 'text', body }], model: 'claude-v3-haiku' } }),
    });
    await run(bucket, [item('x'.repeat(40))]).report;
    await rm(join(root, 'token-costs', WATERMARK_FILE));
    await run(bucket, [item('x'.repeat(400))]).report;
    const rows = await query(root, `SELECT output_tokens FROM {conversations}`);
    expect(rows).toEqual([{ output_tokens: '100' }]);
    const totals = await query(root, `SELECT conversations, output_tokens FROM {by_user_day}`);
    expect(totals).toEqual([{ conversations: '1', output_tokens: '100' }]);
  });
});

describe('normalization costs', () => {
  it('records each run once, replaced when its record is updated, and reads only runs finished after the watermark', async () => {
    const { root, bucket } = await newBucket();
    const r1 = runRecord('r1', '2025-03-01T15:00:00Z', '2025-03-01T15:10:00Z', { inputTokens: 100, outputTokens: 10, estimatedCostUSD: 0.1 });
    const r2Partial = { ...runRecord('r2', '2025-03-03T15:00:00Z', '2025-03-03T15:10:00Z', { inputTokens: 200, outputTokens: 20, estimatedCostUSD: 0.2 }), inProgress: true };
    const notReported = runRecord('r0', '2025-03-03T16:00:00Z', undefined, { inputTokens: 1, outputTokens: 1, estimatedCostUSD: 1 });
    const first = await run(bucket, [], { runs: fakeRuns([notReported, r2Partial, r1]) }).report;
    expect(first).toMatchObject({ normalizationRuns: 2, days: ['2025-03-01', '2025-03-03'], filesWritten: 4 });

    const r2Done = runRecord('r2', '2025-03-03T15:00:00Z', '2025-03-03T16:30:00Z', { inputTokens: 900, outputTokens: 90, estimatedCostUSD: 0.9 });
    const r3 = runRecord('r3', '2025-03-04T15:00:00Z', '2025-03-04T15:10:00Z', { inputTokens: 50, outputTokens: 5, estimatedCostUSD: 0.05 });
    const second = await run(bucket, [], { runs: fakeRuns([r3, r2Done, r1]) }).report;
    expect(second).toMatchObject({ normalizationRuns: 2, days: ['2025-03-03', '2025-03-04'] });

    expect(await query(root, `SELECT run_id, input_tokens, estimated_cost_usd, in_progress FROM {normalization} ORDER BY run_id`)).toEqual([
      { run_id: 'r1', input_tokens: '100', estimated_cost_usd: 0.1, in_progress: false },
      { run_id: 'r2', input_tokens: '900', estimated_cost_usd: 0.9, in_progress: false },
      { run_id: 'r3', input_tokens: '50', estimated_cost_usd: 0.05, in_progress: false },
    ]);
    expect(await query(root, `SELECT day, items, estimated_cost_usd FROM {by_model_day} WHERE source = 'normalization' ORDER BY day`)).toEqual([
      { day: '2025-03-01', items: '1', estimated_cost_usd: 0.1 },
      { day: '2025-03-03', items: '1', estimated_cost_usd: 0.9 },
      { day: '2025-03-04', items: '1', estimated_cost_usd: 0.05 },
    ]);
  });

  it('a day rebuilt for new chat rows keeps that day’s normalization rows in by_model_day', async () => {
    const { root, bucket } = await newBucket();
    const r1 = runRecord('r1', '2025-03-01T15:00:00Z', '2025-03-01T15:10:00Z', { inputTokens: 100, outputTokens: 10, estimatedCostUSD: 0.1 });
    await run(bucket, [], { runs: fakeRuns([r1]) }).report;
    const user = 'u';
    await run(bucket, [{ PK: user, SK: `${user}#CONV#c`, CreateTime: Date.UTC(2025, 2, 1, 18), TotalPrice: 0.3 }], { runs: fakeRuns([r1]) }).report;
    expect(await query(root, `SELECT source, items FROM {by_model_day} ORDER BY source`)).toEqual([
      { source: 'chat', items: '1' },
      { source: 'normalization', items: '1' },
    ]);
  });
});

describe('bounded memory', () => {
  it('20,000 items in pages of 500 are spooled with at most stagingFlushRows rows held, and every row lands once', async () => {
    const { root, bucket } = await newBucket();
    const items = generateChatItems(20_000, 99, { days: 45, users: 40 });
    const chat = inMemoryChatSource(items, 500);
    const report = await aggregateTokenCosts({ chat, bucket, config, stagingFlushRows: 2000 });
    expect(chat.pagesRead).toBe(40);
    expect(report.itemsRead).toBe(20_000);
    expect(report.peakStagedRows).toBeLessThanOrEqual(2000);
    expect(report.days).toHaveLength(45);

    const conversations = items.filter(isConversation);
    expect(report.conversations).toBe(conversations.length);
    const [totals] = await query(root, `SELECT count(*) AS n, count(DISTINCT (user_id, conversation_id)) AS keys, sum(output_tokens) AS output FROM {conversations}`);
    expect(Number(totals?.n)).toBe(conversations.length);
    expect(Number(totals?.keys)).toBe(conversations.length);
    const [aggregated] = await query(root, `SELECT sum(conversations) AS n, sum(output_tokens) AS output FROM {by_user_day}`);
    expect(Number(aggregated?.n)).toBe(conversations.length);
    expect(Number(aggregated?.output)).toBe(Number(totals?.output));
  }, 120_000);
});
