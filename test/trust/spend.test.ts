import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { createBatchRunner } from '#shared/engine/batch-runner.ts';
import { ValueCache } from '#shared/engine/value-cache.ts';
import { createOpenAiModelClient } from '#shared/model/providers/openai-model-client.ts';
import { metrics } from '#shared/runtime/observability.ts';
import type { FakeLlmServer, FakeStep } from '#test/fakes/fake-llm-server.ts';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';
import { startHarness, summaryOf, type Harness } from '#test/state-machines/local-pipeline-harness.ts';

/** Count every token: invalid answers' too, every HTTP attempt as a call, never a paid answer twice, spend visible while it happens. */

const PRICES = { 'fake-model': { inputPerMillion: 1_000, outputPerMillion: 1_000 } };
const undecidedLead = (leadId: string) => ({ leadId, nivelEducativo: 'Posgrado' });
const answerSpecialist = (user: string) =>
  JSON.stringify(Object.fromEntries(Object.keys(JSON.parse(user) as object).map((id) => [id, { nivelEducativo: 'Especialista' }])));

let harness: Harness;
let fake: FakeLlmServer;

async function useModel(behaviour: FakeStep[]) {
  fake = await startFakeOpenAiServer({ answer: answerSpecialist, behaviour });
  harness.setDeployment({ provider: 'openai', baseUrl: fake.url });
  await harness.setConfig({ maxConcurrency: 1, model: { modelId: 'fake-model', requestTimeoutMs: 2_000, prices: PRICES } });
}

beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await harness.close();
  await fake?.close();
});

describe('the pipeline', () => {
  it('counts the tokens of invalid answers and every HTTP attempt as a call', async () => {
    await useModel(['invalid-json', 'invalid-json']);
    await harness.seed([undecidedLead('A')]);
    const summary = summaryOf((await harness.run()).output);
    expect(fake.requestCount).toBe(2);
    expect(summary.model.calls).toBe(2);
    expect(summary.model.inputTokens).toBeGreaterThan(0);
    expect(summary.model.outputTokens).toBeGreaterThan(0);
    expect(summary.model.estimatedCostUSD).toBeGreaterThan(0);
    expect(summary.model.failedBatches).toEqual({ 'Model.InvalidResponse': 1 });
  });

  it('InvokeModel is idempotent per (run, batch): a retry after a paid answer does not call the model again', async () => {
    await useModel([]);
    await harness.seed([undecidedLead('A')]);
    let lostResponses = 0;
    const result = await harness.run({}, {
      handlerOverrides: {
        // The model answered and the answer was saved, then the invocation's response was lost.
        InvokeModel: async (payload, next) => {
          const output = await next(payload);
          if (lostResponses++ === 0) throw Object.assign(new Error('response lost'), { name: 'Lambda.ServiceException' });
          return output;
        },
      },
    });
    expect(lostResponses).toBe(2);
    expect(fake.requestCount).toBe(1);
    const summary = summaryOf(result.output);
    expect(summary.model.calls).toBe(1);
    expect((await harness.lead('A'))?.normalizedData).toMatchObject({ nivelEducativo: 'Especialista' });
  });

  it('emits each attempt\'s cost (BatchCostUSD) from InvokeModel as it is spent, failed attempts included', async () => {
    await useModel(['invalid-json', 'ok']);
    await harness.seed([undecidedLead('A')]);
    const emitted = vi.spyOn(metrics, 'addMetric');
    const summary = summaryOf((await harness.run()).output);
    const batchCosts = emitted.mock.calls.filter(([name]) => name === 'BatchCostUSD').map(([, , value]) => value);
    expect(batchCosts).toHaveLength(2);
    expect(batchCosts.every((cost) => cost > 0)).toBe(true);
    expect(batchCosts.reduce((sum, cost) => sum + cost, 0)).toBeCloseTo(summary.model.estimatedCostUSD, 10);
  });

  it('a failed batch and its lead retried alone still report what each spent', async () => {
    await useModel([]);
    await harness.seed([undecidedLead('A')]);
    const crash = async () => {
      throw Object.assign(new Error('crash'), { name: 'Crash' });
    };
    const result = await harness.run({}, { handlerOverrides: { WriteResults: crash, LeadWriteResults: crash } });
    const summary = summaryOf(result.output);
    expect(summary.counts).toMatchObject({ failed: 1, splitBatches: 1 });
    // The batch's call (on its split record) and the lead's own call (on its failure record).
    expect(fake.requestCount).toBe(2);
    expect(summary.model.calls).toBe(2);
    expect(summary.model.outputTokens).toBeGreaterThan(0);
  });

  it('a lead of a split batch is asked again under its own key: never answered from its batch\'s saved answer', async () => {
    await useModel([]);
    await harness.setConfig({ maxConcurrency: 1, cacheEnabled: false, model: { modelId: 'fake-model', requestTimeoutMs: 2_000, prices: PRICES } });
    await harness.seed([undecidedLead('A')]);
    const crash = async () => {
      throw Object.assign(new Error('crash'), { name: 'Crash' });
    };
    // The batch's model call completed (its answer saved), then the batch failed after it.
    const result = await harness.run({}, { handlerOverrides: { WriteResults: crash } });
    const summary = summaryOf(result.output);
    expect(summary.counts).toMatchObject({ selected: 1, normalized: 1, failed: 0, splitBatches: 1 });
    // Keyed by the batch alone, the lead's call would have been "completed" already and its answer missing.
    expect(fake.requestCount).toBe(2);
    expect(summary.model.calls).toBe(2);
    expect((await harness.lead('A'))?.normalizedData).toMatchObject({ nivelEducativo: 'Especialista' });
    expect((await harness.lead('A'))?.normalizationMeta).toMatchObject({ nivelEducativo: { source: 'llm' } });
  });
});

