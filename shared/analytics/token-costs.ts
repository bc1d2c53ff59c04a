import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { estimateCost, type PriceOverrides } from '../model/model-prices.ts';
import { scanPages } from '../stores/dynamodb-table-pages.ts';
import type { ObjectStore } from '../stores/object-store.ts';
import type { RunStore } from '../stores/store-ports.ts';
import type { AnalyticsConfig } from './analytics-config.ts';
import { conversationModel, readMessageMap, type MessageMapStatus, type ModelSource } from './message-map.ts';
import { ParquetTableWriter, type ParquetColumn } from './parquet-table-writer.ts';
import { dayInTimeZone } from './time-zone-days.ts';
import { tokenCounter, type TokenCounter } from './token-counter.ts';

/**
 * Token-cost aggregation of the Bedrock Chat conversations table (ANALYTICS.md §5–§6).
 *
 * Tables, under `tokenCostsPrefix`, one `dt=YYYY-MM-DD/part-0.parquet` per day:
 * - `conversations/`: one row per conversation item (PK, SK);
 * - `by_user_day/`: chat totals per user per day;
 * - `by_model_day/`: totals per model per day, `source` = `chat` (conversations) or
 *   `normalization` (normalize-leads runs), so one query shows what each model costs in total;
 * - `normalization/`: one row per normalize-leads run, from the runs table's run records. A table
 *   of its own because its grain (a run) and columns differ from a conversation's.
 * The day is a `day` DATE column in the files and the `dt` folder (Hive partition), never a `dt`
 * column in the files, which would clash with the partition column in Glue and DuckDB.
 *
 * Day: `CreateTime` (epoch ms) as a calendar day in the config's `timeZone`, America/Bogota by
 * default (the chatbot's users are in Colombia: 2025-03-02T03:00Z is still 2025-03-01 there).
 * Normalization runs are dated by their `startedAt` the same way.
 *
 * Tokens: each text fragment counted with `costTokenizer` (chars/4 by default, §6). Model: Bedrock
 * Chat stores short names (`claude-v3-haiku`); `modelAliases` resolves them to Bedrock ids for
 * pricing. `model` keeps the stored name, `model_id` the resolved id (the name itself when it has
 * no alias). A price configured under the stored name wins over the id's; a model priced nowhere
 * costs 0 with `priced` false, its tokens kept.
 *
 * Incremental and idempotent: `<tokenCostsPrefix>_watermark.json` holds the largest item time read
 * (and the last normalization run's `finishedAt`). An item's time is its `CreateTime`, or its
 * `LastUpdateTime` when later: Bedrock Chat writes the whole item again on every new message while
 * `CreateTime` stays, so a CreateTime-only watermark would never see the later turns of a
 * conversation it had read once. A run scans only items whose `CreateTime` or `LastUpdateTime` is
 * greater than the watermark minus `lateArrivalMs` (default 15 minutes: Bedrock Chat writes an item
 * after its answer, so an item can land after a later one was read). Items without
 * `LastUpdateTime` are read by `CreateTime` alone. Rows are keyed
 * by (PK, SK): every day a run touches is rebuilt from that day's stored rows with the new rows
 * replacing those of the same key, so reading an item twice never counts it twice. The watermark
 * is written last: a run that fails before it is simply repeated.
 *
 * Bounded memory: pages of items are turned into rows at once and rows are spooled to one local
 * JSONL file per day (at most `stagingFlushRows` rows held before they are appended); then the
 * touched days are rebuilt one at a time. Memory holds one page, the spool buffer and one day's
 * rows, never the table: 100,000 items over a few weeks need a few megabytes.
 */

export const DEFAULT_LATE_ARRIVAL_MS = 15 * 60 * 1000;
export const DEFAULT_NORMALIZATION_RUN_LIMIT = 1000;
const DEFAULT_STAGING_FLUSH_ROWS = 5000;

export const TOKEN_COST_TABLES = {
  conversations: 'conversations/',
  byUserDay: 'by_user_day/',
  byModelDay: 'by_model_day/',
  normalization: 'normalization/',
} as const;
type TokenCostTable = keyof typeof TOKEN_COST_TABLES;

