import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';
import type { FakeLlmServer } from '#test/fakes/fake-llm-server.ts';
import { decidedLeads, startHarness, summaryOf, type Harness } from './local-pipeline-harness.ts';

let harness: Harness;
let fake: FakeLlmServer | undefined;

beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
  await fake?.close();
  fake = undefined;
});

/** Config pointing the pipeline at the wire-level fake OpenAI-compatible model. */
async function useFakeModel(options: Parameters<typeof startFakeOpenAiServer>[0] = {}, config: Record<string, unknown> = {}) {
  fake = await startFakeOpenAiServer(options);
  harness.setDeployment({ provider: 'openai', baseUrl: fake.url });
  await harness.setConfig({
    maxConcurrency: 1,
    ...config,
    model: { modelId: 'fake-model', requestTimeoutMs: 1_500 },
  });
  return fake;
}

const undecidedLead = (leadId: string) => ({ leadId, nombres: 'ANA', nivelEducativo: 'Posgrado', ciudad: 'medellin' });
const answerSpecialist = (user: string) => {
  const asked = JSON.parse(user) as Record<string, Record<string, string>>;
  return JSON.stringify(Object.fromEntries(Object.keys(asked).map((id) => [id, { nivelEducativo: 'Especialista' }])));
};

describe('HappyPath', () => {
  it('normalizes every due lead beside its untouched originals and records the run', async () => {
    const leads = decidedLeads(25);
    await harness.seed(leads);
    const result = await harness.run();
    expect(result.status).toBe('SUCCEEDED');
    const summary = summaryOf(result.output);
    expect(summary.counts).toMatchObject({ selected: 25, normalized: 25, skipped: 0, failed: 0, batches: 3 });
    expect(summary.status).toBe('completed');

    const stored = await harness.lead('L-007');
    expect(stored).toMatchObject({
      ...leads[7],
      normalizedData: {
        nombres: 'Juan Carlos',
        apellidos: 'Perez Gomez',
        direccion: 'Cra. 15 # 100 - 25',
        ciudad: 'Medellín',
        ciudadDepartamento: 'Antioquia',
        ciudadCodigoDane: '05001',
        nivelEducativo: 'Bachiller',
      },
      normalizationMeta: { ciudad: { source: 'rules', changed: true, flags: [] } },
    });
    expect(typeof stored?.normalizedAt).toBe('string');
    expect(stored?.updatedAt).toBe(stored?.normalizedAt);
    expect(typeof stored?.normalizationVersion).toBe('string');

    const run = await harness.stores.runs.getRun(summary.runId);
    expect(run).toMatchObject({ runId: summary.runId, counts: { selected: 25, normalized: 25 } });
  });

  it('finds nothing due on a second run, and stamps leads with nothing to normalize', async () => {
    await harness.seed([...decidedLeads(3), { leadId: 'EMPTY', email: 'x@example.com' }]);
    await harness.run();
    expect((await harness.lead('EMPTY'))?.normalizedAt).toBeDefined();
    const second = await harness.run();
    expect(summaryOf(second.output)).toMatchObject({ status: 'nothing-due', counts: { selected: 0 } });
  });

  it('honours maxLeads exactly, and leadIds', async () => {
    await harness.seed(decidedLeads(25));
    const capped = await harness.run({ maxLeads: 7 });
    expect(summaryOf(capped.output).counts.normalized).toBe(7);
    expect((await harness.allLeads()).filter((lead) => lead.normalizedAt).length).toBe(7);

    const chosen = await harness.run({ leadIds: ['L-020', 'L-021', 'NOT-THERE'] });
    expect(summaryOf(chosen.output).counts).toMatchObject({ selected: 3, normalized: 2, skippedMissing: 1 });
  });

  it('forceAll re-normalizes the whole table even when it is larger than the cap', async () => {
    await harness.setConfig({ maxLeadsPerRun: 10 });
    await harness.seed(decidedLeads(25));
    await harness.run();
    const before = new Map((await harness.allLeads()).map((lead) => [lead.leadId, lead.normalizedAt]));
    const forced = await harness.run({ forceAll: true });
    const summary = summaryOf(forced.output);
    expect(summary.counts.selected).toBe(25);
    expect(summary.counts.unchanged + summary.counts.normalized).toBe(25);
    for (const lead of await harness.allLeads()) {
      if (before.get(lead.leadId)) expect(String(lead.normalizedAt) > String(before.get(lead.leadId))).toBe(true);
      else expect(lead.normalizedAt).toBeDefined();
    }
  });

  it('dry run writes nothing and says what would change', async () => {
    await harness.seed(decidedLeads(5));
    const result = await harness.run({ dryRun: true });
    expect(summaryOf(result.output)).toMatchObject({ dryRun: true, counts: { selected: 5, normalized: 5 } });
    expect((await harness.allLeads()).every((lead) => lead.normalizedAt === undefined)).toBe(true);
  });
});

