import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { createBatchRunner } from '#shared/engine/batch-runner.ts';
import { ValueCache } from '#shared/engine/value-cache.ts';
import type { ModelClient } from '#shared/model/model-port.ts';
import { createBedrockModelClient } from '#shared/model/providers/bedrock-model-client.ts';
import { createOpenAiModelClient } from '#shared/model/providers/openai-model-client.ts';
import { startFakeBedrockServer } from '#test/fakes/fake-bedrock-server.ts';
import type { FakeLlmServer, FakeStep } from '#test/fakes/fake-llm-server.ts';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';
import { plausibleAnswer } from '#test/fakes/plausible-answers.ts';

/** The engine end to end over HTTP: real SDK client / fetch → fake Bedrock Runtime or OpenAI endpoint. */
const fakes: FakeLlmServer[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

const answerLevel = (user: string) =>
  JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(user) as Record<string, Record<string, string>>).map(([id, fields]) => [id, Object.fromEntries(Object.keys(fields).map((field) => [field, field === 'ciudad' ? 'Neiva' : 'Especialista']))])));

const providers: Array<[string, (behaviour: FakeStep[]) => Promise<ModelClient>]> = [
  [
    'bedrock',
    async (behaviour) => {
      const fake = await startFakeBedrockServer({ answer: answerLevel, behaviour, timeoutHoldMs: 4_000 });
      fakes.push(fake);
      return createBedrockModelClient({
        modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
        region: 'us-east-1',
        endpoint: fake.url,
        requestTimeoutMs: 1_500,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
    },
  ],
  [
    'openai',
    async (behaviour) => {
      const fake = await startFakeOpenAiServer({ answer: answerLevel, behaviour, timeoutHoldMs: 4_000 });
      fakes.push(fake);
      return createOpenAiModelClient({ baseUrl: fake.url, modelId: 'llama3.1', requestTimeoutMs: 1_500 });
    },
  ],
];

const records = [
  { id: 'A', attributes: { nombres: 'ANA', nivelEducativo: 'Posgrado' } },
  { id: 'B', attributes: { ciudad: 'Neiba', apellidos: 'GÓMEZ' } },
];

async function normalizeWith(model: ModelClient) {
  const config = parseConfig({});
  const runner = createBatchRunner({
    config,
    model,
    cache: new ValueCache(),
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
  });
  const [a, b] = await runner.normalize(records);
  return { a, b, totals: runner.totals() };
}

describe.each(providers)('engine over the wire (%s)', (_name, connect) => {
  it('uses accepted answers and counts the tokens the service reports', async () => {
    const { a, b, totals } = await normalizeWith(await connect([]));
    expect(a?.normalizedData).toMatchObject({ nombres: 'Ana', nivelEducativo: 'Especialista' });
    expect(b?.normalizedData).toMatchObject({ ciudad: 'Neiva', ciudadCodigoDane: '41001', apellidos: 'Gómez' });
    expect(totals).toMatchObject({ modelCalls: 1, modelFailures: {} });
    expect(totals.inputTokens).toBeGreaterThan(0);
  });

  it('retries throttling and a time-out, then succeeds', async () => {
    const { a, totals } = await normalizeWith(await connect(['throttle', 'timeout']));
    expect(a?.normalizationMeta.nivelEducativo?.source).toBe('llm');
    expect(totals.modelCalls).toBe(3);
  });

  it('reads a markdown-wrapped answer', async () => {
    const { a } = await normalizeWith(await connect(['markdown']));
    expect(a?.normalizedData.nivelEducativo).toBe('Especialista');
  });

  it('invalid JSON twice: the rules values stay, flagged llm-unavailable', async () => {
    const { a, totals } = await normalizeWith(await connect(['invalid-json', 'invalid-json']));
    expect(a?.normalizationMeta.nivelEducativo).toEqual({ source: 'rules', changed: false, flags: ['unrecognized-education', 'llm-unavailable'] });
    expect(totals.modelFailures).toEqual({ 'Model.InvalidResponse': 1 });
  });

  it('hallucinated values are rejected by the guardrails', async () => {
    const { a, b } = await normalizeWith(await connect(['hallucinate']));
    expect(b?.normalizedData.ciudad).toBe('Neiba');
    expect(b?.normalizationMeta.ciudad?.flags).toContain('llm-rejected');
    expect(a?.normalizationMeta.nivelEducativo?.flags).toContain('llm-rejected');
  });

  it('an auth error is fatal: not retried, the batch keeps the rules values', async () => {
    const { a, totals } = await normalizeWith(await connect([{ kind: 'auth-error', status: 403 }]));
    expect(totals).toMatchObject({ modelCalls: 1, modelFailures: { 'Model.Fatal': 1 } });
    expect(a?.normalizedData).toMatchObject({ nombres: 'Ana', nivelEducativo: 'Posgrado' });
  });
});

describe("the benchmarks' plausible fake model", () => {
  it('is answered the way a careful model is: accepted, cached, and replayed from the cache in a later batch', async () => {
    const config = parseConfig({});
    const fake = await startFakeOpenAiServer({ answer: plausibleAnswer(config.fields) });
    fakes.push(fake);
    const model = createOpenAiModelClient({ baseUrl: fake.url, modelId: 'llama3.1', requestTimeoutMs: 1_500 });
    const runner = createBatchRunner({ config, model, cache: new ValueCache() });
    const batch = (id: string) => [{ id, attributes: { ciudad: 'Rionegro', nivelEducativo: 'Posgrado', direccion: 'Vereda La Palma' } }];
    const [first] = await runner.normalize(batch('A'));
    const [second] = await runner.normalize(batch('B'));
    expect(first?.normalizedData).toMatchObject({ ciudad: 'Rionegro', ciudadDepartamento: 'Antioquia', nivelEducativo: 'Especialista' });
    expect(first?.normalizationMeta).toMatchObject({ ciudad: { source: 'llm' }, nivelEducativo: { source: 'llm' } });
    // A rural address has no urban reading a model could honestly give: rejected, so never cached.
    expect(first?.normalizationMeta.direccion).toMatchObject({ source: 'rules', flags: ['unparsed-address', 'llm-rejected'] });
    expect(second?.normalizedData).toEqual({ ...first?.normalizedData });
    expect(second?.normalizationMeta).toMatchObject({ ciudad: { source: 'cache' }, nivelEducativo: { source: 'cache' }, direccion: { source: 'rules' } });
    expect(runner.totals()).toMatchObject({ modelCalls: 2, cacheHits: 2 });
  });
});
