import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AWS_EXECUTION_LIMITS } from '#infra/local/history-accounting.ts';
import { generateLeads } from '#shared/samples/lead-generator.ts';
import { startHarness, summaryOf, type Harness } from './local-pipeline-harness.ts';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

it('keeps every state payload under 256 KB at maxLeadsPerRun 10,000 (UUID lead ids), counted as AWS counts', async () => {
  await harness.setConfig({ maxLeadsPerRun: 10_000, maxConcurrency: 40 });
  await harness.seed(generateLeads(10_000).map((lead) => ({ ...lead, leadId: randomUUID() })));
  const result = await harness.run();
  expect(result.error).toBeUndefined();
  expect(summaryOf(result.output).counts.normalized + summaryOf(result.output).counts.unchanged).toBe(10_000);
  const [execution] = result.executions;
  // 2 (execution) + LoadConfig 5 + IsEnabled 2 + SelectLeads 5 + UnwrapSelection 2 + HasWork 2
  // + NormalizeBatches 4 + 1,000 batches × (2 + InvokeModel 5 + PostProcess 5 + WriteResults 5)
  // + Report 5 + MoreToDo 2 + Done 2 = 17,031
  expect(execution?.historyEvents).toBe(17_031);
  expect(execution?.maxPayloadBytes, `largest payload: ${execution?.largestPayload}`).toBeLessThan(AWS_EXECUTION_LIMITS.payloadBytes);
}, 300_000);