describe('model failures', () => {
  it('RetryThenSucceed: throttled twice, then the answer is used', async () => {
    const model = await useFakeModel({ answer: answerSpecialist, behaviour: ['throttle', 'throttle'] });
    await harness.seed([undecidedLead('A')]);
    const result = await harness.run();
    expect(result.status).toBe('SUCCEEDED');
    expect(model.requestCount).toBe(3);
    const lead = await harness.lead('A');
    expect(lead?.normalizedData).toMatchObject({ nivelEducativo: 'Especialista' });
    expect(lead?.normalizationMeta).toMatchObject({ nivelEducativo: { source: 'llm', flags: [] } });
    // `calls` counts HTTP attempts: the two throttled ones too.
    expect(summaryOf(result.output).model).toMatchObject({ calls: 3, failedBatches: {} });
  });

  it('CatchAndContinue: one batch times out; it keeps the rules values, flagged and recorded; the others are written', async () => {
    await useFakeModel({ answer: answerSpecialist, behaviour: ['timeout', 'timeout'], timeoutHoldMs: 4_000 }, { batchSize: 1 });
    await harness.seed([undecidedLead('A'), undecidedLead('B'), undecidedLead('C')]);
    const result = await harness.run();
    const summary = summaryOf(result.output);
    expect(summary.counts).toMatchObject({ selected: 3, normalized: 3, failed: 0 });
    expect(summary.model.failedBatches).toEqual({ 'Model.Timeout': 1 });
    const leads = await harness.allLeads();
    const timedOut = leads.filter((lead) => (lead.normalizationMeta as Record<string, { flags: string[] }>).nivelEducativo?.flags.includes('llm-unavailable'));
    expect(timedOut).toHaveLength(1);
    expect(timedOut[0]?.normalizedData).toMatchObject({ nivelEducativo: 'Posgrado', nombres: 'Ana', ciudad: 'Medellín' });
    expect(leads.filter((lead) => (lead.normalizedData as Record<string, string>).nivelEducativo === 'Especialista')).toHaveLength(2);
  });

  it('invalid model output: retried once, then the rules values, flagged', async () => {
    await useFakeModel({ behaviour: ['invalid-json', 'invalid-json'] });
    await harness.seed([undecidedLead('A')]);
    const result = await harness.run();
    const lead = await harness.lead('A');
    expect(lead?.normalizationMeta).toMatchObject({ nivelEducativo: { source: 'rules', flags: ['unrecognized-education', 'llm-unavailable'] } });
    expect(summaryOf(result.output).model.failedBatches).toEqual({ 'Model.InvalidResponse': 1 });
  });

  it('hallucinated values are rejected by the guardrails', async () => {
    await useFakeModel({ answer: (user) => JSON.stringify(Object.fromEntries(Object.keys(JSON.parse(user) as object).map((id) => [id, { ciudad: 'Bogotá D.C.' }]))) });
    await harness.seed([{ leadId: 'A', ciudad: 'Springfield' }]);
    await harness.run();
    const lead = await harness.lead('A');
    expect(lead?.normalizedData).toMatchObject({ ciudad: 'Springfield', ciudadCodigoDane: null });
    expect(lead?.normalizationMeta).toMatchObject({ ciudad: { flags: ['unknown-city', 'llm-rejected'] } });
  });

  it('a fatal model error keeps that batch\'s rules values (llm-unavailable), as normalize does; the cause is named once', async () => {
    await useFakeModel({ answer: answerSpecialist, behaviour: [{ kind: 'auth-error', status: 401 }] }, { batchSize: 1 });
    await harness.seed([undecidedLead('A'), undecidedLead('B')]);
    const result = await harness.run();
    const summary = summaryOf(result.output);
    expect(summary.status).toBe('completed-with-failures');
    expect(summary.counts).toMatchObject({ selected: 2, normalized: 2, failed: 0, failedBatches: 0 });
    expect(summary.model.failedBatches).toEqual({ 'Model.Fatal': 1 });
    expect(Object.keys(summary.model.failureCauses)).toEqual([
      expect.stringMatching(/^Model\.Fatal: OpenAI-compatible call to model fake-model at 127\.0\.0\.1:\d+ failed: HTTP 401 \(authentication_error\/invalid_api_key\): You are not authorized/),
    ]);
    expect(summary.model.calls).toBe(2);
    const flagged = (await harness.allLeads()).filter((lead) => (lead.normalizationMeta as Record<string, { flags: string[] }>).nivelEducativo?.flags.includes('llm-unavailable'));
    expect(flagged.map((lead) => lead.normalizedData)).toEqual([expect.objectContaining({ nivelEducativo: 'Posgrado', nombres: 'Ana' })]);
  });
});

