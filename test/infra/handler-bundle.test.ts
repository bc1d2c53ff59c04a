import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NormflowFunction, type HandlerName } from '#infra/constructs/normflow-function.ts';
import { PipelineTables } from '#infra/constructs/pipeline-tables.ts';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '#infra/local/embedded-dynamodb.ts';
import { ensureTables } from '#infra/local/local-tables.ts';
import { charsPerFourTokens, tokenCounter } from '#shared/analytics/token-counter.ts';
import { CONFIG_ID } from '#shared/pipeline/pipeline-types.ts';
import { createDynamoDbConfigStore } from '#shared/stores/dynamodb-config-store.ts';
import { conversation, register } from '#test/analytics/conversation-items.ts';
import { createConversationsTable } from '#test/analytics/conversations-table.ts';
import { startFakeS3Server, type FakeS3Server } from '#test/fakes/fake-s3-server.ts';
import { CDK_JSON_CONTEXT } from './synth-stack.ts';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const BUNDLED: HandlerName[] = ['load-config', 'write-results', 'export-conversations', 'convert-to-parquet', 'aggregate-token-costs'];
const ANALYTICS: HandlerName[] = ['export-conversations', 'convert-to-parquet', 'aggregate-token-costs'];

/**
 * Synthesizes NormflowFunction with bundling on (the real local esbuild path NodejsFunction takes
 * on `cdk synth`), into a directory outside the repo so the bundle cannot lean on node_modules.
 */
