import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateLeads } from '#shared/samples/lead-generator.ts';
import { startHarness, summaryOf, type Harness } from './local-pipeline-harness.ts';

const STEP_FUNCTIONS_PAYLOAD_LIMIT = 256 * 1024;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

it('keeps every state payload under 256 KB at maxLeadsPerRun 10,000 (UUID lead ids)', async () => {
  await harness.setConfig({ maxLeadsPerRun: 10_000, maxConcurrency: 40 });
  await harness.seed(generateLeads(10_000).map((lead) => ({ ...lead, leadId: randomUUID() })));
  let largest = { bytes: 0, where: '' };
  let events = 0;
  const result = await harness.run({}, {
    onEvent: (event) => {
      events += 1;
      const bytes = Buffer.byteLength(JSON.stringify(event));
      if (bytes > largest.bytes) largest = { bytes, where: `${event.type} ${'state' in event ? event.state.name : ''}` };
    },
  });
  expect(summaryOf(result.output).counts.normalized + summaryOf(result.output).counts.unchanged).toBe(10_000);
  expect(events).toBeGreaterThan(1_000);
  // Each event holds a state's input and output, so this bounds every payload of the run.
  expect(largest.bytes, `largest payload: ${largest.where}`).toBeLessThan(STEP_FUNCTIONS_PAYLOAD_LIMIT);
}, 300_000);
