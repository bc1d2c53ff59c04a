import { afterEach, describe, expect, it } from 'vitest';
import type { ModelRequest } from '#shared/model/model-port.ts';
import { createBedrockModelClient } from '#shared/model/providers/bedrock-model-client.ts';
import { createOpenAiModelClient } from '#shared/model/providers/openai-model-client.ts';
import { startFakeBedrockServer } from '#test/fakes/fake-bedrock-server.ts';
import type { FakeLlmServer } from '#test/fakes/fake-llm-server.ts';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';
import { startHarness, summaryOf, type Harness } from '#test/state-machines/local-pipeline-harness.ts';
import { failureOf } from '#test/fakes/model-failure.ts';

/**
 * A model response that never ends is cut off at `model.maxResponseBytes` and counted as
 * `Model.InvalidResponse`, with the tokens it streamed. Peak memory against the same fake is
 * measured by `npm run bench:endless` (a figure, not a timed test).
 */

const MAX_BYTES = 256 * 1024;
const request: ModelRequest = { system: 's', user: JSON.stringify({ L1: { nivelEducativo: 'Posgrado' } }), temperature: 0, maxTokens: 100 };
let fake: FakeLlmServer | undefined;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  await fake?.close();
  harness = undefined;
  fake = undefined;
});

describe('a never-ending answer is cut off', () => {
  it('OpenAI-compatible: Model.InvalidResponse at the byte cap, its tokens counted, the server stopped', async () => {
    fake = await startFakeOpenAiServer({ behaviour: 'endless' });
    const client = createOpenAiModelClient({ baseUrl: fake.url, modelId: 'm', requestTimeoutMs: 20_000, maxResponseBytes: MAX_BYTES });
    const error = await failureOf(client.complete(request));
    expect(error.name).toBe('Model.InvalidResponse');
    expect(error.message).toContain(`passed ${MAX_BYTES} bytes and was cut off`);
    expect(error.usage?.outputTokens).toBeGreaterThanOrEqual(MAX_BYTES / 4);
    // What the server got out before the client hung up: the cap plus socket buffers, not gigabytes.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.endlessBytesSent).toBeLessThan(32 * 1024 * 1024);
  });

  it('Bedrock: the same, below the SDK (which would otherwise collect the whole body)', async () => {
    fake = await startFakeBedrockServer({ behaviour: 'endless' });
    const client = createBedrockModelClient({
      modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      region: 'us-east-1',
      endpoint: fake.url,
      requestTimeoutMs: 20_000,
      maxResponseBytes: MAX_BYTES,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const error = await failureOf(client.complete(request));
    expect(error.name).toBe('Model.InvalidResponse');
    expect(error.message).toContain('cut off');
    expect(error.usage?.outputTokens).toBeGreaterThanOrEqual(MAX_BYTES / 4);
  });

  it('the pipeline: retried once, then the rules\' values flagged llm-unavailable, the failure named in the summary', async () => {
    fake = await startFakeOpenAiServer({ behaviour: 'endless' });
    harness = await startHarness();
    harness.setDeployment({ provider: 'openai', baseUrl: fake.url });
    await harness.setConfig({ maxConcurrency: 1, model: { modelId: 'm', requestTimeoutMs: 20_000, maxResponseBytes: MAX_BYTES } });
    await harness.seed([{ leadId: 'A', nivelEducativo: 'Posgrado' }]);
    const result = await harness.run();
    const summary = summaryOf(result.output);
    expect(summary.model.failedBatches).toEqual({ 'Model.InvalidResponse': 1 });
    expect(fake.requestCount).toBe(2);
    expect((await harness.lead('A'))?.normalizationMeta).toMatchObject({ nivelEducativo: { source: 'rules', flags: ['unrecognized-education', 'llm-unavailable'] } });
  });
});
