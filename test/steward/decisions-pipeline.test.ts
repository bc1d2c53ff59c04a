import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { foldedDecisionKey } from '#shared/engine/steward-decisions.ts';
import { makeDecision, requestRenormalizationFor } from '#shared/steward/decisions.ts';
import { rollBackRun } from '#shared/steward/run-rollback.ts';
import { startHarness, summaryOf, type Harness } from '#test/state-machines/local-pipeline-harness.ts';

let harness: Harness;
beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
});

const config = parseConfig({});
const AT = '2026-12-01T12:00:00.000Z';

async function decide(input: string, value: string): Promise<number> {
  const made = makeDecision({ field: 'ciudad', kind: 'city', input, value, decidedAt: AT });
  if (!('decision' in made)) throw new Error(made.refused);
  await harness.stores.decisions.put(made.decision);
  return requestRenormalizationFor({ leads: harness.stores.leads, config, keys: new Set([foldedDecisionKey('city', made.decision.foldedInput)]), requestedAt: AT });
}

it('a decision is applied by the next run to exactly the leads it covers, with source steward; undone, the rules come back', async () => {
  await harness.seed([
    { leadId: 'N1', ciudad: 'la nevera', nombres: 'ANA' },
    { leadId: 'N2', ciudad: 'LA NEVERA.', nombres: 'LUIS' },
    { leadId: 'M1', ciudad: 'medellin', nombres: 'ROSA' },
  ]);
  expect(summaryOf((await harness.run()).output).counts.selected).toBe(3);
  expect((await harness.lead('N1'))?.normalizationMeta).toMatchObject({ ciudad: { source: 'rules', flags: ['unknown-city'] } });

  expect(await decide('La Nevera', 'bogota')).toBe(2);
  const applied = summaryOf((await harness.run()).output);
  expect(applied.counts).toMatchObject({ selected: 2, normalized: 2, skipped: 0 });
  for (const id of ['N1', 'N2']) {
    const lead = await harness.lead(id);
    expect(lead?.normalizedData).toMatchObject({ ciudad: 'Bogotá D.C.', ciudadDepartamento: 'Bogotá, D.C.', ciudadCodigoDane: '11001', nombres: id === 'N1' ? 'Ana' : 'Luis' });
    expect(lead?.normalizationMeta).toMatchObject({ ciudad: { source: 'steward', changed: true, flags: [] }, nombres: { source: 'rules' } });
    expect(lead?.renormalizeRequestedAt).toBeUndefined();
    expect(lead?.ciudad).toBe(id === 'N1' ? 'la nevera' : 'LA NEVERA.');
  }
  expect(summaryOf((await harness.run()).output).counts.selected).toBe(0);

  // A new lead typed the same way gets the decision at once.
  await harness.seed([{ leadId: 'N3', ciudad: 'La  Nevéra' }]);
  await harness.run();
  expect((await harness.lead('N3'))?.normalizedData).toMatchObject({ ciudad: 'Bogotá D.C.' });

  // Rolling the decision's run back restores the rules' values it replaced.
  expect(await rollBackRun({ leads: harness.stores.leads, runs: harness.stores.runs, runId: applied.runId, now: () => new Date(AT) })).toMatchObject({ restored: 2 });
  expect((await harness.lead('N2'))?.normalizedData).toMatchObject({ ciudad: 'La Nevera.', ciudadCodigoDane: null });

  await harness.stores.decisions.remove('city', 'la nevera');
  expect(await requestRenormalizationFor({ leads: harness.stores.leads, config, keys: new Set(['city|la nevera']), requestedAt: AT })).toBe(3);
  expect(summaryOf((await harness.run()).output).counts.selected).toBe(3);
  expect((await harness.lead('N3'))?.normalizationMeta).toMatchObject({ ciudad: { source: 'rules', flags: ['unknown-city'] } });
});
