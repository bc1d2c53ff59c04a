import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsFunctionAccess, type AnalyticsFunctionName } from '#infra/constructs/analytics-function-access.ts';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '#infra/local/embedded-dynamodb.ts';
import { ensureTables } from '#infra/local/local-tables.ts';
import { parseAnalyticsConfig } from '#shared/analytics/analytics-config.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { conversation, feedback, register } from '#test/analytics/conversation-items.ts';
import { createConversationsTable } from '#test/analytics/conversations-table.ts';
import { startFakeS3Server, type FakeS3Server } from '#test/fakes/fake-s3-server.ts';
import { actionsOf, policyOf, resourcesOf } from './iam-statements.ts';
import { CallLog, dynamoDbCalls, startRecordingProxy, type ForwardedRequest, type RecordingProxy } from './recording-proxy.ts';
import { logicalIdOf, synthesizeAnalytics } from './synth-stack.ts';

/**
 * The analytics roles are derived by reading the code (`analyticsFunctionAccess`); this runs the
 * three handlers against the embedded DynamoDB and a fake S3, each behind a recording proxy, and
 * checks what each one did against what its role in the synthesized template allows: every call
 * allowed, and every grant used. S3 answers a missing key with 404 only to a caller that may list
 * the bucket, so a 404 counts as a use of `s3:ListBucket`.
 */

const BUCKET = 'observed-analytics';
const TABLES = { conversations: 'conv', chat: 'chat', runs: 'observed-runs' } as const;
const DAY = '2025-03-02';
const USER = 'a0000000-0000-4000-a000-000000000001';
const context = { functionName: 'analytics', awsRequestId: 'observed', getRemainingTimeInMillis: () => 900_000 } as unknown as Context;

let db: EmbeddedDynamoDb;
let s3: FakeS3Server;
let dynamoDbProxy: RecordingProxy;
let s3Proxy: RecordingProxy;
const calls = new CallLog<AnalyticsFunctionName>();
const savedEnv = { ...process.env };

/** The IAM action(s) behind an S3 request: `<action> <key>`, or `s3:ListBucket` for a listing or a 404. */
function s3Calls({ method, url, status }: ForwardedRequest): string[] {
  const [, , ...keyParts] = url.pathname.split('/');
  const key = decodeURIComponent(keyParts.join('/'));
  if (key === '') return ['s3:ListBucket'];
  if (method === 'GET' || method === 'HEAD') return [`s3:GetObject ${key}`, ...(status === 404 ? ['s3:ListBucket'] : [])];
  if (method === 'DELETE' && url.searchParams.has('uploadId')) return [`s3:AbortMultipartUpload ${key}`];
  // PutObject, and CreateMultipartUpload, UploadPart and CompleteMultipartUpload, which s3:PutObject allows.
  if (method === 'PUT' || method === 'POST') return [`s3:PutObject ${key}`];
  return [`unexpected ${method} ${key}`];
}

async function run(name: AnalyticsFunctionName, payload: unknown): Promise<unknown> {
  const { handler } = (await import(`#functions/${name}.ts`)) as { handler: (event: unknown, context: Context) => Promise<unknown> };
  return calls.during(name, () => handler(payload, context));
}

beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
  const documentClient = db.documentClient;
  await ensureTables(db.client, { leads: 'observed-leads', config: 'observed-config', runs: TABLES.runs, valueCache: 'observed-value-cache' });
  await createConversationsTable(db.client, documentClient, TABLES.conversations, [
    register(USER, '2025-03-01T00:00:00.000Z', { nombre: 'Ana', ciudad: 'Medellín' }),
    conversation(USER, '2025-03-01T15:00:00.000Z', [['user', 'hola'], ['bot', 'buenas tardes']]),
    feedback(USER, '2025-03-01T15:00:00.000Z', 'like', 'Útil'),
  ]);
  await createConversationsTable(db.client, documentClient, TABLES.chat, [
    { PK: 'user-1', SK: 'user-1#CONV#c1', CreateTime: Date.UTC(2025, 2, 1, 15), TotalPrice: 0.002 },
    { PK: 'user-2', SK: 'user-2#CONV#c2', CreateTime: Date.UTC(2025, 2, 1, 16), TotalPrice: 0.001 },
  ]);
  await createDynamoDbRunStore({ client: documentClient, tableName: TABLES.runs }).putRun('run-1', {
    runId: 'run-1',
    startedAt: '2025-03-01T07:00:00.000Z',
    finishedAt: '2025-03-01T07:05:00.000Z',
    status: 'succeeded',
    model: { provider: 'bedrock', modelId: 'anthropic.claude-3-haiku-20240307-v1:0', calls: 2, inputTokens: 900, outputTokens: 120, estimatedCostUSD: 0.0004 },
  });

  const labels = new Map<string, string>([[TABLES.runs, 'runs']]);
  dynamoDbProxy = await startRecordingProxy(new URL(db.endpoint), (forwarded) => {
    for (const call of dynamoDbCalls(forwarded, (name) => labels.get(name) ?? name)) calls.record(call);
  });
  s3 = await startFakeS3Server({ buckets: [BUCKET] });
  s3Proxy = await startRecordingProxy(new URL(s3.url), (forwarded) => s3Calls(forwarded).forEach((call) => calls.record(call)));

  Object.assign(process.env, {
    CONVERSATIONS_TABLE: TABLES.conversations,
    CHAT_TABLE: TABLES.chat,
    RUNS_TABLE: TABLES.runs,
    ANALYTICS_BUCKET: BUCKET,
    DYNAMODB_ENDPOINT: dynamoDbProxy.url,
    // The SDK reads a service's endpoint from AWS_ENDPOINT_URL_<SERVICE>; an IP endpoint is addressed path-style.
    AWS_ENDPOINT_URL_S3: s3Proxy.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'observed',
    AWS_SECRET_ACCESS_KEY: 'observed',
    // Read when the handlers first load the logger (a level set later is reset on every warm invocation).
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  delete process.env.ANALYTICS_FOLDER;
  delete process.env.ANALYTICS_CONFIG;
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await dynamoDbProxy?.close();
  await s3Proxy?.close();
  await s3?.close();
  await db?.close();
});