export const WATERMARK_FILE = '_watermark.json';

export type ChatItem = Record<string, unknown>;

export const CONVERSATION_COLUMNS: readonly ParquetColumn[] = [
  { name: 'day', type: 'DATE' },
  { name: 'created_at', type: 'TIMESTAMP' },
  { name: 'user_id', type: 'STRING' },
  { name: 'conversation_id', type: 'STRING' },
  { name: 'model', type: 'STRING' },
  { name: 'model_id', type: 'STRING' },
  { name: 'model_source', type: 'STRING' },
  { name: 'input_tokens', type: 'INT64' },
  { name: 'output_tokens', type: 'INT64' },
  { name: 'estimated_cost_usd', type: 'DOUBLE' },
  { name: 'priced', type: 'BOOLEAN' },
  { name: 'recorded_price_usd', type: 'DOUBLE' },
  { name: 'message_map_status', type: 'STRING' },
  { name: 'non_text_parts', type: 'INT64' },
];

export const BY_USER_DAY_COLUMNS: readonly ParquetColumn[] = [
  { name: 'day', type: 'DATE' },
  { name: 'user_id', type: 'STRING' },
  { name: 'conversations', type: 'INT64' },
  { name: 'input_tokens', type: 'INT64' },
  { name: 'output_tokens', type: 'INT64' },
  { name: 'estimated_cost_usd', type: 'DOUBLE' },
  { name: 'recorded_price_usd', type: 'DOUBLE' },
  { name: 'unpriced_conversations', type: 'INT64' },
];

export const BY_MODEL_DAY_COLUMNS: readonly ParquetColumn[] = [
  { name: 'day', type: 'DATE' },
  { name: 'source', type: 'STRING' },
  { name: 'model', type: 'STRING' },
  { name: 'model_id', type: 'STRING' },
  { name: 'items', type: 'INT64' },
  { name: 'users', type: 'INT64' },
  { name: 'input_tokens', type: 'INT64' },
  { name: 'output_tokens', type: 'INT64' },
  { name: 'estimated_cost_usd', type: 'DOUBLE' },
  { name: 'recorded_price_usd', type: 'DOUBLE' },
  { name: 'unpriced_items', type: 'INT64' },
];

export const NORMALIZATION_COLUMNS: readonly ParquetColumn[] = [
  { name: 'day', type: 'DATE' },
  { name: 'run_id', type: 'STRING' },
  { name: 'started_at', type: 'TIMESTAMP' },
  { name: 'finished_at', type: 'TIMESTAMP' },
  { name: 'status', type: 'STRING' },
  { name: 'provider', type: 'STRING' },
  { name: 'model', type: 'STRING' },
  { name: 'model_calls', type: 'INT64' },
  { name: 'input_tokens', type: 'INT64' },
  { name: 'output_tokens', type: 'INT64' },
  { name: 'estimated_cost_usd', type: 'DOUBLE' },
  { name: 'dry_run', type: 'BOOLEAN' },
  { name: 'in_progress', type: 'BOOLEAN' },
];

export type ConversationStatus = MessageMapStatus | 'offloaded';

export interface ConversationCostRow {
  day: string;
  /** CreateTime, epoch ms. */
  created_at: number;
  user_id: string;
  conversation_id: string;
  /** The model name as the chat stored it (or the configured default). */
  model: string;
  /** The Bedrock model id it resolves to through `modelAliases`; the name itself when it has no alias. */
  model_id: string;
  model_source: ModelSource;
  input_tokens: number;
  output_tokens: number;
  estimated_cost_usd: number;
  /** false: the model has no configured or listed price, the estimate is 0. */
  priced: boolean;
  /** The item's own `TotalPrice`; null when it has none. */
  recorded_price_usd: number | null;
  /** `ok`, why no text was read, or `offloaded` (Bedrock Chat moved a large map to S3: only `system` is counted). */
  message_map_status: ConversationStatus;
  non_text_parts: number;
}

