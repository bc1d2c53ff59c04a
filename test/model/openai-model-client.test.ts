import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelErrorName } from '#shared/errors/normflow-errors.ts';
import type { ModelClient, ModelRequest } from '#shared/model/model-port.ts';
import {
  chatCompletionsUrl,
  classifyOpenAiStatus,
  createOpenAiModelClient,
} from '#shared/model/providers/openai-model-client.ts';
import { startFakeOpenAiServer, type FakeLlmServer, type FakeStep } from '#test/fakes/fake-openai-server.ts';
import { failureOf } from '#test/fakes/model-failure.ts';
import { describeRetriesOverTheWire } from './model-client-retries.ts';

const MODEL_ID = 'qwen2.5:7b-instruct';
const TIMEOUT_MS = 600;
const SECRET = 'María Fernanda Pérez Calle 80 # 45-12';

const request: ModelRequest = {
  system: 'Normalizas datos de formularios colombianos.',
  user: JSON.stringify({ lead1: { nombres: SECRET } }),
  temperature: 0.1,
  maxTokens: 300,
};

let fake: FakeLlmServer;
let client: ModelClient;

const clientFor = (baseUrl: string, extra: { apiKey?: string; fetch?: typeof fetch } = {}): ModelClient =>
  createOpenAiModelClient({ baseUrl, modelId: MODEL_ID, requestTimeoutMs: TIMEOUT_MS, ...extra });

beforeEach(async () => {
  fake = await startFakeOpenAiServer({ timeoutHoldMs: 5_000 });
  client = clientFor(fake.url);
});

afterEach(async () => {
  await fake.close();
});

describe('chatCompletionsUrl', () => {
  it.each([
    ['http://localhost:11434', 'http://localhost:11434/v1/chat/completions'],
    ['http://localhost:11434/', 'http://localhost:11434/v1/chat/completions'],
    ['http://localhost:11434/v1', 'http://localhost:11434/v1/chat/completions'],
    ['http://localhost:11434/v1/', 'http://localhost:11434/v1/chat/completions'],
    ['https://llm.example.com/proxy', 'https://llm.example.com/proxy/v1/chat/completions'],
    ['https://llm.example.com/proxy/v1', 'https://llm.example.com/proxy/v1/chat/completions'],
  ])('%s → %s', (baseUrl, expected) => {
    expect(chatCompletionsUrl(baseUrl)).toBe(expected);
  });
});

describe('createOpenAiModelClient: normal answers', () => {
  it('posts {model, messages, temperature, max_tokens} and returns the text with the reported usage', async () => {
    const response = await client.complete(request);

    expect(response.text).toBe(request.user);
    expect(response.inputTokens).toBe(Math.ceil((request.system.length + request.user.length) / 4));
    expect(response.outputTokens).toBe(Math.ceil(response.text.length / 4));
    expect(client.provider).toBe('openai');
    expect(client.modelId).toBe(MODEL_ID);

    expect(fake.requestCount).toBe(1);
    const [received] = fake.requests;
    expect(received?.path).toBe('/v1/chat/completions');
    expect(received?.body).toEqual({
      model: MODEL_ID,
      messages: [
        { role: 'system', content: request.system },
        { role: 'user', content: request.user },
      ],
      temperature: 0.1,
      max_tokens: 300,
      stream: false,
    });
    expect(received?.headers.authorization).toBeUndefined();
  });

  it.each(['', '/', '/v1', '/v1/'])('accepts the base URL with suffix %j', async (suffix) => {
    await clientFor(`${fake.url}${suffix}`).complete(request);
    expect(fake.requests.map((received) => received.outcome)).toEqual(['ok']);
  });

  it('sends the API key as a bearer token', async () => {
    await clientFor(fake.url, { apiKey: 'sk-test-123' }).complete(request);
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer sk-test-123');
  });

  it('leaves out the system message when the system prompt is empty', async () => {
    await client.complete({ ...request, system: '' });
    expect(fake.requests[0]?.body).toMatchObject({ messages: [{ role: 'user', content: request.user }] });
  });

  it('estimates tokens at ceil(chars / 4) when the server reports no usage', async () => {
    const noUsage = await startFakeOpenAiServer({ omitUsage: true, answer: () => '{"a":"12345"}' });
    try {
      const response = await clientFor(noUsage.url).complete(request);
      expect(response.inputTokens).toBe(Math.ceil((request.system.length + request.user.length) / 4));
      expect(response.outputTokens).toBe(Math.ceil('{"a":"12345"}'.length / 4));
    } finally {
      await noUsage.close();
    }
  });

  it('uses the injected fetch', async () => {
    const calls: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      calls.push(String(input));
      return fetch(input, init);
    };
    await clientFor(fake.url, { fetch: countingFetch }).complete(request);
    expect(calls).toEqual([`${fake.url}/v1/chat/completions`]);
  });

  it.each<[FakeStep, RegExp]>([
    ['markdown', /^Claro[\s\S]*```json\n\{[\s\S]*\}\n```\n$/],
    ['invalid-json', /,\}$/],
    ['hallucinate', /Zapatería El Cóndor/],
  ])('returns a %s answer as text: parsing it is the engine’s job', async (step, shape) => {
    fake.setBehaviour(step);
    const response = await client.complete(request);
    expect(response.text).toMatch(shape);
  });
});