/** Every data grant of a Lambda's role: `<label>:dynamodb:<Action>`, `<s3 action> <key pattern>` or `s3:ListBucket`. */
function grantsOfRole(name: AnalyticsFunctionName): string[] {
  const synthesized = synthesizeAnalytics();
  const bucketId = logicalIdOf(synthesized.stack, synthesized.stack.storage.bucket);
  const target = (resource: unknown): string | undefined => {
    const text = JSON.stringify(resource);
    if (text === JSON.stringify({ 'Fn::GetAtt': [bucketId, 'Arn'] })) return '';
    const parts = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1] ?? [];
    const last = parts.at(-1);
    if (typeof last !== 'string') return undefined;
    if (JSON.stringify(parts[0]) === JSON.stringify({ 'Fn::GetAtt': [bucketId, 'Arn'] })) return ` ${last.slice(1)}`;
    if (text.includes('Fn::GetStackOutput') && last === '/index/runsByStart') return 'runs/index/runsByStart';
    return /:table\/(.+)$/.exec(last)?.[1];
  };
  return policyOf(synthesized, logicalIdOf(synthesized.stack, synthesized.stack.functions[name].role)).flatMap((statement) =>
    actionsOf(statement)
      .filter((action) => action.startsWith('s3:') || action.startsWith('dynamodb:'))
      .flatMap((action) =>
        resourcesOf(statement).map((resource) => {
          const resolved = target(resource);
          if (resolved === undefined) throw new Error(`${name}: unexpected resource ${JSON.stringify(resource)}`);
          return action.startsWith('dynamodb:') ? `${resolved}:${action}` : `${action}${resolved}`;
        }),
      ),
  );
}

const globToRegExp = (pattern: string) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
const allows = (grant: string, call: string) => {
  const [grantAction, grantKey] = grant.split(' ');
  const [callAction, callKey] = call.split(' ');
  return grantAction === callAction && (grantKey === undefined ? callKey === undefined : callKey !== undefined && globToRegExp(grantKey).test(callKey));
};

/** Granted but made only when an upload fails: lib-storage aborts a multipart upload it cannot finish. */
const UNOBSERVABLE = /^s3:AbortMultipartUpload /;

describe('IAM of the analytics Lambdas matches what the handlers do', () => {
  it('runs the scenarios that reach every call: a missing export, export and conversion, token costs from scratch and again', async () => {
    await expect(run('convert-to-parquet', { runDate: '2025-01-01' })).rejects.toMatchObject({ name: 'Conversion.MissingExport' });
    await expect(run('export-conversations', { runDate: DAY })).resolves.toMatchObject({ rows: { exchanges: 1, users: 1 } });
    await expect(run('convert-to-parquet', { runDate: DAY })).resolves.toMatchObject({ rows: { exchanges: 1, users: 1 } });
    await expect(run('aggregate-token-costs', {})).resolves.toMatchObject({ conversations: 2, normalizationRuns: 1 });
    // A conversation written after the watermark, on a day already written: the day's partitions are read back and rewritten.
    await db.documentClient.send(
      new PutCommand({ TableName: TABLES.chat, Item: { PK: 'user-3', SK: 'user-3#CONV#c3', CreateTime: Date.UTC(2025, 2, 1, 18), TotalPrice: 0.003 } }),
    );
    await expect(run('aggregate-token-costs', {})).resolves.toMatchObject({ partitions: ['2025-03-01'] });
    expect(calls.unattributed).toEqual([]);
  });

  it.each(['export-conversations', 'convert-to-parquet', 'aggregate-token-costs'] as const)('%s: every call it made is allowed, every grant is used', (name) => {
    const made = [...(calls.observed.get(name) ?? [])].sort();
    const granted = grantsOfRole(name);
    expect(made.length).toBeGreaterThan(0);
    expect(made.filter((call) => !granted.some((grant) => allows(grant, call))), 'calls the role does not allow').toEqual([]);
    expect(granted.filter((grant) => !UNOBSERVABLE.test(grant) && !made.some((call) => allows(grant, call))), 'grants never used').toEqual([]);
  });

  it('derives the keys from the same functions the code writes them with', () => {
    const access = analyticsFunctionAccess(parseAnalyticsConfig({}));
    const keys = Object.values(access).flatMap((fn) => fn.objects.flatMap((grant) => grant.keys));
    for (const call of [...calls.observed.values()].flatMap((made) => [...made]).filter((call) => call.includes(' '))) {
      const key = call.split(' ')[1] ?? '';
      expect(keys.some((pattern) => globToRegExp(pattern).test(key)), key).toBe(true);
    }
  });
});
