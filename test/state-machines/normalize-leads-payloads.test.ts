import { afterAll, beforeAll, expect, it } from 'vitest';
import { AWS_EXECUTION_LIMITS } from '#infra/local/history-accounting.ts';
import { parentExecutionEvents, segmentExecutionEvents } from '#shared/pipeline/execution-plan.ts';
import { generateLeads } from '#shared/samples/lead-generator.ts';
import { startHarness, summaryOf, type Harness } from './local-pipeline-harness.ts';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

/** UUID-shaped, so ids are as long as real ones, yet the same on every run. */
const uuidLike = (index: number) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;

it('keeps every payload under 256 KB and every history under 25,000 events at maxLeadsPerRun 10,000 (36-character ids)', async () => {
  await harness.setConfig({ maxLeadsPerRun: 10_000, maxConcurrency: 20, maxParallelSegments: 4 });
  await harness.seed(generateLeads(10_000).map((lead, index) => ({ ...lead, leadId: uuidLike(index) })));
  const result = await harness.run();
  expect(result.error).toBeUndefined();
  const summary = summaryOf(result.output);
  expect(summary.counts.normalized + summary.counts.unchanged).toBe(10_000);
  const [parent, ...children] = result.executions;
  // The parent writes the same events whatever the number of leads: 16 + 15 per round.
  expect(parent?.historyEvents).toBe(parentExecutionEvents(summary.segments.rounds));
  expect(children).toHaveLength(summary.segments.total * summary.segments.rounds);
  for (const execution of result.executions) {
    expect(execution.historyEvents).toBeLessThanOrEqual(segmentExecutionEvents(4));
    expect(execution.maxPayloadBytes, `largest payload: ${execution.largestPayload}`).toBeLessThan(AWS_EXECUTION_LIMITS.payloadBytes);
  }
}, 300_000);
