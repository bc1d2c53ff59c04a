import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isResourceNotFound } from '#shared/stores/dynamodb-client.ts';
import { registerLocalCatalog } from './local-catalog.ts';
import { localStateMachineArn, runStateMachineLocally, startLocalEnvironment, type LocalEnvironment, type LocalRunResult } from './local-runtime.ts';

/** The chatbot's own tables (sources of the analytics), created locally with their real key shape. */
export const LOCAL_SOURCE_TABLES = {
  CONVERSATIONS_TABLE: 'chatbot-conversations',
  CHAT_TABLE: 'bedrock-chat',
} as const;

const CRAWLER_NAMES = {
  ConversationsCrawlerName: 'normflow-local-conversations',
  TokenCostsCrawlerName: 'normflow-local-token-costs',
} as const;

export interface LocalAnalyticsEnvironment extends LocalEnvironment {
  bucketFolder: string;
  catalogPath: string;
}

/** Creates a chatbot source table (`PK`/`SK` strings, as the chatbot defines it) unless it exists, and waits until it is active. */
export async function ensureSourceTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!isResourceNotFound(error)) throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((done) => setTimeout(done, 20));
  }
}

/**
 * The normalization environment plus the chatbot's source tables, a folder standing in for the
 * bucket (`<dataDir>/bucket`) and the DuckDB catalog (`<dataDir>/analytics/catalog.duckdb`).
 */
export async function startLocalAnalytics(options: { dataDir?: string; inMemory?: boolean; scratchDir?: string } = {}): Promise<LocalAnalyticsEnvironment> {
  const local = await startLocalEnvironment(options);
  const root = local.dataDir ?? resolve(options.scratchDir ?? '.normflow-scratch');
  const bucketFolder = resolve(root, 'bucket');
  const catalogPath = resolve(root, 'analytics', 'catalog.duckdb');
  await mkdir(bucketFolder, { recursive: true });
  await mkdir(resolve(root, 'analytics'), { recursive: true });
  for (const tableName of Object.values(LOCAL_SOURCE_TABLES)) await ensureSourceTable(local.db.client, tableName);
  return {
    ...local,
    bucketFolder,
    catalogPath,
    env: { ...local.env, ...LOCAL_SOURCE_TABLES, ANALYTICS_FOLDER: bucketFolder },
  };
}

export interface AnalyticsRunOptions {
  /** Replace the local crawler stand-ins (tests simulate a crawler that is already running). */
  crawler?: { start?: (name: string) => Promise<void>; state?: (name: string) => Promise<string> };
  onEvent?: Parameters<typeof runStateMachineLocally>[1]['onEvent'];
}

/** Glue's part, done locally: the crawler registers the Parquet folders as DuckDB views. */
function crawlerIntegrations(local: LocalAnalyticsEnvironment, options: AnalyticsRunOptions) {
  const start = options.crawler?.start ?? (async () => void (await registerLocalCatalog(local.bucketFolder, local.catalogPath)));
  const state = options.crawler?.state ?? (async () => 'READY');
  const integrations: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const prefix of ['Conversations', 'TokenCosts']) {
    integrations[`Start${prefix}Crawler`] = async (input) => {
      await start((input as { Name: string }).Name);
      return {};
    };
    integrations[`Get${prefix}Crawler`] = async (input) => ({ Crawler: { State: await state((input as { Name: string }).Name) } });
  }
  return integrations;
}

const NO_WAIT = { WaitForConversationsCrawler: 0, WaitForTokenCostsCrawler: 0 };

/** Runs one analytics child state machine locally (the ASL deployed to AWS). */
export function runAnalyticsChildLocally(
  local: LocalAnalyticsEnvironment,
  name: 'conversation-export' | 'token-costs',
  input: Record<string, unknown>,
  options: AnalyticsRunOptions = {},
): Promise<LocalRunResult> {
  return runStateMachineLocally(name, {
    input,
    resources: CRAWLER_NAMES,
    integrations: crawlerIntegrations(local, options),
    waitTimeOverrides: NO_WAIT,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

/**
 * Runs the parent `analytics` state machine locally; its `startExecution.sync:2` Tasks run the
 * child state machines locally and answer as Step Functions does (`Status`, parsed `Output`).
 */
export function runAnalyticsLocally(local: LocalAnalyticsEnvironment, input: Record<string, unknown> = {}, options: AnalyticsRunOptions = {}): Promise<LocalRunResult> {
  const child = (name: 'conversation-export' | 'token-costs') => async (taskInput: unknown) => {
    const result = await runAnalyticsChildLocally(local, name, (taskInput as { Input: Record<string, unknown> }).Input, options);
    if (result.status !== 'SUCCEEDED') {
      throw Object.assign(new Error(`${name} failed: ${result.error?.name}: ${result.error?.message}`), { name: 'States.TaskFailed' });
    }
    return { Status: 'SUCCEEDED', Output: result.output };
  };
  return runStateMachineLocally('analytics', {
    input,
    resources: {
      ConversationExportStateMachineArn: localStateMachineArn('conversation-export'),
      TokenCostsStateMachineArn: localStateMachineArn('token-costs'),
    },
    integrations: { ConversationExport: child('conversation-export'), TokenCosts: child('token-costs') },
    retryIntervalOverrides: { ConversationExport: 0, TokenCosts: 0 },
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}