describe('normalize (the CLI engine)', () => {
  it('counts the same way: invalid answers\' tokens, every attempt', async () => {
    fake = await startFakeOpenAiServer({ behaviour: ['invalid-json', 'invalid-json'] });
    const config = parseConfig({ model: { provider: 'openai', baseUrl: fake.url, modelId: 'fake-model', prices: PRICES } });
    const runner = createBatchRunner({
      config,
      model: createOpenAiModelClient({ baseUrl: fake.url, modelId: 'fake-model', requestTimeoutMs: 2_000 }),
      cache: new ValueCache(),
    });
    await runner.normalize([{ id: 'A', attributes: undecidedLead('A') }]);
    const totals = runner.totals();
    expect(totals.modelCalls).toBe(2);
    expect(totals.outputTokens).toBeGreaterThan(0);
    expect(totals.costUSD).toBeGreaterThan(0);
    expect(Object.keys(totals.modelFailureCauses)).toEqual([expect.stringMatching(/^Model\.InvalidResponse: model answer is not a JSON object \(\d+ characters\)$/)]);
  });
});

describe('the InvokeModel handler', () => {
  it('returns the completed result of a batch without a model call when invoked again', async () => {
    await useModel([]);
    await harness.seed([undecidedLead('A')]);
    await harness.stores.runs.saveBatches('run-x', [{ batchIndex: 0, leadIds: ['A'] }]);
    const { handler } = await import('#functions/invoke-model.ts');
    const task = { runId: 'run-x', batchIndex: 0, config: parseConfig({ model: { modelId: 'fake-model', prices: PRICES } }), dryRun: false };
    const context = { awsRequestId: 't', functionName: 'invoke-model', getRemainingTimeInMillis: () => 60_000 } as Context;
    const first = (await handler(task, context)) as { outcome: string; usage: { modelCalls: number } };
    const again = (await handler(task, context)) as { outcome: string; usage: { modelCalls: number } };
    expect(first).toMatchObject({ outcome: 'answered', usage: { modelCalls: 1 } });
    expect(again).toMatchObject({ outcome: 'answered', usage: { modelCalls: 0 } });
    expect(fake.requestCount).toBe(1);
    expect(await harness.stores.runs.loadBatchUsage('run-x', 0)).toMatchObject({ modelCalls: 1 });
  });
});
