import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBedrockModelClient } from '#shared/model/providers/bedrock-model-client.ts';
import { startFakeBedrockServer } from '#test/fakes/fake-bedrock-server.ts';
import type { FakeLlmServer } from '#test/fakes/fake-llm-server.ts';
import { startHarness, summaryOf, type Harness } from '#test/state-machines/local-pipeline-harness.ts';
import { failureOf } from '#test/fakes/model-failure.ts';

/** Say why: each distinct model failure cause, once, in words an operator can act on, with no personal data. */

const request = { system: 's', user: JSON.stringify({ L1: { nombres: 'María Fernanda Pérez' } }), temperature: 0, maxTokens: 100 };
let harness: Harness | undefined;
let fake: FakeLlmServer | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await harness?.close();
  await fake?.close();
  harness = undefined;
  fake = undefined;
});

/** No credentials and no region from anywhere: environment, profile files or instance metadata. */
function noAwsSetup() {
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

describe('the summary names the cause', () => {
  it('a refused connection: once, with the endpoint, for every batch it hit; the leads keep the rules\' values', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    harness = await startHarness();
    harness.setDeployment({ provider: 'openai', baseUrl: `http://127.0.0.1:${port}` });
    await harness.setConfig({ batchSize: 1, maxConcurrency: 1, model: { modelId: 'm', requestTimeoutMs: 2_000 } });
    await harness.seed([{ leadId: 'A', nivelEducativo: 'Posgrado' }, { leadId: 'B', nivelEducativo: 'Curso de cocina' }]);
    const summary = summaryOf((await harness.run()).output);
    expect(summary.status).toBe('completed-with-failures');
    expect(summary.counts).toMatchObject({ normalized: 1, unchanged: 1, failed: 0 });
    expect(summary.model.failureCauses).toEqual({
      [`Model.Fatal: OpenAI-compatible call to model m at 127.0.0.1:${port} failed: connection refused at 127.0.0.1:${port} (ECONNREFUSED)`]: 2,
    });
  });

  it('no AWS credentials', async () => {
    fake = await startFakeBedrockServer();
    noAwsSetup();
    const client = createBedrockModelClient({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', region: 'us-east-1', endpoint: fake.url, requestTimeoutMs: 5_000 });
    const error = await failureOf(client.complete(request));
    expect(error.name).toBe('Model.Fatal');
    expect(error.message).toBe('Bedrock Converse failed for model anthropic.claude-3-haiku-20240307-v1:0: no AWS credentials found (CredentialsProviderError)');
    expect(fake.requestCount).toBe(0);
  });

  it('a missing region', async () => {
    noAwsSetup();
    const client = createBedrockModelClient({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', requestTimeoutMs: 5_000, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
    const error = await failureOf(client.complete(request));
    expect(error.name).toBe('Model.Fatal');
    expect(error.message).toContain('the AWS region is missing');
    expect(error.message).not.toContain('María');
  });
});
