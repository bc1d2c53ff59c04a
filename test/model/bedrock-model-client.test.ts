import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelErrorName } from '#shared/errors/normflow-errors.ts';
import type { ModelClient, ModelRequest } from '#shared/model/model-port.ts';
import { classifyBedrockError, createBedrockModelClient } from '#shared/model/providers/bedrock-model-client.ts';
import { startFakeBedrockServer, type FakeLlmServer, type FakeStep } from '#test/fakes/fake-bedrock-server.ts';
import { failureOf } from '#test/fakes/model-failure.ts';
import { describeRetriesOverTheWire } from './model-client-retries.ts';

const MODEL_ID = 'anthropic.claude-3-haiku-20240307-v1:0';
const TIMEOUT_MS = 600;
const SECRET = 'María Fernanda Pérez Calle 80 # 45-12';

const request: ModelRequest = {
  system: 'Normalizas datos de formularios colombianos.',
  user: JSON.stringify({ lead1: { nombres: SECRET } }),
  temperature: 0,
  maxTokens: 500,
};

let fake: FakeLlmServer;
let client: ModelClient;

const clientFor = (server: FakeLlmServer, modelId = MODEL_ID): ModelClient =>
  createBedrockModelClient({
    modelId,
    region: 'us-east-1',
    endpoint: server.url,
    requestTimeoutMs: TIMEOUT_MS,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

beforeEach(async () => {
  fake = await startFakeBedrockServer({ timeoutHoldMs: 5_000 });
  client = clientFor(fake);
});

afterEach(async () => {
  await fake.close();
});

describe('createBedrockModelClient: normal answers', () => {
  it('sends one Converse request and returns the text with the reported token usage', async () => {
    const response = await client.complete(request);

    expect(response.text).toBe(request.user);
    expect(response.inputTokens).toBe(Math.ceil((request.system.length + request.user.length) / 4));
    expect(response.outputTokens).toBe(Math.ceil(response.text.length / 4));
    expect(client.provider).toBe('bedrock');
    expect(client.modelId).toBe(MODEL_ID);

    expect(fake.requestCount).toBe(1);
    const [received] = fake.requests;
    expect(received?.path).toBe(`/model/${encodeURIComponent(MODEL_ID)}/converse`);
    expect(received?.modelId).toBe(MODEL_ID);
    expect(received?.body).toEqual({
      system: [{ text: request.system }],
      messages: [{ role: 'user', content: [{ text: request.user }] }],
      inferenceConfig: { temperature: 0, maxTokens: 500 },
    });
    expect(String(received?.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=test\//);
  });

  it('leaves out the system block when the system prompt is empty (Bedrock rejects blank text)', async () => {
    await client.complete({ ...request, system: '' });
    expect(fake.requests[0]?.body).not.toHaveProperty('system');
  });

  it('uses the fake model given as `answer`', async () => {
    const custom = await startFakeBedrockServer({ answer: (user) => `{"length": ${user.length}}` });
    try {
      const response = await clientFor(custom).complete(request);
      expect(response.text).toBe(`{"length": ${request.user.length}}`);
    } finally {
      await custom.close();
    }
  });

  it('routes a cross-region inference profile id as given', async () => {
    const profileClient = clientFor(fake, `us.${MODEL_ID}`);
    await profileClient.complete(request);
    expect(fake.requests[0]?.modelId).toBe(`us.${MODEL_ID}`);
  });

  it.each<[FakeStep, RegExp]>([
    ['markdown', /^Claro[\s\S]*```json\n\{[\s\S]*\}\n```\n$/],
    ['invalid-json', /,\}$/],
    ['hallucinate', /Zapatería El Cóndor/],
  ])('returns a %s answer as text: parsing it is the engine’s job', async (step, shape) => {
    fake.setBehaviour(step);
    const response = await client.complete(request);
    expect(response.text).toMatch(shape);
    expect(response.outputTokens).toBe(Math.ceil(response.text.length / 4));
  });
});

describe('createBedrockModelClient: faults', () => {
  it.each<[FakeStep, ModelErrorName]>([
    ['throttle', 'Model.Throttled'],
    [{ kind: 'server-error', status: 503 }, 'Model.Throttled'],
    [{ kind: 'server-error', status: 500 }, 'Model.Throttled'],
    [{ kind: 'error', status: 429, errorType: 'ServiceQuotaExceededException' }, 'Model.Throttled'],
    [{ kind: 'error', status: 429, errorType: 'ModelNotReadyException' }, 'Model.Throttled'],
    [{ kind: 'error', status: 408, errorType: 'ModelTimeoutException' }, 'Model.Timeout'],
    ['connection-reset', 'Model.Timeout'],
    ['auth-error', 'Model.Fatal'],
    [{ kind: 'auth-error', status: 401 }, 'Model.Fatal'],
    [{ kind: 'error', status: 400, errorType: 'ValidationException' }, 'Model.Fatal'],
    [{ kind: 'error', status: 404, errorType: 'ResourceNotFoundException' }, 'Model.Fatal'],
    [{ kind: 'error', status: 424, errorType: 'ModelErrorException' }, 'Model.InvalidResponse'],
    ['malformed-body', 'Model.InvalidResponse'],
  ])('%j → %s, after exactly one attempt, with the SDK error as cause', async (step, expected) => {
    fake.setBehaviour(step);
    const error = await failureOf(client.complete(request));

    expect(error.name).toBe(expected);
    expect(error.cause).toBeDefined();
    expect(error.message).toContain(MODEL_ID);
    expect(error.message).not.toContain(SECRET);
    expect(fake.requestCount).toBe(1);
  });

  it('a response with no text is Model.InvalidResponse', async () => {
    fake.setBehaviour('empty');
    const error = await failureOf(client.complete(request));
    expect(error.name).toBe('Model.InvalidResponse');
  });

  it('a held response is Model.Timeout within the configured time', async () => {
    fake.setBehaviour('timeout');
    const started = performance.now();
    const error = await failureOf(client.complete(request));
    const elapsed = performance.now() - started;

    expect(error.name).toBe('Model.Timeout');
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 800);
  });

  it('a stalled response body is Model.Timeout within the configured time', async () => {
    fake.setBehaviour('slow-body');
    const started = performance.now();
    const error = await failureOf(client.complete(request));
    expect(error.name).toBe('Model.Timeout');
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 800);
  });

  it('an endpoint where nothing listens is Model.Fatal', async () => {
    const gone = await startFakeBedrockServer();
    const goneClient = clientFor(gone);
    await gone.close();
    const error = await failureOf(goneClient.complete(request));
    expect(error.name).toBe('Model.Fatal');
  });
});

describeRetriesOverTheWire('Bedrock', () => ({ fake, client, request }));

describe('classifyBedrockError', () => {
  it.each<[string, unknown, ModelErrorName]>([
    ['TooManyRequestsException', { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }, 'Model.Throttled'],
    ['an unnamed 429', { name: 'Error', $metadata: { httpStatusCode: 429 } }, 'Model.Throttled'],
    ['an unnamed 503', { name: 'Error', $metadata: { httpStatusCode: 503 } }, 'Model.Throttled'],
    ['a server fault', { name: 'SomethingNew', $fault: 'server', $metadata: { httpStatusCode: 500 } }, 'Model.Throttled'],
    ['TimeoutError', Object.assign(new Error('x'), { name: 'TimeoutError' }), 'Model.Timeout'],
    ['AbortError', Object.assign(new Error('x'), { name: 'AbortError' }), 'Model.Timeout'],
    ['ETIMEDOUT', Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), 'Model.Timeout'],
    ['ECONNRESET in a cause', new Error('x', { cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) }), 'Model.Timeout'],
    ['ECONNREFUSED', Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'Model.Fatal'],
    ['ExpiredTokenException', { name: 'ExpiredTokenException', $metadata: { httpStatusCode: 403 } }, 'Model.Fatal'],
    ['an unnamed 403', { name: 'Error', $metadata: { httpStatusCode: 403 } }, 'Model.Fatal'],
    ['CredentialsProviderError', Object.assign(new Error('x'), { name: 'CredentialsProviderError' }), 'Model.Fatal'],
    ['a non-error value', 'boom', 'Model.Fatal'],
  ])('%s → %s', (_label, error, expected) => {
    expect(classifyBedrockError(error)).toBe(expected);
  });
});