describe('createOpenAiModelClient: faults', () => {
  it.each<[FakeStep, ModelErrorName]>([
    ['throttle', 'Model.Throttled'],
    [{ kind: 'server-error', status: 503 }, 'Model.Throttled'],
    [{ kind: 'error', status: 502, errorType: 'bad_gateway' }, 'Model.Throttled'],
    [{ kind: 'server-error', status: 500 }, 'Model.Throttled'],
    [{ kind: 'error', status: 504, errorType: 'gateway_timeout' }, 'Model.Timeout'],
    ['connection-reset', 'Model.Timeout'],
    ['auth-error', 'Model.Fatal'],
    [{ kind: 'auth-error', status: 401 }, 'Model.Fatal'],
    [{ kind: 'error', status: 404, errorType: 'not_found_error', message: `model "${MODEL_ID}" not found` }, 'Model.Fatal'],
    [{ kind: 'error', status: 400, errorType: 'invalid_request_error' }, 'Model.Fatal'],
    [{ kind: 'error', status: 422, errorType: 'validation_error' }, 'Model.Fatal'],
    ['malformed-body', 'Model.InvalidResponse'],
    ['empty', 'Model.InvalidResponse'],
  ])('%j → %s', async (step, expected) => {
    fake.setBehaviour(step);
    const error = await failureOf(client.complete(request));
    expect(error.name).toBe(expected);
    expect(error.message).toContain(MODEL_ID);
    expect(fake.requestCount).toBe(1);
  });

  it('keeps the HTTP status and error type as cause, never the error message (it may echo the prompt)', async () => {
    fake.setBehaviour({ kind: 'error', status: 422, errorType: 'validation_error', message: `bad input: ${SECRET}` });
    const error = await failureOf(client.complete(request));

    expect(error.cause).toMatchObject({ status: 422, type: 'validation_error' });
    expect(error.message).toBe(`OpenAI-compatible call to model ${MODEL_ID} at ${new URL(fake.url).host} failed: HTTP 422 (validation_error)`);
    expect(JSON.stringify(error.cause)).not.toContain(SECRET);
    expect(String(error.cause)).not.toContain(SECRET);
  });

  it('a held response is Model.Timeout within the configured time', async () => {
    fake.setBehaviour('timeout');
    const started = performance.now();
    const error = await failureOf(client.complete(request));
    const elapsed = performance.now() - started;

    expect(error.name).toBe('Model.Timeout');
    expect(error.message).toContain(`${TIMEOUT_MS} ms`);
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

  it('a server where nothing listens is Model.Fatal', async () => {
    const gone = await startFakeOpenAiServer();
    await gone.close();
    const error = await failureOf(clientFor(gone.url).complete(request));
    expect(error.name).toBe('Model.Fatal');
  });
});

describeRetriesOverTheWire('OpenAI-compatible', () => ({ fake, client, request }));

describe('classifyOpenAiStatus', () => {
  it.each<[number, ModelErrorName]>([
    [429, 'Model.Throttled'],
    [500, 'Model.Throttled'],
    [502, 'Model.Throttled'],
    [503, 'Model.Throttled'],
    [408, 'Model.Timeout'],
    [504, 'Model.Timeout'],
    [400, 'Model.Fatal'],
    [401, 'Model.Fatal'],
    [403, 'Model.Fatal'],
    [404, 'Model.Fatal'],
    [422, 'Model.Fatal'],
  ])('HTTP %i → %s', (status, expected) => {
    expect(classifyOpenAiStatus(status)).toBe(expected);
  });
});
