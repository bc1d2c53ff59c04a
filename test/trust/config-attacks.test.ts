import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveRunConfig } from '#shared/config/config-sources.ts';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';
import type { FakeLlmServer } from '#test/fakes/fake-llm-server.ts';
import { startFakeSecretsManager, type FakeSecretsManager } from '#test/fakes/fake-secrets-manager-server.ts';
import { startHarness, summaryOf, type Harness } from '#test/state-machines/local-pipeline-harness.ts';

/**
 * Attacks on configuration, as someone who can write the config table (but not deploy) would try
 * them, against the real handlers and a wire-level echo server that records every connection and
 * Authorization header it sees.
 */

const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE-SESSION-TOKEN';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:llm-key-AbCdEf';
const undecidedLead = (leadId: string) => ({ leadId, nombres: 'ANA', nivelEducativo: 'Posgrado', ciudad: 'medellin' });
const answerSpecialist = (user: string) =>
  JSON.stringify(Object.fromEntries(Object.keys(JSON.parse(user) as object).map((id) => [id, { nivelEducativo: 'Especialista' }])));

let harness: Harness;
const servers: Array<{ close(): Promise<void> }> = [];
const savedEnv = { ...process.env };

beforeEach(async () => {
  harness = await startHarness();
  process.env.AWS_SESSION_TOKEN = SESSION_TOKEN;
});
afterEach(async () => {
  process.env = { ...savedEnv };
  await harness.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function echoServer(): Promise<FakeLlmServer> {
  const server = await startFakeOpenAiServer({ answer: answerSpecialist });
  servers.push(server);
  return server;
}

const authorizations = (server: FakeLlmServer) => server.requests.map((request) => request.headers.authorization);

describe('the config table is data, not deployment', () => {
  it('refuses the issue\'s item (endpoint, key source, provider) naming each key, before any connection', async () => {
    const attacker = await echoServer();
    await harness.seed([undecidedLead('A')]);
    await harness.setConfig({ model: { provider: 'openai', baseUrl: `${attacker.url}/v1`, apiKeyEnv: 'AWS_SESSION_TOKEN' } });
    const result = await harness.run();
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('Config.Invalid');
    for (const key of ['model.provider', 'model.baseUrl', 'model.apiKeyEnv']) expect(result.error?.message).toContain(`"${key}"`);
    expect(attacker.connectionCount).toBe(0);
    expect((await harness.lead('A'))?.normalizedAt).toBeUndefined();
  });

  it('lets the item pick only among the model ids the deployment allows', async () => {
    const model = await echoServer();
    harness.setDeployment({ provider: 'openai', baseUrl: model.url, allowedModelIds: ['small-model', 'large-model'], defaults: { model: { modelId: 'small-model' } } });
    await harness.seed([undecidedLead('A')]);

    await harness.setConfig({ model: { modelId: 'attacker-chosen-model' } });
    const refused = await harness.run();
    expect(refused.error?.name).toBe('Config.Invalid');
    expect(refused.error?.message).toContain('"model.modelId" "attacker-chosen-model"');
    expect(model.connectionCount).toBe(0);

    await harness.setConfig({ model: { modelId: 'large-model', requestTimeoutMs: 2_000 } });
    const allowed = await harness.run();
    expect(allowed.status).toBe('SUCCEEDED');
    expect(model.requests.map((request) => request.modelId)).toEqual(['large-model']);
  });

  it('builds the client from the deployment, not from a forged task payload', async () => {
    const deployed = await echoServer();
    const attacker = await echoServer();
    harness.setDeployment({ provider: 'openai', baseUrl: deployed.url });
    await harness.seed([undecidedLead('A')]);
    await harness.stores.runs.saveBatches('forged-run', [{ batchIndex: 0, leadIds: ['A'] }]);
    const forged = parseConfig({ model: { provider: 'openai', modelId: 'm', baseUrl: attacker.url, apiKeyEnv: 'NORMFLOW_STOLEN', allowInsecureHttp: true } });
    process.env.NORMFLOW_STOLEN = 'would-be-stolen';
    const { handler } = await import('#functions/invoke-model.ts');
    await handler({ runId: 'forged-run', batchIndex: 0, config: forged, dryRun: false }, { awsRequestId: 't', functionName: 'invoke-model', getRemainingTimeInMillis: () => 60_000 } as Context);
    expect(attacker.connectionCount).toBe(0);
    expect(deployed.requestCount).toBe(1);
    expect(authorizations(deployed)).toEqual([undefined]);
  });
});

describe('API keys', () => {
  it('reads the key from the deployed secret once per container and sends it only to the deployed endpoint', async () => {
    const model = await echoServer();
    const secrets: FakeSecretsManager = await startFakeSecretsManager({ [SECRET_ARN]: 'sk-from-secrets-manager' });
    servers.push(secrets);
    Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    harness.setDeployment({ provider: 'openai', baseUrl: model.url, apiKeySecretArn: SECRET_ARN });
    await harness.setConfig({ batchSize: 1, maxConcurrency: 1, cacheEnabled: false, model: { modelId: 'm', requestTimeoutMs: 2_000 } });
    await harness.seed(['A', 'B', 'C'].map(undecidedLead));
    const result = await harness.run();
    expect(summaryOf(result.output).counts.normalized).toBe(3);
    expect(authorizations(model)).toEqual(Array(3).fill('Bearer sk-from-secrets-manager'));
    expect(secrets.reads).toEqual([SECRET_ARN]);
  });

  it('never names a variable outside NORMFLOW_* as the key, even from --config', () => {
    expect(() =>
      resolveRunConfig({
        deployment: { defaults: {}, model: { provider: 'rules' }, allowedModelIds: undefined },
        tableItem: undefined,
        override: { model: { provider: 'openai', baseUrl: 'http://localhost:1', apiKeyEnv: 'AWS_SESSION_TOKEN' } },
        env: process.env,
      }),
    ).toThrow(/model\.apiKeyEnv: must name a NORMFLOW_\* environment variable/);
  });

  it('never sends a key over plain http to another host unless the operator allows it', async () => {
    const model = await echoServer();
    // 0.0.0.0 reaches this machine's listener but is not a loopback name: it stands for any other host.
    const remote = model.url.replace('127.0.0.1', '0.0.0.0');
    process.env.NORMFLOW_OPENAI_API_KEY = 'sk-local-key';
    harness.setDeployment({ provider: 'openai', baseUrl: remote });
    await harness.setConfig({ model: { modelId: 'm', requestTimeoutMs: 2_000 } });
    await harness.seed([undecidedLead('A')]);

    const refused = await harness.run();
    expect(refused.error?.name).toBe('Config.Invalid');
    expect(refused.error?.message).toMatch(/plain http to 0\.0\.0\.0:\d+, which is not this machine/);
    expect(model.connectionCount).toBe(0);

    process.env.NORMFLOW_CONFIG_OVERRIDE = JSON.stringify({ model: { allowInsecureHttp: true } });
    const allowed = await harness.run();
    expect(allowed.status).toBe('SUCCEEDED');
    expect(authorizations(model)).toEqual(['Bearer sk-local-key']);
  });
});
