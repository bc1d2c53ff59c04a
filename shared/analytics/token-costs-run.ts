import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import type { ChatItemSource } from '#shared/stores/chat-item-source.ts';
import type { ObjectStore } from '#shared/stores/object-store.ts';
import type { RunStore } from '#shared/stores/store-ports.ts';
import type { AnalyticsConfig } from './analytics-config.ts';
import { ParquetTableWriter, type ParquetColumn } from './parquet-table-writer.ts';
import { aggregateByModelDay, aggregateByUserDay, byText } from './token-cost-aggregates.ts';
import { conversationCostRow, itemTimeOf, normalizationCostRow, tokenCostSettings, type TokenCostConfig } from './token-cost-rows.ts';
import {
  BY_MODEL_DAY_COLUMNS,
  BY_USER_DAY_COLUMNS,
  CONVERSATION_COLUMNS,
  NORMALIZATION_COLUMNS,
  partitionKey,
  WATERMARK_FILE,
  type ConversationCostRow,
  type ConversationStatus,
  type NormalizationCostRow,
  type TokenCostTable,
} from './token-cost-schema.ts';

/**
 * The token-cost run (ANALYTICS.md §6): chat items and normalization runs → the day partitions of
 * the token-cost tables (token-cost-schema.ts), rows built by token-cost-rows.ts and totalled by
 * token-cost-aggregates.ts.
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
