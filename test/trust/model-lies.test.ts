import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';
import type { FakeLlmServer } from '#test/fakes/fake-llm-server.ts';
import { liarAnswer } from '#test/fakes/liar-answers.ts';
import { startHarness, type Harness } from '#test/state-machines/local-pipeline-harness.ts';

/**
 * Rules outrank the model, and the guardrails reject plausible lies: the real pipeline handlers
 * against a wire-level fake model that answers every question with a well-formed lie.
 */

let harness: Harness;
let liar: FakeLlmServer;

beforeEach(async () => {
  harness = await startHarness();
  liar = await startFakeOpenAiServer({ answer: liarAnswer });
  harness.setDeployment({ provider: 'openai', baseUrl: liar.url });
});
afterEach(async () => {
  await harness.close();
  await liar.close();
});

type Meta = Record<string, { source: string; flags: string[] }>;

async function normalizeOne(llmMode: 'always' | 'fallback', lead: Record<string, unknown>) {
  await harness.setConfig({ llmMode, batchSize: 10, maxConcurrency: 1, model: { modelId: 'liar', requestTimeoutMs: 2_000 } });
  await harness.seed([lead]);
  const result = await harness.run();
  expect(result.status).toBe('SUCCEEDED');
  expect(liar.requestCount).toBeGreaterThan(0);
  const stored = await harness.lead(String(lead.leadId));
  return { data: stored?.normalizedData as Record<string, unknown>, meta: stored?.normalizationMeta as Meta };
}

describe('llmMode always: a confident rules value is final; a lie about it is rejected', () => {
  it.each([
    ['nivelEducativo', 'Bachiller', 'Bachiller'],
    ['ciudad', 'Cali', 'Santiago de Cali'],
    ['apellidos', 'Gomez Salazar', 'Gomez Salazar'],
    ['direccion', 'Calle 45 # 12-30', 'Cl. 45 # 12 - 30'],
    ['ocupacionActual', 'Ing. Sistemas', 'Ingeniero de Sistemas'],
  ])('%s %j: the lie is dropped, the value stays %j (flag llm-rejected)', async (field, typed, kept) => {
    const { data, meta } = await normalizeOne('always', { leadId: 'A', [field]: typed });
    expect(data[field]).toBe(kept);
    expect(meta[field]).toMatchObject({ source: 'rules', changed: typed !== kept, flags: ['llm-rejected'] });
  });

  it('another lead\'s city: each lead keeps its own', async () => {
    await harness.setConfig({ llmMode: 'always', maxConcurrency: 1, model: { modelId: 'liar', requestTimeoutMs: 2_000 } });
    await harness.seed([{ leadId: 'A', ciudad: 'Medellín' }, { leadId: 'B', ciudad: 'Pereira' }]);
    await harness.run();
    const b = await harness.lead('B');
    expect(b?.normalizedData).toMatchObject({ ciudad: 'Pereira', ciudadCodigoDane: '66001' });
    expect((b?.normalizationMeta as Meta).ciudad).toMatchObject({ source: 'rules', flags: ['llm-rejected'] });
  });

  it('a plausible answer that differs from a decided value is recorded as llm-disagreed; the value stays the rules\'', async () => {
    await liar.close();
    liar = await startFakeOpenAiServer({
      answer: (user) => JSON.stringify(Object.fromEntries(Object.keys(JSON.parse(user) as object).map((id) => [id, { nivelEducativo: 'Profesional' }]))),
    });
    harness.setDeployment({ provider: 'openai', baseUrl: liar.url });
    const { data, meta } = await normalizeOne('always', { leadId: 'A', nivelEducativo: 'Profesional con especialización' });
    expect(data.nivelEducativo).toBe('Especialista');
    expect(meta.nivelEducativo).toMatchObject({ source: 'rules', flags: ['llm-disagreed'] });
  });
});

describe('llmMode fallback: an undecided value takes only an answer its input supports', () => {
  it.each([
    ['Posgrado', 'Posgrado'],
    ['Estudiante', 'Estudiante'],
  ])('nivelEducativo %j → Doctorado is rejected', async (typed, kept) => {
    const { data, meta } = await normalizeOne('fallback', { leadId: 'A', nivelEducativo: typed });
    expect(data.nivelEducativo).toBe(kept);
    expect(meta.nivelEducativo).toEqual({ source: 'rules', changed: false, flags: ['unrecognized-education', 'llm-rejected'] });
  });

  it('another lead\'s city for an undecided one is rejected; that lead\'s own correction is accepted', async () => {
    await harness.setConfig({ maxConcurrency: 1, model: { modelId: 'liar', requestTimeoutMs: 2_000 } });
    await harness.seed([{ leadId: 'A', ciudad: 'Medeyin' }, { leadId: 'B', ciudad: 'Sta Rosa' }]);
    await harness.run();
    expect(liar.requests).toHaveLength(1);
    const a = await harness.lead('A');
    expect(a?.normalizedData).toMatchObject({ ciudad: 'Medellín', ciudadCodigoDane: '05001' });
    expect((a?.normalizationMeta as Meta).ciudad).toMatchObject({ source: 'llm', flags: [] });
    const b = await harness.lead('B');
    // Contract v2 reads `Sta` as Santa: several Santa Rosa municipalities fit, so the value is undecided (ambiguous).
    expect(b?.normalizedData).toMatchObject({ ciudad: 'Sta Rosa', ciudadCodigoDane: null });
    expect((b?.normalizationMeta as Meta).ciudad).toMatchObject({ source: 'rules', flags: ['ambiguous-city', 'llm-rejected'] });
  });
});