export interface UserDayRow {
  day: string;
  user_id: string;
  conversations: number;
  input_tokens: number;
  output_tokens: number;
  estimated_cost_usd: number;
  recorded_price_usd: number | null;
  unpriced_conversations: number;
}

export type CostSource = 'chat' | 'normalization';

export interface ModelDayRow {
  day: string;
  source: CostSource;
  /** Null for normalization runs that used no model. */
  model: string | null;
  /** Resolved id (chat); the run's model id (normalization). Group by it to total a model across sources. */
  model_id: string | null;
  /** Conversations (chat) or runs (normalization). */
  items: number;
  /** Distinct users (chat); null for normalization. */
  users: number | null;
  input_tokens: number;
  output_tokens: number;
  estimated_cost_usd: number;
  recorded_price_usd: number | null;
  /** Chat conversations whose model has no price; null for normalization (priced when the run ran). */
  unpriced_items: number | null;
}

export interface NormalizationCostRow {
  day: string;
  run_id: string;
  started_at: number;
  finished_at: number | null;
  status: string | null;
  provider: string | null;
  model: string | null;
  model_calls: number;
  input_tokens: number;
  output_tokens: number;
  /** As the run recorded it, priced with the normalization config's prices when it ran. */
  estimated_cost_usd: number;
  dry_run: boolean | null;
  in_progress: boolean;
}

export type TokenCostConfig = Pick<AnalyticsConfig, 'prices' | 'defaultModel' | 'modelAliases' | 'costTokenizer' | 'timeZone'>;

export interface TokenCostSettings {
  prices: PriceOverrides;
  defaultModel: string;
  modelAliases: Readonly<Record<string, string>>;
  countTokens: TokenCounter;
  timeZone: string;
}

export function tokenCostSettings(config: TokenCostConfig): TokenCostSettings {
  return {
    prices: config.prices,
    defaultModel: config.defaultModel,
    modelAliases: config.modelAliases,
    countTokens: tokenCounter(config.costTokenizer),
    timeZone: config.timeZone,
  };
}

/** The Bedrock model id of a stored model name: its alias, else the name itself. */
export function resolveModelId(model: string, aliases: Readonly<Record<string, string>>): string {
  return Object.hasOwn(aliases, model) ? (aliases[model] ?? model) : model;
}

const CONVERSATION_MARK = '#CONV#';

/** User and conversation of a conversation item (`SK` = `<PK>#CONV#<conversation_id>`); undefined for any other item. */
export function conversationKey(pk: unknown, sk: unknown): { userId: string; conversationId: string } | undefined {
  if (typeof pk !== 'string' || pk === '' || typeof sk !== 'string') return undefined;
  const prefix = pk + CONVERSATION_MARK;
  if (!sk.startsWith(prefix)) return undefined;
  const conversationId = sk.slice(prefix.length);
  if (conversationId === '' || conversationId.includes('#')) return undefined;
  return { userId: pk, conversationId };
}

function finiteNumber(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : undefined;
}

const epochMs = (value: unknown): number | undefined => {
  const time = finiteNumber(value);
  return time !== undefined && time > 0 ? Math.trunc(time) : undefined;
};

/** `CreateTime` as epoch ms, when it is a positive number. */
export const createTimeOf = (item: ChatItem): number | undefined => epochMs(item.CreateTime);

/** When the item last changed: `LastUpdateTime` when later than `CreateTime`, else `CreateTime` (what the watermark tracks). */
export function itemTimeOf(item: ChatItem): number | undefined {
  const created = createTimeOf(item);
  const updated = epochMs(item.LastUpdateTime);
  if (updated === undefined) return created;
  return created === undefined ? updated : Math.max(created, updated);
}

const sumTokens = (fragments: readonly string[], countTokens: TokenCounter): number =>
  fragments.reduce((total, fragment) => total + countTokens(fragment), 0);

export type ItemOutcome =
  | { kind: 'conversation'; row: ConversationCostRow }
  | { kind: 'ignored'; reason: 'not-a-conversation' | 'no-create-time' };

