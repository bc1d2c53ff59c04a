import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AWS_EXECUTION_LIMITS } from '#infra/local/history-accounting.ts';
import { BATCH_EVENTS, parentExecutionEvents, pageEvents, segmentExecutionEvents } from '#shared/pipeline/execution-plan.ts';
import { decidedLeads, startHarness, summaryOf, type Harness } from './local-pipeline-harness.ts';

let harness: Harness;

beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
});

const manyLeads = (count: number) => decidedLeads(count).map((lead, index) => ({ ...lead, leadId: `M-${String(index).padStart(5, '0')}` }));

describe('executions as AWS counts them', () => {
  it('25 leads at batch 10: a parent of 31 events and one segment execution of 58', async () => {
    await harness.setConfig({ rulesOnlyBatchSize: 10 });
    await harness.seed(decidedLeads(25));
    const result = await harness.run();
    expect(result.status).toBe('SUCCEEDED');
    // Parent: 2 (execution) + LoadConfig 5 + IsEnabled 2 + PlanRun 5 + HasWork 2
    //         + ProcessSegments 6 (a Distributed Map: MapRunStarted/Succeeded, no iteration events) + Report 5 + MoreToDo 2 + Done 2 = 31
    // Child:  2 + SelectPage 5 + HasBatches 2 + NormalizeBatches 4 + 3 batches × (2 + InvokeModel 5 + WriteResults 5)
    //         + FinishPage 5 + MorePages 2 + SegmentDone 2 = 58
    expect(result.executions.map((execution) => execution.historyEvents)).toEqual([31, 58]);
    expect(parentExecutionEvents(1)).toBe(31);
    expect(BATCH_EVENTS).toBe(12);
    expect(2 + pageEvents(3) - 2 + 2).toBe(58);
    expect(segmentExecutionEvents(4)).toBe(2 + 4 * (5 + 2 + 4 + 50 * 12 + 5 + 2 + 2) - 2 + 2);
    expect(summaryOf(result.output).segments).toEqual({ total: 1, rounds: 1, unfinished: 0 });
  });

  it('forceAll over 2,100 leads one per batch (one execution would need 26,000+ events): every execution stays far under the quota', async () => {
    await harness.setConfig({ rulesOnlyBatchSize: 1, maxConcurrency: 20, maxParallelSegments: 4 });
    await harness.seed(manyLeads(2_100));
    const result = await harness.run({ forceAll: true });
    expect(result.status).toBe('SUCCEEDED');
    const summary = summaryOf(result.output);
    expect(summary.counts.normalized + summary.counts.unchanged).toBe(2_100);
    expect(summary.segments.unfinished).toBe(0);
    expect(summary.segments.rounds).toBe(1);
    expect(result.executions.length).toBe(1 + summary.segments.total);
    expect(summary.segments.total).toBeGreaterThan(1);
    // 2,100 batches in 42 pages of 50: a single execution would have failed at 25,000.
    expect(segmentExecutionEvents(42)).toBeGreaterThan(AWS_EXECUTION_LIMITS.historyEvents);
    for (const execution of result.executions) {
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.historyEvents).toBeLessThanOrEqual(segmentExecutionEvents(4, 50));
      expect(execution.maxPayloadBytes).toBeLessThan(AWS_EXECUTION_LIMITS.payloadBytes);
    }
    expect((await harness.allLeads()).every((lead) => String(lead.normalizedAt) >= summary.startedAt)).toBe(true);
  }, 300_000);

  it('a segment execution that hits the history quota fails alone; the next round resumes its segment, counting the page it cut short', async () => {
    await harness.setConfig({ rulesOnlyBatchSize: 1, maxConcurrency: 10, maxParallelSegments: 4 });
    await harness.seed(manyLeads(600));
    // A page of 50 batches is 620 events: under a quota of 800 a child finishes one page and fails in its second.
    const result = await harness.run({ forceAll: true }, { limits: { historyEvents: 800, payloadBytes: AWS_EXECUTION_LIMITS.payloadBytes } });
    expect(result.status).toBe('SUCCEEDED');
    const summary = summaryOf(result.output);
    const failed = result.executions.filter((execution) => execution.status === 'FAILED');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((execution) => execution.historyEvents === 800)).toBe(true);
    expect(summary.segments.rounds).toBeGreaterThan(1);
    expect(summary.segments.unfinished).toBe(0);
    expect(summary.counts.normalized + summary.counts.unchanged).toBe(600);
    expect((await harness.allLeads()).every((lead) => lead.normalizedAt)).toBe(true);
  }, 300_000);
});

describe('maxLeads is a total cap in every mode', () => {
  it.each([{}, { forceAll: true }])('input %o with maxLeads 70 over 300 leads in several segments normalizes exactly 70', async (input) => {
    await harness.setConfig({ rulesOnlyBatchSize: 1, maxParallelSegments: 8 });
    await harness.seed(manyLeads(300));
    const result = await harness.run({ ...input, maxLeads: 70 });
    const summary = summaryOf(result.output);
    expect(summary.counts.selected).toBe(70);
    expect((await harness.allLeads()).filter((lead) => lead.normalizedAt).length).toBe(70);
  }, 120_000);

  it('maxLeadsPerRun caps a scheduled run over all its segments', async () => {
    await harness.setConfig({ rulesOnlyBatchSize: 1, maxLeadsPerRun: 33, maxParallelSegments: 8 });
    await harness.seed(manyLeads(300));
    expect(summaryOf((await harness.run()).output).counts.selected).toBe(33);
  }, 120_000);
});
