import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { generateChatItems } from '#shared/samples/chat-item-generator.ts';
import { generateConversationItems } from '#shared/samples/conversation-generator.ts';
import { runAnalyticsLocally, startLocalAnalytics, type LocalAnalyticsEnvironment } from '#infra/local/local-analytics.ts';
import { openLocalCatalog } from '#infra/local/local-catalog.ts';
import { DEFAULT_DATA_DIR } from '#infra/local/local-runtime.ts';
import { renderAnalyticsReport, type AnalyticsReportData } from '#shared/analytics/analytics-report.ts';
import { itemFromJson } from '#shared/io/dynamodb-json.ts';
import { batchPutAll } from '#shared/stores/dynamodb-batches.ts';
import { seedItems } from '#shared/stores/dynamodb-seeding.ts';
import type { SeedRecord } from '#shared/stores/store-ports.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { scanPages } from '#shared/stores/dynamodb-table-pages.ts';
import { formatAnalyticsSummary } from './analytics-summary.ts';
import { checkDataDir } from './data-dir.ts';
import { checkInputFile } from './file-arguments.ts';
import { formatSeedCounts, reportRejectedLines, type SeedCounts, type SeedResult } from './seed-command.ts';

const SAMPLE_USERS = 200;
const SAMPLE_CHAT_ITEMS = 1_500;

async function isEmpty(local: LocalAnalyticsEnvironment, tableName: string): Promise<boolean> {
  for await (const page of scanPages({ client: local.db.documentClient, tableName, pageSize: 1 })) return page.length === 0;
  return true;
}

/** Source tables key on `PK` and `SK` strings, as the chatbot defines them. */
const SOURCE_KEY = { partitionKey: 'PK', sortKey: 'SK' } as const;
const SEED_CHUNK = 100;
const MAX_LISTED_REJECTIONS = 1_000;

/**
 * Loads JSON lines (plain or DynamoDB-typed) into a local source table as `normflow seed` loads
 * leads: an identical item is left alone, a different one replaced (or kept with `insertOnly`), a
 * line that is not an item, repeats an earlier key or holds what DynamoDB would refuse is
 * rejected with its number, and every other line loads.
 */
export async function seedSourceTable(
  local: LocalAnalyticsEnvironment,
  tableName: string,
  path: string,
  options: { insertOnly?: boolean } = {},
): Promise<SeedResult> {
  const counts: SeedCounts = { inserted: 0, updated: 0, unchanged: 0, kept: 0, rejected: 0 };
  const rejected: SeedResult['rejected'] = [];
  const reject = (line: number, reason: string) => {
    counts.rejected += 1;
    if (rejected.length < MAX_LISTED_REJECTIONS) rejected.push({ line, reason });
  };
  const firstLineOf = new Map<string, number>();
  let chunk: SeedRecord[] = [];
  const flush = async () => {
    const outcomes = await seedItems({ client: local.db.documentClient, tableName, key: SOURCE_KEY }, chunk, { insertOnly: options.insertOnly ?? false });
    for (const outcome of outcomes) {
      if (outcome.outcome === 'rejected') reject(outcome.line, outcome.reason);
      else counts[outcome.outcome] += 1;
    }
    chunk = [];
  };

  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    line += 1;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line === 1 ? text.replace(/^\uFEFF/, '') : text);
    } catch {
      reject(line, 'not valid JSON');
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      reject(line, 'not a JSON object');
      continue;
    }
    let item: Record<string, unknown>;
    try {
      item = itemFromJson(parsed as Record<string, unknown>);
    } catch (error) {
      reject(line, `not a DynamoDB item: ${(error as Error).message}`);
      continue;
    }
    if (typeof item.PK !== 'string' || typeof item.SK !== 'string' || item.PK === '' || item.SK === '') {
      reject(line, 'an item needs string PK and SK');
      continue;
    }
    const key = JSON.stringify([item.PK, item.SK]);
    const firstLine = firstLineOf.get(key);
    if (firstLine !== undefined) {
      reject(line, `same PK and SK as line ${firstLine}`);
      continue;
    }
    firstLineOf.set(key, line);
    chunk.push({ line, item });
    if (chunk.length >= SEED_CHUNK) await flush();
  }
  if (chunk.length > 0) await flush();
  rejected.sort((a, b) => a.line - b.line);
  return { counts, rejected };
}