/**
 * One chat item as a conversation row. Everything comes from this item alone: an item without a
 * usable MessageMap has no tokens, the default model and its own TotalPrice (or none).
 */
export function conversationCostRow(item: ChatItem, settings: TokenCostSettings): ItemOutcome {
  const key = conversationKey(item.PK, item.SK);
  if (!key) return { kind: 'ignored', reason: 'not-a-conversation' };
  const createdAt = createTimeOf(item);
  if (createdAt === undefined) return { kind: 'ignored', reason: 'no-create-time' };

  const text = readMessageMap(item.MessageMap);
  const { model, source } = conversationModel(text, settings.defaultModel);
  const modelId = resolveModelId(model, settings.modelAliases);
  const inputTokens = sumTokens(text.input, settings.countTokens);
  const outputTokens = sumTokens(text.output, settings.countTokens);
  const cost = estimateCost(Object.hasOwn(settings.prices, model) ? model : modelId, inputTokens, outputTokens, settings.prices);
  return {
    kind: 'conversation',
    row: {
      day: dayInTimeZone(createdAt, settings.timeZone),
      created_at: createdAt,
      user_id: key.userId,
      conversation_id: key.conversationId,
      model,
      model_id: modelId,
      model_source: source,
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      estimated_cost_usd: cost.costUSD,
      priced: cost.priced,
      recorded_price_usd: finiteNumber(item.TotalPrice) ?? null,
      message_map_status: text.status === 'ok' && item.IsLargeMessage === true ? 'offloaded' : text.status,
      non_text_parts: text.nonTextParts,
    },
  };
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const count = (value: unknown): number => {
  const number = finiteNumber(value);
  return number !== undefined && number > 0 ? number : 0;
};

/** A normalize-leads run record (RunSummary) as a cost row; undefined when it has no run id or start time. */
export function normalizationCostRow(run: Record<string, unknown>, timeZone: string): NormalizationCostRow | undefined {
  const runId = stringOrNull(run.runId);
  const startedAt = typeof run.startedAt === 'string' ? Date.parse(run.startedAt) : Number.NaN;
  if (runId === null || Number.isNaN(startedAt)) return undefined;
  const finishedAt = typeof run.finishedAt === 'string' ? Date.parse(run.finishedAt) : Number.NaN;
  const model = typeof run.model === 'object' && run.model !== null ? (run.model as Record<string, unknown>) : {};
  return {
    day: dayInTimeZone(startedAt, timeZone),
    run_id: runId,
    started_at: startedAt,
    finished_at: Number.isNaN(finishedAt) ? null : finishedAt,
    status: stringOrNull(run.status),
    provider: stringOrNull(model.provider),
    model: stringOrNull(model.modelId),
    model_calls: count(model.calls),
    input_tokens: count(model.inputTokens),
    output_tokens: count(model.outputTokens),
    estimated_cost_usd: count(model.estimatedCostUSD),
    dry_run: typeof run.dryRun === 'boolean' ? run.dryRun : null,
    in_progress: run.inProgress === true,
  };
}

const addRecorded = (total: number | null, price: number | null): number | null => (price === null ? total : (total ?? 0) + price);

const byText = (left: string, right: string) => (left < right ? -1 : left > right ? 1 : 0);

/** Chat totals per user of one day's conversation rows, by user id. */
export function aggregateByUserDay(rows: Iterable<ConversationCostRow>): UserDayRow[] {
  const totals = new Map<string, UserDayRow>();
  for (const row of rows) {
    const key = `${row.day}\u0000${row.user_id}`;
    let total = totals.get(key);
    if (!total) {
      total = {
        day: row.day,
        user_id: row.user_id,
        conversations: 0,
        input_tokens: 0,
        output_tokens: 0,
        estimated_cost_usd: 0,
        recorded_price_usd: null,
        unpriced_conversations: 0,
      };
      totals.set(key, total);
    }
    total.conversations += 1;
    total.input_tokens += row.input_tokens;
    total.output_tokens += row.output_tokens;
    total.estimated_cost_usd += row.estimated_cost_usd;
    total.recorded_price_usd = addRecorded(total.recorded_price_usd, row.recorded_price_usd);
    if (!row.priced) total.unpriced_conversations += 1;
  }
  return [...totals.values()].sort((left, right) => byText(left.day, right.day) || byText(left.user_id, right.user_id));
}

/** Totals per model of conversation rows (source `chat`) and normalization runs (source `normalization`). */
export function aggregateByModelDay(conversations: Iterable<ConversationCostRow>, runs: Iterable<NormalizationCostRow> = []): ModelDayRow[] {
  const totals = new Map<string, { row: ModelDayRow; users: Set<string> }>();
  const totalFor = (day: string, source: CostSource, model: string | null, modelId: string | null) => {
    const key = JSON.stringify([day, source, model, modelId]);
    let total = totals.get(key);
    if (!total) {
      total = {
        row: {
          day,
          source,
          model,
          model_id: modelId,
          items: 0,
          users: source === 'chat' ? 0 : null,
          input_tokens: 0,
          output_tokens: 0,
          estimated_cost_usd: 0,
          recorded_price_usd: null,
          unpriced_items: source === 'chat' ? 0 : null,
        },
        users: new Set(),
      };
      totals.set(key, total);
    }
    return total;
  };
  for (const conversation of conversations) {
    const { row, users } = totalFor(conversation.day, 'chat', conversation.model, conversation.model_id);
    row.items += 1;
    users.add(conversation.user_id);
    row.users = users.size;
    row.input_tokens += conversation.input_tokens;
    row.output_tokens += conversation.output_tokens;
    row.estimated_cost_usd += conversation.estimated_cost_usd;
    row.recorded_price_usd = addRecorded(row.recorded_price_usd, conversation.recorded_price_usd);
    if (!conversation.priced) row.unpriced_items = (row.unpriced_items ?? 0) + 1;
  }
  for (const run of runs) {
    const { row } = totalFor(run.day, 'normalization', run.model, run.model);
    row.items += 1;
    row.input_tokens += run.input_tokens;
    row.output_tokens += run.output_tokens;
    row.estimated_cost_usd += run.estimated_cost_usd;
  }
  return [...totals.values()]
    .map((total) => total.row)
    .sort(
      (left, right) =>
        byText(left.day, right.day) ||
        byText(left.source, right.source) ||
        byText(left.model ?? '', right.model ?? '') ||
        byText(left.model_id ?? '', right.model_id ?? ''),
    );
}

export interface ChatItemSource {
  /** Every item whose `CreateTime` or `LastUpdateTime` is greater than `after` (every item when undefined), page by page. */
  pages(after: number | undefined): AsyncIterable<readonly ChatItem[]>;
}

/** The Bedrock Chat table, scanned page by page; after a watermark only items changed since are read (a Scan filter). */
export function createDynamoDbChatSource(options: { client: DynamoDBDocumentClient; tableName: string; pageSize?: number }): ChatItemSource {
  return {
    pages: (after) =>
      scanPages({
        client: options.client,
        tableName: options.tableName,
        ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
        ...(after === undefined
          ? {}
          : {
              filter: {
                expression: '#createTime > :after OR #lastUpdateTime > :after',
                names: { '#createTime': 'CreateTime', '#lastUpdateTime': 'LastUpdateTime' },
                values: { ':after': after },
              },
            }),
      }),
  };
}

export interface TokenCostsWatermark {
  /** Largest item time (`CreateTime`, or `LastUpdateTime` when later) read so far; null before the first run. */
  chatItemTime: number | null;
  /** Latest `finishedAt` of the normalization runs read so far. */
  normalizationFinishedAt: string | null;
  updatedAt: string;
}

export interface AggregateTokenCostsOptions {
  chat: ChatItemSource;
  /** The normalize-leads runs table; normalization costs are left out when absent. */
  runs?: Pick<RunStore, 'listRuns'>;
  bucket: ObjectStore;
  config: TokenCostConfig & Pick<AnalyticsConfig, 'tokenCostsPrefix'>;
  /** How far before the watermark a run reads again, for items written late. */
  lateArrivalMs?: number;
  /** Latest normalization runs looked at per run. */
  normalizationRunLimit?: number;
  /** Rows held before they are appended to the day spool files. */
  stagingFlushRows?: number;
  rowGroupSize?: number;
  now?: () => Date;
}

export interface TokenCostsReport {
  itemsRead: number;
  conversations: number;
  ignored: { notConversation: number; noCreateTime: number };
  /** Conversations per message map status (`ok`, `missing`, `invalid-json`, …). */
  messageMaps: Partial<Record<ConversationStatus, number>>;
  normalizationRuns: number;
  /** Days whose partitions were rebuilt, sorted. */
  days: string[];
  filesWritten: number;
  watermark: { before: number | null; after: number | null; readAfter: number | null };
  /** Most rows held in memory while spooling (≤ stagingFlushRows). */
  peakStagedRows: number;
}

export const partitionKey = (prefix: string, table: TokenCostTable, day: string): string =>
  `${prefix}${TOKEN_COST_TABLES[table]}dt=${day}/part-0.parquet`;

async function readWatermark(bucket: ObjectStore, key: string): Promise<TokenCostsWatermark | undefined> {
  const text = await bucket.getText(key);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<TokenCostsWatermark>;
    return {
      chatItemTime: typeof parsed.chatItemTime === 'number' && Number.isFinite(parsed.chatItemTime) ? parsed.chatItemTime : null,
      normalizationFinishedAt: typeof parsed.normalizationFinishedAt === 'string' ? parsed.normalizationFinishedAt : null,
      updatedAt: typeof parsed.updatedAt === 'string' ? parsed.updatedAt : '',
    };
  } catch {
    // An unreadable watermark means reading everything again, which idempotence makes safe.
    return undefined;
  }
}

