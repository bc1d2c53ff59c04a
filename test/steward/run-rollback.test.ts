import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dueShardOf } from '#shared/stores/due-leads-index.ts';
import { HISTORY_LIMIT } from '#shared/stores/lead-history.ts';
import { rollBackRun } from '#shared/steward/run-rollback.ts';
import { startHarness, summaryOf, type Harness } from '#test/state-machines/local-pipeline-harness.ts';

let harness: Harness;
beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
});

const NOW = () => new Date('2026-12-01T12:00:00.000Z');
const leadsOf = (...ids: string[]) => ids.map((leadId) => ({ leadId, nombres: 'ANA maria', ciudad: 'medellin', nivelEducativo: 'bachiller' }));

async function runAll(): Promise<string> {
  const result = await harness.run({ forceAll: true });
  expect(result.status).toBe('SUCCEEDED');
  return summaryOf(result.output).runId;
}

const rollBack = (runId: string, preview = false) => rollBackRun({ leads: harness.stores.leads, runs: harness.stores.runs, runId, now: NOW, preview });

describe('history on every write', () => {
  it('keeps the version each run replaced, with its run id, newest first and at most five', async () => {
    await harness.seed(leadsOf('H1'));
    const runIds: string[] = [];
    for (let run = 0; run < HISTORY_LIMIT + 2; run += 1) runIds.push(await runAll());
    const lead = await harness.lead('H1');
    expect(lead?.normalizationRunId).toBe(runIds.at(-1));
    const history = lead?.normalizationHistory as Array<{ runId: string; normalizedData: Record<string, unknown> }>;
    expect(history.map((version) => version.runId)).toEqual(runIds.slice(0, -1).reverse().slice(0, HISTORY_LIMIT));
    expect(history[0]?.normalizedData).toMatchObject({ nombres: 'Ana Maria', ciudad: 'Medellín', ciudadCodigoDane: '05001' });
  });
});

describe('runs rollback', () => {
  it('puts the leads a run wrote back to the previous values, never touching originals', async () => {
    await harness.seed(leadsOf('R1', 'R2'));
    const first = await runAll();
    const before = await harness.lead('R1');
    // An original edited between the runs: the second run writes other values for R1.
    await harness.stores.leads.putMany([{ ...leadsOf('R1')[0], ciudad: 'Bello', normalizedAt: before?.normalizedAt, normalizedData: before?.normalizedData, normalizationMeta: before?.normalizationMeta, normalizationRunId: first }]);
    const second = await runAll();
    expect((await harness.lead('R1'))?.normalizedData).toMatchObject({ ciudad: 'Bello', ciudadCodigoDane: '05088' });

    expect(await rollBack(second, true)).toMatchObject({ restored: 2, superseded: 0 });
    expect((await harness.lead('R1'))?.normalizationRunId).toBe(second);

    expect(await rollBack(second)).toEqual({ restored: 2, restoredToNever: 0, superseded: 0, changedMeanwhile: 0, runFound: true });
    const restored = await harness.lead('R1');
    expect(restored).toMatchObject({ ciudad: 'Bello', normalizationRunId: first, normalizedAt: before?.normalizedAt, normalizedData: before?.normalizedData });
    expect(restored?.normalizationHistory).toEqual([]);
    expect(await harness.stores.runs.getRun(second)).toMatchObject({ rolledBack: { at: NOW().toISOString(), restored: 2 } });

    // Rolled back once, nothing holds that run's values any more.
    expect(await rollBack(second)).toMatchObject({ restored: 0, superseded: 0 });
  });

  it("rolls a lead's first normalization back to never normalized, so the next run picks it up", async () => {
    await harness.seed(leadsOf('F1'));
    const first = await runAll();
    expect(await rollBack(first)).toMatchObject({ restored: 1, restoredToNever: 1 });
    const lead = await harness.lead('F1');
    // Due at once, in the index of due leads too (scheduled runs of a streamed deployment read it).
    expect(lead).toEqual({ ...leadsOf('F1')[0], updatedAt: NOW().toISOString(), dueShard: dueShardOf('F1'), dueAt: NOW().toISOString() });
    const next = await harness.run();
    expect(summaryOf(next.output).counts).toMatchObject({ selected: 1, normalized: 1 });
    // Written as a first normalization: an empty history, not one holding the rolled-back version.
    expect(await harness.lead('F1')).toMatchObject({ normalizationRunId: summaryOf(next.output).runId, normalizationHistory: [] });
  });

  it('leaves alone the leads a later run wrote again, and counts them', async () => {
    await harness.seed(leadsOf('S1', 'S2'));
    const first = await runAll();
    await harness.run({ leadIds: ['S1'] , forceAll: false, maxLeads: 1 });
    expect(await rollBack(first)).toMatchObject({ restored: 1, superseded: 1 });
    expect((await harness.lead('S1'))?.normalizationRunId).not.toBe(first);
    expect((await harness.lead('S2'))?.normalizedAt).toBeUndefined();
  });

  it('refuses a dry run, which wrote nothing', async () => {
    await harness.seed(leadsOf('D1'));
    const dry = summaryOf((await harness.run({ dryRun: true })).output).runId;
    await expect(rollBack(dry)).rejects.toThrow(`run ${dry} was a dry run: it wrote nothing to roll back`);
  });

  it('refuses a run still in progress (a forceAll execution between pages)', async () => {
    await harness.stores.runs.putRun('busy', { runId: 'busy', startedAt: '2026-12-01T00:00:00.000Z', dryRun: false, inProgress: true });
    await expect(rollBack('busy')).rejects.toThrow('run busy is still in progress: roll it back once it is done');
  });
});