async function withLocalAnalytics<T>(dataDir: string, work: (local: LocalAnalyticsEnvironment) => Promise<T>): Promise<T> {
  const local = await startLocalAnalytics({ dataDir });
  Object.assign(process.env, local.env, { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  try {
    return await work(local);
  } finally {
    await local.close();
  }
}

async function query(catalogPath: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const catalog = await openLocalCatalog(catalogPath);
  try {
    return (await catalog.connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
  } catch {
    // A table not registered yet (no data): its chart says so.
    return [];
  } finally {
    catalog.close();
  }
}

/** The report's figures, from the local catalog and the normalization runs table. */
export async function collectReportData(local: LocalAnalyticsEnvironment): Promise<AnalyticsReportData> {
  const perDay = await query(local.catalogPath, `SELECT CAST("timestamp" AS DATE)::VARCHAR AS day, count(*) AS n FROM exchanges WHERE dt = (SELECT max(dt) FROM (SELECT DISTINCT dt FROM exchanges) AS partitions) AND "timestamp" IS NOT NULL GROUP BY 1 ORDER BY 1`);
  const feedback = await query(local.catalogPath, `SELECT COALESCE(feedback_tipo, 'none') AS kind, count(*) AS n FROM exchanges WHERE dt = (SELECT max(dt) FROM (SELECT DISTINCT dt FROM exchanges) AS partitions) GROUP BY 1`);
  const questions = await query(local.catalogPath, `SELECT pregunta AS question, count(*) AS n FROM exchanges WHERE dt = (SELECT max(dt) FROM (SELECT DISTINCT dt FROM exchanges) AS partitions) AND pregunta IS NOT NULL GROUP BY 1 ORDER BY n DESC, question LIMIT 10`);
  const byModel = await query(local.catalogPath, `SELECT day::VARCHAR AS day, CASE WHEN source = 'normalization' THEN 'normalization: ' || COALESCE(model_id, model, 'rules only') ELSE COALESCE(model_id, model) END AS model, sum(input_tokens + output_tokens) AS tokens, sum(estimated_cost_usd) AS cost FROM token_costs_by_model_day GROUP BY 1, 2 ORDER BY 1, 2`);
  const runs = await createDynamoDbRunStore({ client: local.db.documentClient, tableName: local.env.RUNS_TABLE ?? '' }).listRuns(30);

  const days = [...new Set(byModel.map((row) => String(row.day)))];
  const models = [...new Set(byModel.map((row) => String(row.model)))];
  const series = (field: 'tokens' | 'cost') =>
    models.map((model) => ({
      label: model,
      values: days.map((day) => Number(byModel.find((row) => row.day === day && row.model === model)?.[field] ?? 0)),
    }));
  const count = (kind: string) => Number(feedback.find((row) => row.kind === kind)?.n ?? 0);
  return {
    generatedAt: new Date().toISOString(),
    conversationsPerDay: { days: perDay.map((row) => String(row.day)), counts: perDay.map((row) => Number(row.n)) },
    feedbackMix: { like: count('like'), dislike: count('dislike'), none: count('none') },
    topQuestions: questions.map((row) => ({ question: String(row.question), count: Number(row.n) })),
    tokensPerDay: { days, byModel: series('tokens') },
    costPerDay: { days, byModel: series('cost') },
    normalizationRuns: runs
      .map((run) => {
        const counts = (run.counts ?? {}) as Record<string, number>;
        const fields = (run.fields ?? {}) as Record<string, { changed?: number }>;
        return {
          runId: String(run.runId),
          startedAt: String(run.startedAt ?? ''),
          leads: (counts.normalized ?? 0) + (counts.unchanged ?? 0),
          fieldsChanged: Object.values(fields).reduce((sum, field) => sum + (field.changed ?? 0), 0),
          costUSD: Number((run.model as { estimatedCostUSD?: number } | undefined)?.estimatedCostUSD ?? 0),
          status: String(run.status ?? ''),
        };
      })
      .reverse(),
  };
}

export function registerAnalyticsCommand(program: Command): void {
  const analytics = program.command('analytics').description('conversation analytics and token costs, locally (the same state machines as AWS)');

  analytics
    .command('seed')
    .description('load chatbot items (JSON lines, plain or DynamoDB-typed) into the local source tables')
    .option('--conversations <file>', 'items of the conversations table')
    .option('--chat <file>', 'items of the Bedrock chat table')
    .option('--insert-only', 'add new items only; never touch one that exists')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .action(async (options: { conversations?: string; chat?: string; insertOnly?: boolean; dataDir: string }) => {
      if (!options.conversations && !options.chat) throw new UsageError('give --conversations F and/or --chat F');
      // Both files checked before anything is loaded: a mistyped second one must not leave the first loaded alone.
      if (options.conversations) await checkInputFile(options.conversations, '--conversations');
      if (options.chat) await checkInputFile(options.chat, '--chat');
      const insertOnly = options.insertOnly ?? false;
      await withLocalAnalytics(options.dataDir, async (local) => {
        for (const [file, table] of [
          [options.conversations, local.env.CONVERSATIONS_TABLE],
          [options.chat, local.env.CHAT_TABLE],
        ] as const) {
          if (!file || !table) continue;
          const result = await seedSourceTable(local, table, file, { insertOnly });
          console.log(`${file} → ${table}: ${formatSeedCounts(result.counts, insertOnly)}`);
          if (result.counts.rejected > 0) {
            reportRejectedLines(result, `${file} `);
            console.error(`${result.counts.rejected} line(s) of ${file} rejected; every other item was loaded.`);
            process.exitCode = 1;
          }
        }
      });
    });

  analytics
    .command('run')
    .description('run the analytics state machine locally: export → Parquet → catalog, and token costs')
    .option('--run-date <day>', 'the export partition date (YYYY-MM-DD); default today')
    .option('--sample-data', 'first fill each empty source table with generated sample items (a demo; never done without this flag)')
    .option('--json', 'print the state machine\'s output as one JSON object instead of the summary')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .action(async (options: { runDate?: string; sampleData?: boolean; json?: boolean; dataDir: string }) => {
      await withLocalAnalytics(options.dataDir, async (local) => {
        const conversations = local.env.CONVERSATIONS_TABLE ?? '';
        const chat = local.env.CHAT_TABLE ?? '';
        for (const [table, sample, describe] of [
          [conversations, () => generateConversationItems(SAMPLE_USERS), `sample conversation items (${SAMPLE_USERS} users)`],
          [chat, () => generateChatItems(SAMPLE_CHAT_ITEMS, 11), 'sample Bedrock chat items'],
        ] as const) {
          if (!(await isEmpty(local, table))) continue;
          if (!options.sampleData) {
            console.error(`${table} is empty: nothing of it to analyse (load items with \`normflow analytics seed\`, or add --sample-data for a demo)`);
            continue;
          }
          const items = sample();
          await batchPutAll(local.db.documentClient, table, items);
          console.log(`seeded ${items.length} ${describe}`);
        }
        const result = await runAnalyticsLocally(local, options.runDate ? { runDate: options.runDate } : {});
        if (result.status !== 'SUCCEEDED') {
          console.error(`analytics failed: ${result.error?.name}: ${result.error?.message}`);
          process.exitCode = 1;
          return;
        }
        const output = result.output as { conversationExport?: { output?: Record<string, unknown> }; tokenCosts?: { output?: Record<string, unknown> } };
        if (options.json) {
          console.log(JSON.stringify({ conversationExport: output.conversationExport?.output ?? null, tokenCosts: output.tokenCosts?.output ?? null }));
          return;
        }
        console.log(formatAnalyticsSummary(output));
        console.log(`query it: npx normflow sql "SELECT * FROM users LIMIT 5"   (tables: users, exchanges, token_costs, token_costs_by_user_day, token_costs_by_model_day, normalization_costs)`);
      });
    });

  analytics
    .command('report')
    .description('write a self-contained HTML report with charts from the local analytics')
    .option('--output <file>', 'where to write the page', '.normflow/analytics-report.html')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .action(async (options: { output: string; dataDir: string }) => {
      await checkDataDir(options.dataDir);
      await withLocalAnalytics(options.dataDir, async (local) => {
        await writeFile(options.output, renderAnalyticsReport(await collectReportData(local)));
        console.log(`report written to ${options.output}`);
      });
    });
}
