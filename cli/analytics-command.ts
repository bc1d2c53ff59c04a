import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { generateChatItems } from '#shared/samples/chat-item-generator.ts';
import { generateConversationItems } from '#shared/samples/conversation-generator.ts';
import { runAnalyticsLocally, startLocalAnalytics, type LocalAnalyticsEnvironment } from '#infra/local/local-analytics.ts';
import { openLocalCatalog } from '#infra/local/local-catalog.ts';
import { DEFAULT_DATA_DIR } from '#infra/local/local-runtime.ts';
import { renderAnalyticsReport, type AnalyticsReportData } from '#shared/analytics/analytics-report.ts';
import { itemFromJson } from '#shared/io/dynamodb-json.ts';
import { batchPutAll } from '#shared/stores/dynamodb-batches.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { scanPages } from '#shared/stores/dynamodb-table-pages.ts';
import { UsageError } from './cli-errors.ts';
import { checkDataDir } from './data-dir.ts';

const SAMPLE_USERS = 200;
const SAMPLE_CHAT_ITEMS = 1_500;

async function isEmpty(local: LocalAnalyticsEnvironment, tableName: string): Promise<boolean> {
  for await (const page of scanPages({ client: local.db.documentClient, tableName, pageSize: 1 })) return page.length === 0;
  return true;
}

/** Loads JSON lines (plain or DynamoDB-typed) into a local source table; bad lines are reported by number. */
export async function seedSourceTable(
  local: LocalAnalyticsEnvironment,
  tableName: string,
  path: string,
): Promise<{ loaded: number; rejected: Array<{ line: number; reason: string }> }> {
  const rejected: Array<{ line: number; reason: string }> = [];
  let batch: Array<Record<string, unknown>> = [];
  let loaded = 0;
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    line += 1;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      rejected.push({ line, reason: 'not valid JSON' });
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      rejected.push({ line, reason: 'not a JSON object' });
      continue;
    }
    const item = itemFromJson(parsed as Record<string, unknown>);
    if (typeof item.PK !== 'string' || typeof item.SK !== 'string' || item.PK === '' || item.SK === '') {
      rejected.push({ line, reason: 'an item needs string PK and SK' });
      continue;
    }
    batch.push(item);
    if (batch.length >= 500) {
      await batchPutAll(local.db.documentClient, tableName, batch);
      loaded += batch.length;
      batch = [];
    }
  }
  await batchPutAll(local.db.documentClient, tableName, batch);
  return { loaded: loaded + batch.length, rejected };
}

function reportRejected(file: string, rejected: Array<{ line: number; reason: string }>): void {
  for (const { line, reason } of rejected.slice(0, 20)) console.error(`${file} line ${line}: ${reason}`);
  if (rejected.length > 20) console.error(`… and ${rejected.length - 20} more`);
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
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .action(async (options: { conversations?: string; chat?: string; dataDir: string }) => {
      if (!options.conversations && !options.chat) throw new UsageError('give --conversations F and/or --chat F');
      await withLocalAnalytics(options.dataDir, async (local) => {
        for (const [file, table] of [
          [options.conversations, local.env.CONVERSATIONS_TABLE],
          [options.chat, local.env.CHAT_TABLE],
        ] as const) {
          if (!file || !table) continue;
          const result = await seedSourceTable(local, table, file);
          console.log(`loaded ${result.loaded} items from ${file} into ${table}`);
          if (result.rejected.length > 0) {
            reportRejected(file, result.rejected);
            process.exitCode = 1;
          }
        }
      });
    });

  analytics
    .command('run')
    .description('run the analytics state machine locally: export → Parquet → catalog, and token costs (seeds sample data into empty tables)')
    .option('--run-date <day>', 'the export partition date (YYYY-MM-DD); default today')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .action(async (options: { runDate?: string; dataDir: string }) => {
      await withLocalAnalytics(options.dataDir, async (local) => {
        const conversations = local.env.CONVERSATIONS_TABLE ?? '';
        const chat = local.env.CHAT_TABLE ?? '';
        if (await isEmpty(local, conversations)) {
          const items = generateConversationItems(SAMPLE_USERS);
          await batchPutAll(local.db.documentClient, conversations, items);
          console.log(`seeded ${items.length} sample conversation items (${SAMPLE_USERS} users)`);
        }
        if (await isEmpty(local, chat)) {
          const items = generateChatItems(SAMPLE_CHAT_ITEMS, 11);
          await batchPutAll(local.db.documentClient, chat, items);
          console.log(`seeded ${items.length} sample Bedrock chat items`);
        }
        const result = await runAnalyticsLocally(local, options.runDate ? { runDate: options.runDate } : {});
        if (result.status !== 'SUCCEEDED') {
          console.error(`analytics failed: ${result.error?.name}: ${result.error?.message}`);
          process.exitCode = 1;
          return;
        }
        const output = result.output as { conversationExport?: { output?: Record<string, unknown> }; tokenCosts?: { output?: Record<string, unknown> } };
        console.log(`conversation export: ${JSON.stringify(output.conversationExport?.output ?? {})}`);
        console.log(`token costs: ${JSON.stringify(output.tokenCosts?.output ?? {})}`);
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