function bundle(): { outdir: string; bundles: Map<HandlerName, string> } {
  const outdir = mkdtempSync(join(tmpdir(), 'normflow-bundle-'));
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'BundleTest');
  const tables = new PipelineTables(stack, 'Tables', { leadsStream: false });
  const functions = BUNDLED.map(
    (name) =>
      new NormflowFunction(stack, name, {
        name,
        description: name,
        timeout: Duration.seconds(30),
        memorySize: 512,
        environment: {},
        tables: tables.tables,
      }),
  );
  app.synth();
  const template = JSON.parse(readFileSync(join(outdir, 'BundleTest.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
  };
  const bundles = new Map<HandlerName, string>();
  for (const fn of functions) {
    const logicalId = stack.getLogicalId(fn.function.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
    const assetPath = template.Resources[logicalId]?.Metadata?.['aws:asset:path'];
    if (!assetPath) throw new Error(`${fn.name}: no asset path in the template metadata`);
    bundles.set(fn.name, join(outdir, assetPath));
  }
  return { outdir, bundles };
}

const lambdaContext = {
  functionName: 'bundle-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bundle-test',
  memoryLimitInMB: '512',
  awsRequestId: 'bundle-test-request',
  logGroupName: '/aws/lambda/bundle-test',
  logStreamName: 'bundle-test',
  getRemainingTimeInMillis: () => 30_000,
};

describe('handler bundles (NodejsFunction with local esbuild)', () => {
  let built: ReturnType<typeof bundle>;
  let db: EmbeddedDynamoDb;
  let s3: FakeS3Server;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    built = bundle();
    db = await startEmbeddedDynamoDb();
    await ensureTables(db.client, { leads: 'b-leads', config: 'b-config', runs: 'b-runs', valueCache: 'b-value-cache' });
    s3 = await startFakeS3Server({ buckets: ['b-analytics'] });
  }, 120_000);

  afterAll(async () => {
    process.env = savedEnv;
    await db?.close();
    await s3?.close();
    if (built) rmSync(built.outdir, { recursive: true, force: true });
  });

  it.each(BUNDLED)('%s: one self-contained ESM file (and its source map), with no repo paths left to resolve', (name) => {
    const directory = built.bundles.get(name) ?? '';
    expect(readdirSync(directory).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const code = readFileSync(join(directory, 'index.mjs'), 'utf8');
    expect(code).not.toMatch(/["']#shared\//);
    expect(code).not.toMatch(/from\s*["'][^"']+\.ts["']/);
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
  });

  it.each(ANALYTICS)('%s: no DuckDB (the local SQL engine only)', (name) => {
    expect(readFileSync(join(built.bundles.get(name) ?? '', 'index.mjs'), 'utf8')).not.toMatch(/duckdb/i);
  });

  it.each(['convert-to-parquet', 'aggregate-token-costs'] as const)('%s: bundles the cl100k_base rank file of js-tiktoken', (name) => {
    const code = readFileSync(join(built.bundles.get(name) ?? '', 'index.mjs'), 'utf8');
    expect(code).toContain('<|fim_prefix|>');
    expect(code).toContain('bpe_ranks');
  });

  it('runs the bundled export-conversations and convert-to-parquet against DynamoDB and S3: CSV, then Parquet with cl100k token counts', async () => {
    const user = 'b0000000-0000-4000-a000-000000000001';
    await createConversationsTable(db.client, db.documentClient, 'b-conversations', [
      register(user, '2025-03-01T00:00:00.000Z', { nombre: 'Ana', ciudad: 'Cali' }),
      conversation(user, '2025-03-01T15:00:00.000Z', [['user', '¿Cuál es el horario?'], ['bot', 'De 8 a 5.']]),
    ]);
    Object.assign(process.env, {
      CONVERSATIONS_TABLE: 'b-conversations',
      ANALYTICS_BUCKET: 'b-analytics',
      DYNAMODB_ENDPOINT: db.endpoint,
      // The SDK reads a service's endpoint from AWS_ENDPOINT_URL_<SERVICE>; an IP endpoint is addressed path-style.
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bundle-test',
      AWS_SECRET_ACCESS_KEY: 'bundle-test',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    delete process.env.ANALYTICS_FOLDER;
    delete process.env.ANALYTICS_CONFIG;
    const load = async (name: HandlerName) =>
      ((await import(pathToFileURL(join(built.bundles.get(name) ?? '', 'index.mjs')).href)) as { handler: Handler }).handler;
    const exported = await (await load('export-conversations'))({ runDate: '2025-03-02' }, lambdaContext);
    expect(exported).toMatchObject({ rows: { exchanges: 1, users: 1 } });
    const converted = (await (await load('convert-to-parquet'))({ runDate: '2025-03-02' }, lambdaContext)) as { tokens: { pregunta: number } };
    expect(converted).toMatchObject({ rows: { exchanges: 1, users: 1 } });
    // The exact cl100k_base count, as the unbundled tokenizer gives it (the chars/4 estimate gives 5).
    expect(converted.tokens.pregunta).toBe(tokenCounter('cl100k_base')('¿Cuál es el horario?'));
    expect(converted.tokens.pregunta).not.toBe(charsPerFourTokens('¿Cuál es el horario?'));
    expect([...s3.objects.keys()].sort()).toEqual([
      'b-analytics/conversations/exchanges/dt=2025-03-02/exchanges.csv',
      'b-analytics/conversations/parquet/exchanges/dt=2025-03-02/part-0.parquet',
      'b-analytics/conversations/parquet/users/dt=2025-03-02/part-0.parquet',
      'b-analytics/conversations/users/dt=2025-03-02/users.csv',
    ]);
  });

  it('bundles the DIVIPOLA data into the handlers that normalize', () => {
    const code = readFileSync(join(built.bundles.get('write-results') ?? '', 'index.mjs'), 'utf8');
    expect(code).toContain('Abejorral');
    expect(code).toContain('05001');
    expect(code).not.toMatch(/municipios\.json/);
  });

  it('loads write-results in Node and exports a handler that rejects a bad payload by name', async () => {
    const module = (await import(pathToFileURL(join(built.bundles.get('write-results') ?? '', 'index.mjs')).href)) as { handler: Handler };
    expect(typeof module.handler).toBe('function');
    await expect(module.handler({ not: 'a batch' }, lambdaContext)).rejects.toMatchObject({ name: 'Payload.Invalid' });
  });

  it('runs the bundled load-config against DynamoDB: the config item over the deployment defaults', async () => {
    const documentClient = db.documentClient;
    await createDynamoDbConfigStore({ client: documentClient, tableName: 'b-config' }).putConfig(CONFIG_ID, { batchSize: 25 });
    Object.assign(process.env, {
      LEADS_TABLE: 'b-leads',
      CONFIG_TABLE: 'b-config',
      RUNS_TABLE: 'b-runs',
      VALUE_CACHE_TABLE: 'b-value-cache',
      DECISIONS_TABLE: 'b-decisions',
      DYNAMODB_ENDPOINT: db.endpoint,
      AWS_REGION: 'local',
      NORMFLOW_PROVIDER: 'bedrock',
      RUN_TIMEOUT_SECONDS: '3600',
      NORMFLOW_CONFIG_DEFAULTS: JSON.stringify({ model: { modelId: 'amazon.nova-lite-v1:0' } }),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const entry = join(built.bundles.get('load-config') ?? '', 'index.mjs');
    expect(existsSync(entry)).toBe(true);
    const { handler } = (await import(pathToFileURL(entry).href)) as { handler: Handler };
    const executionId = 'arn:aws:states:us-east-1:000000000000:execution:normflow-dev-normalize-leads:bundle-run';
    const result = (await handler({ input: {}, executionId, startedAt: '2025-01-01T07:00:00.000Z' }, lambdaContext)) as {
      run: { runId: string };
      config: { enabled: boolean; batchSize: number; model: { modelId: string } };
    };
    expect(result.run.runId).toBe('bundle-run');
    expect(result.config).toMatchObject({ enabled: true, batchSize: 25, model: { modelId: 'amazon.nova-lite-v1:0' } });
  });
});