/** Values as hyparquet returns them (Date, bigint) back to the row shapes. */
function rowFromParquet(columns: readonly ParquetColumn[], record: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const column of columns) {
    const value = record[column.name];
    if (value === null || value === undefined) row[column.name] = null;
    else if (column.type === 'DATE') row[column.name] = (value instanceof Date ? value : new Date(String(value))).toISOString().slice(0, 10);
    else if (column.type === 'TIMESTAMP') row[column.name] = value instanceof Date ? value.getTime() : Number(value);
    else if (column.type === 'INT64' || column.type === 'INT32' || column.type === 'DOUBLE') row[column.name] = Number(value);
    else row[column.name] = value;
  }
  return row;
}

/**
 * Builds the token-cost tables for the items newer than the watermark (and the normalization runs
 * finished since the last run), then moves the watermark. See the module comment for the design.
 */
export async function aggregateTokenCosts(options: AggregateTokenCostsOptions): Promise<TokenCostsReport> {
  const { bucket, config } = options;
  const settings = tokenCostSettings(config);
  const prefix = config.tokenCostsPrefix;
  const lateArrivalMs = Math.max(0, options.lateArrivalMs ?? DEFAULT_LATE_ARRIVAL_MS);
  const flushRows = Math.max(1, options.stagingFlushRows ?? DEFAULT_STAGING_FLUSH_ROWS);
  const now = options.now ?? (() => new Date());
  const watermarkKey = `${prefix}${WATERMARK_FILE}`;
  const watermark = await readWatermark(bucket, watermarkKey);
  const before = watermark?.chatItemTime ?? null;
  const readAfter = before === null ? null : before - lateArrivalMs;

  const workDir = await mkdtemp(join(tmpdir(), 'token-costs-'));
  const report: TokenCostsReport = {
    itemsRead: 0,
    conversations: 0,
    ignored: { notConversation: 0, noCreateTime: 0 },
    messageMaps: {},
    normalizationRuns: 0,
    days: [],
    filesWritten: 0,
    watermark: { before, after: before, readAfter },
    peakStagedRows: 0,
  };
  try {
    const spool = new DaySpool(join(workDir, 'spool'), flushRows);
    await mkdir(join(workDir, 'spool'));
    let maxItemTime = before;
    for await (const page of options.chat.pages(readAfter ?? undefined)) {
      for (const item of page) {
        report.itemsRead += 1;
        const itemTime = itemTimeOf(item);
        if (itemTime !== undefined && (maxItemTime === null || itemTime > maxItemTime)) maxItemTime = itemTime;
        const outcome = conversationCostRow(item, settings);
        if (outcome.kind === 'ignored') {
          if (outcome.reason === 'not-a-conversation') report.ignored.notConversation += 1;
          else report.ignored.noCreateTime += 1;
          continue;
        }
        report.conversations += 1;
        const status = outcome.row.message_map_status;
        report.messageMaps[status] = (report.messageMaps[status] ?? 0) + 1;
        await spool.add(outcome.row.day, outcome.row);
      }
    }
    await spool.flush();
    report.peakStagedRows = spool.peak;

    const runRows = await newNormalizationRows(options, settings.timeZone, watermark?.normalizationFinishedAt ?? null);
    report.normalizationRuns = runRows.rows.length;
    const runsByDay = new Map<string, NormalizationCostRow[]>();
    for (const row of runRows.rows) {
      const ofDay = runsByDay.get(row.day);
      if (ofDay) ofDay.push(row);
      else runsByDay.set(row.day, [row]);
    }

    const days = [...new Set([...spool.days, ...runsByDay.keys()])].sort();
    const partitions = new PartitionFiles(bucket, prefix, workDir, options.rowGroupSize);
    for (const day of days) {
      const chatChanged = spool.days.has(day);
      const conversations = await partitions.read<ConversationCostRow>('conversations', day, CONVERSATION_COLUMNS);
      const byConversation = new Map(conversations.map((row) => [conversationRowKey(row), row]));
      for (const row of await spool.rows(day)) byConversation.set(conversationRowKey(row), row);
      const conversationRows = [...byConversation.values()].sort(
        (left, right) => byText(left.user_id, right.user_id) || byText(left.conversation_id, right.conversation_id),
      );

      const newRuns = runsByDay.get(day);
      const runs = await partitions.read<NormalizationCostRow>('normalization', day, NORMALIZATION_COLUMNS);
      const byRun = new Map(runs.map((row) => [row.run_id, row]));
      for (const row of newRuns ?? []) byRun.set(row.run_id, row);
      const runRowsOfDay = [...byRun.values()].sort((left, right) => left.started_at - right.started_at || byText(left.run_id, right.run_id));

      if (chatChanged) {
        await partitions.write('conversations', day, CONVERSATION_COLUMNS, conversationRows);
        await partitions.write('byUserDay', day, BY_USER_DAY_COLUMNS, aggregateByUserDay(conversationRows));
      }
      if (newRuns) await partitions.write('normalization', day, NORMALIZATION_COLUMNS, runRowsOfDay);
      await partitions.write('byModelDay', day, BY_MODEL_DAY_COLUMNS, aggregateByModelDay(conversationRows, runRowsOfDay));
    }
    report.days = days;
    report.filesWritten = partitions.written;
    report.watermark.after = maxItemTime;

    const next: TokenCostsWatermark = {
      chatItemTime: maxItemTime,
      normalizationFinishedAt: runRows.latestFinishedAt ?? watermark?.normalizationFinishedAt ?? null,
      updatedAt: now().toISOString(),
    };
    await bucket.putText(watermarkKey, `${JSON.stringify(next, null, 2)}\n`, 'application/json');
    return report;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

const conversationRowKey = (row: Pick<ConversationCostRow, 'user_id' | 'conversation_id'>) => `${row.user_id}\u0000${row.conversation_id}`;

/** Runs finished after the watermark, among the latest `normalizationRunLimit` runs. */
async function newNormalizationRows(
  options: AggregateTokenCostsOptions,
  timeZone: string,
  finishedAfter: string | null,
): Promise<{ rows: NormalizationCostRow[]; latestFinishedAt: string | null }> {
  if (!options.runs) return { rows: [], latestFinishedAt: null };
  const after = finishedAfter === null ? Number.NEGATIVE_INFINITY : Date.parse(finishedAfter);
  const runs = await options.runs.listRuns(options.normalizationRunLimit ?? DEFAULT_NORMALIZATION_RUN_LIMIT);
  const rows: NormalizationCostRow[] = [];
  let latest: number | null = null;
  for (const run of runs) {
    const row = normalizationCostRow(run, timeZone);
    // A run without finishedAt has not reported yet; a later run will read it.
    if (!row || row.finished_at === null || !(row.finished_at > after)) continue;
    rows.push(row);
    if (latest === null || row.finished_at > latest) latest = row.finished_at;
  }
  return { rows, latestFinishedAt: latest === null ? null : new Date(latest).toISOString() };
}

/** Conversation rows spooled to one JSONL file per day, at most `flushRows` held in memory. */
class DaySpool {
  readonly days = new Set<string>();
  peak = 0;
  private buffered = new Map<string, string[]>();
  private bufferedRows = 0;
  private readonly folder: string;
  private readonly flushRows: number;

  constructor(folder: string, flushRows: number) {
    this.folder = folder;
    this.flushRows = flushRows;
  }

  private fileOf(day: string): string {
    return join(this.folder, `${day}.jsonl`);
  }

  async add(day: string, row: ConversationCostRow): Promise<void> {
    this.days.add(day);
    const lines = this.buffered.get(day);
    if (lines) lines.push(JSON.stringify(row));
    else this.buffered.set(day, [JSON.stringify(row)]);
    this.bufferedRows += 1;
    this.peak = Math.max(this.peak, this.bufferedRows);
    if (this.bufferedRows >= this.flushRows) await this.flush();
  }

  async flush(): Promise<void> {
    for (const [day, lines] of this.buffered) await appendFile(this.fileOf(day), `${lines.join('\n')}\n`);
    this.buffered = new Map();
    this.bufferedRows = 0;
  }

  async rows(day: string): Promise<ConversationCostRow[]> {
    if (!this.days.has(day)) return [];
    const text = await readFile(this.fileOf(day), 'utf8');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as ConversationCostRow);
  }
}

/** Reads and writes the day partitions of the token-cost tables through local temporary files. */
class PartitionFiles {
  written = 0;
  private readonly bucket: ObjectStore;
  private readonly prefix: string;
  private readonly workDir: string;
  private readonly rowGroupSize: number | undefined;

  constructor(bucket: ObjectStore, prefix: string, workDir: string, rowGroupSize: number | undefined) {
    this.bucket = bucket;
    this.prefix = prefix;
    this.workDir = workDir;
    this.rowGroupSize = rowGroupSize;
  }

  private localFile(): string {
    return join(this.workDir, `${randomUUID()}.parquet`);
  }

  async read<Row>(table: TokenCostTable, day: string, columns: readonly ParquetColumn[]): Promise<Row[]> {
    const local = this.localFile();
    if (!(await this.bucket.getFile(partitionKey(this.prefix, table, day), local))) return [];
    try {
      const records = await parquetReadObjects({ file: await asyncBufferFromFile(local) });
      return records.map((record) => rowFromParquet(columns, record) as Row);
    } finally {
      await rm(local, { force: true });
    }
  }

  async write(table: TokenCostTable, day: string, columns: readonly ParquetColumn[], rows: readonly object[]): Promise<void> {
    const local = this.localFile();
    try {
      const writer = new ParquetTableWriter(local, columns, this.rowGroupSize === undefined ? {} : { rowGroupSize: this.rowGroupSize });
      for (const row of rows) await writer.write(row as Record<string, unknown>);
      await writer.close();
      await this.bucket.putFile(partitionKey(this.prefix, table, day), local, 'application/vnd.apache.parquet');
      this.written += 1;
    } finally {
      await rm(local, { force: true });
    }
  }
}
