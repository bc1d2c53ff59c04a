import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionName } from '#infra/constructs/function-access.ts';
import { RUN_LOCK_NAME } from '#shared/pipeline/pipeline-types.ts';
import { TABLE_DEFINITIONS, type TableLogicalName } from '#shared/stores/table-definitions.ts';
import { STATE_MACHINES } from '#state-machines/render-state-machine.ts';
import { startFakeBedrockServer } from '#test/fakes/fake-bedrock-server.ts';
import type { FakeLlmServer } from '#test/fakes/fake-llm-server.ts';
import { startHarness, summaryOf, type Harness } from '#test/state-machines/local-pipeline-harness.ts';
import { CallLog, dynamoDbCalls, startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';
import { logicalIdOf, synthesize } from './synth-stack.ts';

/**
 * The IAM policies are derived by reading the code; this runs the very handlers through the local
 * runtime and records, per Lambda, every DynamoDB call (at the wire, through a recording proxy in
 * front of the embedded store) and every Bedrock call (a wire-level fake Converse endpoint). What
 * each Lambda did must be exactly what its role in the synthesized template allows.
 */

const MODEL_ID = 'anthropic.claude-3-haiku-20240307-v1:0';
const STATE_TO_FUNCTION: Record<string, FunctionName> = {
  LoadConfig: 'load-config',
  PlanRun: 'plan-run',
  SelectPage: 'select-page',
  FinishPage: 'finish-page',
  InvokeModel: 'invoke-model',
  WriteResults: 'write-results',
  SplitBatch: 'split-batch',
  LeadInvokeModel: 'invoke-model',
  LeadWriteResults: 'write-results',
  RecordLeadFailure: 'record-lead-failure',
  RecordBatchFailure: 'record-batch-failure',
  Report: 'report-run',
  ReleaseLockAfterFailure: 'release-run-lock',
};

let harness: Harness;
let proxy: RecordingProxy;
/** A lead to change just before its normalization write reaches the store (between WriteResults' read and write). */
let editBeforeWrite: { leadId: string; edited: Record<string, unknown> } | undefined;
let bedrock: FakeLlmServer;
const calls = new CallLog<FunctionName>();
const savedEnv = { ...process.env };

const undecidedLead = (leadId: string) => ({ leadId, nombres: 'ANA', nivelEducativo: 'Posgrado', ciudad: 'medellin' });
const answerSpecialist = (user: string) => {
  const asked = JSON.parse(user) as Record<string, Record<string, string>>;
  return JSON.stringify(Object.fromEntries(Object.keys(asked).map((id) => [id, { nivelEducativo: 'Especialista' }])));
};

/** Wraps every Task so the proxy knows which Lambda is running (maxConcurrency 1: one at a time). */
function attributed(extra: Record<string, (payload: unknown, next: (payload: unknown) => Promise<unknown>) => Promise<unknown>> = {}) {
  return Object.fromEntries(
    Object.entries(STATE_TO_FUNCTION).map(([state, fn]) => [
      state,
      (payload: unknown, next: (payload: unknown) => Promise<unknown>) =>
        calls.during(fn, () => (extra[state] ? extra[state](payload, next) : next(payload))),
    ]),
  );
}

beforeAll(async () => {
  harness = await startHarness();
  const tableByName = new Map(
    Object.values(TABLE_DEFINITIONS).map((definition) => [harness.local.env[definition.tableNameEnvVar] ?? '', definition.logicalName]),
  );
  // Every DynamoDB call, as `<table>:dynamodb:<Operation>`, for the Lambda running.
  proxy = await startRecordingProxy(
    new URL(harness.local.db.endpoint),
    (forwarded) => {
      for (const call of dynamoDbCalls(forwarded, (name) => tableByName.get(name) ?? name)) calls.record(call);
    },
    async ({ body }) => {
      if (!editBeforeWrite) return;
      const sent = JSON.parse(body.toString('utf8') || '{}') as { Key?: { leadId?: { S?: string } }; ExpressionAttributeValues?: Record<string, unknown> };
      if (sent.Key?.leadId?.S !== editBeforeWrite.leadId || sent.ExpressionAttributeValues?.[':normalizedData'] === undefined) return;
      // The harness's own client answers in-process: this write is not one of a Lambda's calls.
      const { edited } = editBeforeWrite;
      editBeforeWrite = undefined;
      await harness.stores.leads.putMany([edited]);
    },
  );
  bedrock = await startFakeBedrockServer({
    answer: (user, context) => {
      calls.record(`bedrock:InvokeModel:${context.modelId}`);
      return answerSpecialist(user);
    },
  });
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: proxy.url,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  harness.setDeployment({ provider: 'bedrock', allowedModelIds: [MODEL_ID] });
  await harness.setConfig({ maxConcurrency: 1, maxParallelSegments: 1, batchSize: 2, model: { modelId: MODEL_ID, requestTimeoutMs: 2_000 } });
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await proxy?.close();
  await bedrock?.close();
  await harness?.close();
});

describe('IAM policies match what the handlers do', () => {
  it('runs the scenarios that reach every call: lock held, model answers, edited lead, failed batch, kill switch', async () => {
    // Another execution holds the lock: PlanRun reads who holds it and stops.
    const now = new Date();
    await harness.stores.runs.acquireLock(
      { name: RUN_LOCK_NAME, holder: 'other-execution', acquiredAt: now.toISOString(), expiresAt: new Date(now.getTime() + 3_600_000).toISOString() },
      now.toISOString(),
    );
    const locked = await harness.run({}, { handlerOverrides: attributed() });
    expect(locked).toMatchObject({ status: 'SUCCEEDED', output: { status: 'skipped' } });
    await harness.stores.runs.releaseLock(RUN_LOCK_NAME, 'other-execution');

    // Six leads in three batches: batch 0 has a lead edited between WriteResults' read and its write;
    // batch 1 fails, is split, and its first lead fails alone; batch 2 fails and cannot even be split.
    await harness.seed(['A', 'B', 'C', 'D', 'E', 'F'].map(undecidedLead));
    editBeforeWrite = { leadId: 'A', edited: { ...undecidedLead('A'), nombres: 'ANA MARIA' } };
    const batchOf = (payload: unknown) => (payload as { batchIndex: number }).batchIndex;
    const result = await harness.run(
      {},
      {
        handlerOverrides: attributed({
          WriteResults: async (payload, next) => {
            if (batchOf(payload) === 1) throw new Error('injected WriteResults crash before its writes');
            if (batchOf(payload) === 2) throw new Error('injected WriteResults crash');
            return next(payload);
          },
          LeadWriteResults: async (payload, next) => {
            if ((payload as { leadPosition: number }).leadPosition === 0) throw new Error('injected lead crash');
            return next(payload);
          },
          SplitBatch: async (payload, next) => {
            if (batchOf(payload) === 2) throw new Error('injected SplitBatch crash');
            return next(payload);
          },
        }),
      },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(summaryOf(result.output).counts).toMatchObject({ selected: 6, skippedEdited: 1, failed: 3, failedBatches: 1, splitBatches: 1 });

    // A segment execution dies mid-page (its history quota): the next round counts what that page did.
    await harness.seed(['H', 'I', 'J', 'K'].map(undecidedLead));
    const cutShort = await harness.run({}, { handlerOverrides: attributed(), limits: { historyEvents: 50, payloadBytes: 262_144 } });
    expect(cutShort.executions.filter((execution) => execution.status === 'FAILED').length).toBeGreaterThan(0);
    expect(summaryOf(cutShort.output).counts.normalized).toBe(summaryOf(cutShort.output).counts.selected);

    // Leads normalized before: the versions WriteResults read go to their history.
    const again = await harness.run({ forceAll: true }, { handlerOverrides: attributed() });
    expect(summaryOf(again.output).counts).toMatchObject({ selected: 10, failed: 0 });

    // Report fails: the run gives its lock back before failing.
    await harness.seed(['G'].map(undecidedLead));
    const failedReport = await harness.run({}, { handlerOverrides: attributed({ Report: async () => Promise.reject(new Error('injected Report crash')) }) });
    expect(failedReport).toMatchObject({ status: 'FAILED', error: { message: 'injected Report crash' } });

    const killSwitchEvent = {
      source: 'aws.cloudwatch',
      alarmArn: 'arn:aws:cloudwatch:local:000000000000:alarm:normflow-dev-daily-cost',
      alarmData: { alarmName: 'normflow-dev-daily-cost', state: { value: 'ALARM' } },
    };
    // The stream Pipe's enrichment reads the config: which fields count, whether normalization is on.
    const { pipeTargetInputLocally, streamRecordOf } = await import('#infra/local/local-stream.ts');
    const streamInput = await calls.during('stream-changes', () => pipeTargetInputLocally([streamRecordOf({ eventName: 'INSERT', after: undecidedLead('Z') })]));
    expect(streamInput).toEqual([{ leadIds: ['Z'] }]);

    // Imported here, after the harness silenced Powertools: the module builds its logger on load.
    const { handler: costKillSwitch } = await import('#functions/cost-kill-switch.ts');
    await calls.during('cost-kill-switch', () =>
      costKillSwitch(killSwitchEvent, { awsRequestId: 'test', functionName: 'cost-kill-switch' } as Context),
    );
    expect(calls.unattributed).toEqual([]);
  });

  it('has every Lambda make exactly the DynamoDB calls its role allows, on the tables it allows them on', () => {
    const { stack, json } = synthesize();
    const tableByLogicalId = new Map(
      (Object.keys(stack.tables.tables) as TableLogicalName[]).map((name) => [logicalIdOf(stack, stack.tables.tables[name]), name]),
    );
    for (const [name, fn] of Object.entries(stack.functions) as Array<[FunctionName, (typeof stack.functions)[FunctionName]]>) {
      const roleRef = JSON.stringify([{ Ref: logicalIdOf(stack, fn.role) }]);
      const policy = Object.values(json.Resources).find((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.Roles) === roleRef);
      const statements = (policy?.Properties?.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }).Statement;
      const granted = new Set(
        statements.flatMap((statement) => {
          const resources = (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]) as Array<{ 'Fn::GetAtt'?: [string, string] }>;
          const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
          return resources.flatMap((resource) => {
            const table = tableByLogicalId.get(resource['Fn::GetAtt']?.[0] ?? '');
            return table ? actions.map((action) => `${table}:${action}`) : [];
          });
        }),
      );
      const made = new Set([...(calls.observed.get(name) ?? [])].filter((call) => !call.startsWith('bedrock:')));
      expect([...made].sort(), name).toEqual([...granted].sort());
    }
  });

  it('calls Bedrock only from InvokeModel, only for the configured model, which is the one its role allows', () => {
    const callers = [...calls.observed].filter(([, made]) => [...made].some((call) => call.startsWith('bedrock:')));
    expect(callers.map(([name]) => name)).toEqual(['invoke-model']);
    expect([...(calls.observed.get('invoke-model') ?? [])].filter((call) => call.startsWith('bedrock:'))).toEqual([`bedrock:InvokeModel:${MODEL_ID}`]);
    const { stack, json } = synthesize();
    const roleRef = JSON.stringify([{ Ref: logicalIdOf(stack, stack.functions['invoke-model'].role) }]);
    const policy = Object.values(json.Resources).find((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.Roles) === roleRef);
    expect(JSON.stringify(policy?.Properties?.PolicyDocument)).toContain(`:foundation-model/${MODEL_ID}`);
  });

  it('maps every Task state of the ASL to a function it observed', () => {
    expect(Object.values(STATE_MACHINES['normalize-leads'].functions).sort()).toEqual([...new Set(Object.values(STATE_TO_FUNCTION))].sort());
    for (const name of Object.values(STATE_TO_FUNCTION)) expect(calls.observed.get(name)?.size ?? 0, name).toBeGreaterThan(0);
  });
});
