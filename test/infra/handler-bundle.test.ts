import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NormflowFunction } from '#infra/constructs/normflow-function.ts';
import type { FunctionName } from '#infra/constructs/function-access.ts';
import { PipelineTables } from '#infra/constructs/pipeline-tables.ts';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '#infra/local/embedded-dynamodb.ts';
import { ensureTables } from '#infra/local/local-tables.ts';
import { CONFIG_ID } from '#shared/pipeline/pipeline-types.ts';
import { createDocumentClient } from '#shared/stores/dynamodb-client.ts';
import { createDynamoDbConfigStore } from '#shared/stores/dynamodb-config-store.ts';
import { CDK_JSON_CONTEXT } from './synth-stack.ts';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const BUNDLED: FunctionName[] = ['load-config', 'post-process'];

/**
 * Synthesizes NormflowFunction with bundling on (the real local esbuild path NodejsFunction takes
 * on `cdk synth`), into a directory outside the repo so the bundle cannot lean on node_modules.
 */
function bundle(): { outdir: string; bundles: Map<FunctionName, string> } {
  const outdir = mkdtempSync(join(tmpdir(), 'normflow-bundle-'));
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'BundleTest');
  const tables = new PipelineTables(stack, 'Tables', {});
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
  const bundles = new Map<FunctionName, string>();
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
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    built = bundle();
    db = await startEmbeddedDynamoDb();
    await ensureTables(db.client, { leads: 'b-leads', config: 'b-config', runs: 'b-runs', valueCache: 'b-value-cache' });
  }, 120_000);

  afterAll(async () => {
    process.env = savedEnv;
    await db?.close();
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

  it('bundles the DIVIPOLA data into the handlers that normalize', () => {
    const code = readFileSync(join(built.bundles.get('post-process') ?? '', 'index.mjs'), 'utf8');
    expect(code).toContain('Abejorral');
    expect(code).toContain('05001');
    expect(code).not.toMatch(/municipios\.json/);
  });

  it('loads post-process in Node and exports a handler that rejects a bad payload by name', async () => {
    const module = (await import(pathToFileURL(join(built.bundles.get('post-process') ?? '', 'index.mjs')).href)) as { handler: Handler };
    expect(typeof module.handler).toBe('function');
    await expect(module.handler({ not: 'a batch' }, lambdaContext)).rejects.toMatchObject({ name: 'Payload.Invalid' });
  });

  it('runs the bundled load-config against DynamoDB: the config item over the deployment defaults', async () => {
    const documentClient = createDocumentClient(db.client);
    await createDynamoDbConfigStore({ client: documentClient, tableName: 'b-config' }).putConfig(CONFIG_ID, { batchSize: 25 });
    Object.assign(process.env, {
      LEADS_TABLE: 'b-leads',
      CONFIG_TABLE: 'b-config',
      RUNS_TABLE: 'b-runs',
      VALUE_CACHE_TABLE: 'b-value-cache',
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