describe('concurrent edits', () => {
  it('a lead edited mid-run is not overwritten and is picked up next run', async () => {
    await harness.seed(decidedLeads(3));
    const result = await harness.run({}, {
      handlerOverrides: {
        WriteResults: async (payload, next) => {
          await harness.stores.leads.putMany([{ ...decidedLeads(3)[1], nombres: 'PEDRO' }]);
          return next(payload);
        },
      },
    });
    expect(summaryOf(result.output).counts).toMatchObject({ normalized: 2, skippedEdited: 1 });
    const edited = await harness.lead('L-001');
    expect(edited?.nombres).toBe('PEDRO');
    expect(edited?.normalizedAt).toBeUndefined();
    await harness.run();
    expect((await harness.lead('L-001'))?.normalizedData).toMatchObject({ nombres: 'Pedro' });
  });

  it('a lead deleted mid-run is skipped and not re-created', async () => {
    await harness.seed(decidedLeads(3));
    const result = await harness.run({}, {
      handlerOverrides: {
        WriteResults: async (payload, next) => {
          await harness.local.db.documentClient.send(
            new (await import('@aws-sdk/lib-dynamodb')).DeleteCommand({ TableName: harness.local.env.LEADS_TABLE, Key: { leadId: 'L-002' } }),
          );
          return next(payload);
        },
      },
    });
    expect(summaryOf(result.output).counts).toMatchObject({ normalized: 2, skippedDeleted: 1 });
    expect(await harness.lead('L-002')).toBeUndefined();
  });
});

describe('concurrency and crashes', () => {
  it('two executions at once: the second says why it did nothing; each lead is normalized once', async () => {
    await harness.seed(decidedLeads(12));
    let releaseFirst: () => void = () => undefined;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstStarted: () => void = () => undefined;
    const firstIsWriting = new Promise<void>((resolve) => (firstStarted = resolve));
    let writes = 0;
    const first = harness.run({}, {
      handlerOverrides: {
        WriteResults: async (payload, next) => {
          firstStarted();
          await firstHolds;
          writes += 1;
          return next(payload);
        },
      },
    });
    await firstIsWriting;
    const second = await harness.run({ forceAll: true });
    expect(second.status).toBe('SUCCEEDED');
    expect(second.output).toMatchObject({ status: 'skipped' });
    expect(String((second.output as { reason: string }).reason)).toMatch(/Another execution .* this one did nothing/);
    releaseFirst();
    const firstResult = await first;
    expect(summaryOf(firstResult.output).counts.normalized).toBe(12);
    expect(writes).toBe(2);
  });

  it('a crash after some writes: nothing is half-written and the next run completes the rest', async () => {
    await harness.setConfig({ batchSize: 4 });
    await harness.seed(decidedLeads(12));
    const crashed = await harness.run({}, {
      handlerOverrides: {
        WriteResults: async (payload, next) => {
          if ((payload as { batchIndex: number }).batchIndex === 1) throw Object.assign(new Error('process killed'), { name: 'Crash' });
          return next(payload);
        },
        // The process dies before the report: the lock stays behind, held by an execution that is gone.
        Report: async () => {
          throw Object.assign(new Error('process killed'), { name: 'Crash' });
        },
      },
    });
    expect(crashed.status).toBe('FAILED');
    const afterCrash = await harness.allLeads();
    for (const lead of afterCrash) {
      if (lead.normalizedAt === undefined) expect(lead.normalizedData).toBeUndefined();
      else expect(lead.normalizedData).toMatchObject({ nombres: 'Juan Carlos', ciudad: 'Medellín' });
    }
    const done = afterCrash.filter((lead) => lead.normalizedAt).length;
    expect(done).toBe(8);

    const next = await harness.run();
    expect(summaryOf(next.output).counts).toMatchObject({ selected: 4, normalized: 4 });
    expect((await harness.allLeads()).every((lead) => lead.normalizedAt)).toBe(true);
  });
});

describe('config and input', () => {
  it('disabled config: succeeds with the reason, touches nothing', async () => {
    await harness.setConfig({ enabled: false });
    await harness.seed(decidedLeads(2));
    const result = await harness.run();
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'disabled', reason: expect.stringMatching(/disabled/) });
    expect((await harness.allLeads()).every((lead) => lead.normalizedAt === undefined)).toBe(true);
  });

  it('invalid input fails fast with Input.Invalid naming the bad key', async () => {
    const result = await harness.run({ forceAl: true });
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('Input.Invalid');
    expect(result.error?.message).toContain('"forceAl"');
  });

  it('an invalid config item fails the run with a clear error, never silently defaults', async () => {
    await harness.setConfig({ batchSize: 'ten' });
    const result = await harness.run();
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('Config.Invalid');
    expect(result.error?.message).toContain('batchSize');
  });

  it('a missing config item means the defaults', async () => {
    await harness.seed(decidedLeads(1));
    const result = await harness.run();
    expect(summaryOf(result.output).counts.normalized).toBe(1);
  });
});
