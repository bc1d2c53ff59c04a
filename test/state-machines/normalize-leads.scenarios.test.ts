import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStoreFullError } from '#shared/errors/normflow-errors.ts';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';
import type { FakeLlmServer } from '#test/fakes/fake-llm-server.ts';
import { decidedLeads, NO_RETRY_WAIT, startHarness, summaryOf, type Harness } from './local-pipeline-harness.ts';
import { rollBackRun } from '#shared/steward/run-rollback.ts';

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

describe('batch sizes', () => {
  it('a run that asks no model takes rulesOnlyBatchSize leads per batch; one that asks a model, batchSize; llmMode never asks none', async () => {
    await harness.seed(decidedLeads(12).map((lead, index) => (index < 3 ? { ...lead, ...undecidedLead(String(lead.leadId)) } : lead)));
    await harness.setConfig({ batchSize: 2, rulesOnlyBatchSize: 5 });
    expect(summaryOf((await harness.run({ forceAll: true })).output).counts.batches).toBe(3);

    await useFakeModel({ answer: answerSpecialist }, { batchSize: 2, rulesOnlyBatchSize: 5 });
    const withModel = summaryOf((await harness.run({ forceAll: true })).output);
    expect(withModel.counts.batches).toBe(6);
    expect(withModel.model.calls).toBeGreaterThan(0);

    await harness.setConfig({ batchSize: 2, rulesOnlyBatchSize: 5, llmMode: 'never', model: { modelId: 'fake-model' } });
    const never = summaryOf((await harness.run({ forceAll: true })).output);
    expect(never.counts.batches).toBe(3);
    expect(never.model.calls).toBe(0);
  });
});

describe('HappyPath', () => {
  it('normalizes every due lead beside its untouched originals and records the run', async () => {
    const leads = decidedLeads(25);
    await harness.seed(leads);
    const result = await harness.run();
    expect(result.status).toBe('SUCCEEDED');
    const summary = summaryOf(result.output);
    // Rules only: no prompt to keep small, so the 25 leads are one batch of up to rulesOnlyBatchSize (100).
    expect(summary.counts).toMatchObject({ selected: 25, normalized: 25, skipped: 0, failed: 0, batches: 1 });
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

  it('an InvokeModel stopped at its Lambda timeout is retried for the whole batch: its claim on the model call ends with the invocation', async () => {
    // The first call hangs longer than the Lambda may live; the next one answers.
    const model = await useFakeModel({ answer: answerSpecialist, behaviour: ['timeout'], timeoutHoldMs: 3_000 }, { batchSize: 10 });
    await harness.seed([undecidedLead('A'), undecidedLead('B')]);
    const failures: string[] = [];
    const result = await harness.run({}, {
      lambdaTimeoutsMs: { 'invoke-model': 600 },
      // The retry comes after the timed-out invocation's end, as on AWS (its interval, at least 2 s there).
      retryIntervalOverrides: { ...NO_RETRY_WAIT, InvokeModel: 100 },
      onEvent: (event) => {
        if (event.type === 'StateFailed' && event.state.name === 'InvokeModel') failures.push(event.Error);
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    // The handler's middy answers 5 ms before Lambda would stop it (its `timeoutEarlyInMillis`), on AWS as here.
    expect(failures).toEqual(['TimeoutError']);
    const summary = summaryOf(result.output);
    // Not split lead by lead (one model call per lead): the batch's own retry claimed the call again.
    expect(summary.counts).toMatchObject({ selected: 2, normalized: 2, failed: 0, splitBatches: 0 });
    expect(model.requestCount).toBe(2);
    for (const lead of await harness.allLeads()) expect(lead.normalizedData).toMatchObject({ nivelEducativo: 'Especialista' });
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

describe('model quota', () => {
  it('paces calls to model.requestsPerMinute across all batches in flight: the provider never throttles', async () => {
    // The quota configured (4/s) under what the provider allows (5/s): room for timers that fire late on a busy machine.
    fake = await startFakeOpenAiServer({ answer: answerSpecialist, rateLimitPerSecond: 5 });
    harness.setDeployment({ provider: 'openai', baseUrl: fake.url });
    // Pacing is tuning, not deployment: the config table item may set the quota.
    await harness.setConfig({
      batchSize: 1,
      maxConcurrency: 8,
      cacheEnabled: false,
      model: { modelId: 'fake-model', requestTimeoutMs: 5_000, requestsPerMinute: 240 },
    });
    await harness.seed(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].map(undecidedLead));
    const result = await harness.run();
    expect(summaryOf(result.output).model).toMatchObject({ calls: 8, failedBatches: {} });
    // Eight batches at once against 5 requests/s: unpaced, three would have been answered 429.
    expect(fake.requestCount).toBe(8);
  });

  it('never waits for a slot its Lambda would not live to use: refused as Model.Throttled, backed off, then the rules values', async () => {
    fake = await startFakeOpenAiServer({ answer: answerSpecialist });
    harness.setDeployment({ provider: 'openai', baseUrl: fake.url });
    // 6 calls a minute: the second batch's slot is 10.5 s away; its InvokeModel may wait 0.4 s
    // (a 5.5 s Lambda, less the 0.1 s a call may take and 5 s to save the answer).
    await harness.setConfig({ batchSize: 1, maxConcurrency: 2, cacheEnabled: false, model: { modelId: 'fake-model', requestTimeoutMs: 100, requestsPerMinute: 6 } });
    await harness.seed(['A', 'B'].map(undecidedLead));
    const started = Date.now();
    const result = await harness.run({}, { lambdaTimeoutsMs: { 'invoke-model': 5_500 } });
    expect(Date.now() - started).toBeLessThan(5_000);
    const summary = summaryOf(result.output);
    expect(summary.counts).toMatchObject({ selected: 2, normalized: 2, failed: 0 });
    expect(summary.model.failedBatches).toEqual({ 'Model.Throttled': 1 });
    expect(fake.requestCount).toBe(1);
  });
});

describe('runs that cannot finish in time', () => {
  it('refuses a model-bound run its quota cannot finish within the timeout, naming the arithmetic, and gives the lock back', async () => {
    harness.setDeployment({ provider: 'openai', baseUrl: 'http://127.0.0.1:9' });
    await harness.setConfig({ llmMode: 'always', maxLeadsPerRun: 100_000, model: { modelId: 'm', requestsPerMinute: 1 } });
    await harness.seed(decidedLeads(3_000).map((lead, index) => ({ ...lead, leadId: `T-${index}` })));
    const result = await harness.run();
    expect(result).toMatchObject({ status: 'FAILED', error: { name: 'Input.Invalid' } });
    // ~3,000 leads (a 1/256 sample of the table) / 10 per call ≈ 300 calls at 0.95 a minute ≈ 5 h > the local 1 h timeout;
    // 1 h holds 57 calls, 570 leads.
    expect(result.error?.message).toMatch(/model calls at 1 requests\/min \(95% used\) = \d+\.\d h, more than the 1\.0 h .* maxLeads ≤ 570,/);
    expect((await harness.lockItem())?.expiresAt).toBe(new Date(0).toISOString());
    // Without a model (the offline rules provider) there are no calls to wait for.
    harness.setDeployment({});
    await harness.setConfig({ llmMode: 'always', maxLeadsPerRun: 100_000, model: { requestsPerMinute: 1 } });
    expect((await harness.run({ maxLeads: 5 })).status).toBe('SUCCEEDED');
  });
});

describe('concurrent edits', () => {
  it('a lead edited mid-run is not overwritten and is picked up next run', async () => {
    await harness.seed(decidedLeads(3));
    harness.changeBeforeWrite('L-001', (lead) => ({ ...lead, nombres: 'PEDRO' }));
    const result = await harness.run();
    expect(summaryOf(result.output).counts).toMatchObject({ normalized: 2, skippedEdited: 1 });
    const edited = await harness.lead('L-001');
    expect(edited?.nombres).toBe('PEDRO');
    expect(edited?.normalizedAt).toBeUndefined();
    await harness.run();
    expect((await harness.lead('L-001'))?.normalizedData).toMatchObject({ nombres: 'Pedro' });
  });

  it('a lead deleted mid-run is skipped and not re-created', async () => {
    await harness.seed(decidedLeads(3));
    harness.changeBeforeWrite('L-002', () => undefined);
    const result = await harness.run();
    expect(summaryOf(result.output).counts).toMatchObject({ normalized: 2, skippedDeleted: 1 });
    expect(await harness.lead('L-002')).toBeUndefined();
  });
});

describe('concurrency and crashes', () => {
  it('two executions at once: the second says why it did nothing; each lead is normalized once', async () => {
    await harness.setConfig({ rulesOnlyBatchSize: 10 });
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

  it('the local store out of memory stops the whole run at once with its one-line reason: no retry, split or catch', async () => {
    await harness.setConfig({ rulesOnlyBatchSize: 4 });
    await harness.seed(decidedLeads(12));
    const calls: string[] = [];
    const full = 'the local store holds 12 items and this process uses 90 MiB of the 100 MiB it may';
    const result = await harness.run({}, {
      handlerOverrides: {
        WriteResults: async () => {
          calls.push('WriteResults');
          throw new LocalStoreFullError(full);
        },
        SplitBatch: async (payload, next) => {
          calls.push('SplitBatch');
          return next(payload);
        },
      },
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toEqual({ name: 'Local.StoreFull', message: full });
    expect(calls).not.toContain('SplitBatch');
    expect((await harness.allLeads()).every((lead) => lead.normalizedAt === undefined)).toBe(true);
  });

  it('a crash after some writes: nothing is half-written and the next run completes the rest', async () => {
    await harness.setConfig({ rulesOnlyBatchSize: 4 });
    await harness.seed(decidedLeads(12));
    const crashed = await harness.run({}, {
      handlerOverrides: {
        // Batch 1's writes crash, also when its leads are retried one by one.
        WriteResults: async (payload, next) => {
          if ((payload as { batchIndex: number }).batchIndex === 1) throw Object.assign(new Error('process killed'), { name: 'Crash' });
          return next(payload);
        },
        LeadWriteResults: async (payload, next) => {
          if ((payload as { batchIndex: number }).batchIndex === 1) throw Object.assign(new Error('process killed'), { name: 'Crash' });
          return next(payload);
        },
        // Then the report crashes too.
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

  it('a WriteResults running past its timeout fails as on AWS (Sandbox.Timedout) and is retried; what the timed-out attempt wrote counts once', async () => {
    await harness.setConfig({ rulesOnlyBatchSize: 4 });
    await harness.seed(decidedLeads(8));
    const slow = new Set<number>();
    const late: Array<Promise<unknown>> = [];
    const failures: string[] = [];
    const result = await harness.run({}, {
      lambdaTimeoutsMs: { 'write-results': 400 },
      onEvent: (event) => {
        if (event.type === 'StateFailed' || event.type === 'StateRetried') failures.push(`${event.type} ${event.state.name} ${'Error' in event ? event.Error : ''}`.trim());
      },
      handlerOverrides: {
        // Each batch's first attempt writes its leads, then is too slow to answer within the timeout.
        WriteResults: async (payload, next) => {
          const batch = (payload as { batchIndex: number }).batchIndex;
          if (slow.has(batch)) return next(payload);
          slow.add(batch);
          const output = await next(payload);
          const answered = new Promise((resolve) => setTimeout(() => resolve(output), 1_000));
          late.push(answered);
          return answered;
        },
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    // One timeout and one retry per batch (the two batches run at once).
    expect(failures.sort()).toEqual(['StateFailed WriteResults Sandbox.Timedout', 'StateFailed WriteResults Sandbox.Timedout', 'StateRetried WriteResults', 'StateRetried WriteResults']);
    expect(summaryOf(result.output).counts).toMatchObject({ selected: 8, normalized: 8, skippedEdited: 0, failed: 0 });
    // The late answers are dropped, as Lambda drops a timed-out invocation's.
    await Promise.all(late);
    const runId = summaryOf(result.output).runId;
    for (const lead of await harness.allLeads()) expect(lead).toMatchObject({ normalizationRunId: runId, normalizationHistory: [] });
  });

  it.each([
    { when: 'first normalization', before: 0 },
    { when: 'normalized before', before: 1 },
  ])('WriteResults dying after its writes ($when): the retry counts each lead once, writes none twice, and the run rolls back to what was there', async ({ before }) => {
    await harness.setConfig({ rulesOnlyBatchSize: 4 });
    await harness.seed(decidedLeads(8));
    for (let run = 0; run < before; run += 1) expect((await harness.run({ forceAll: true })).status).toBe('SUCCEEDED');
    const previous = new Map((await harness.allLeads()).map((lead) => [lead.leadId, lead]));

    const died = new Set<number>();
    const result = await harness.run({ forceAll: true }, {
      handlerOverrides: {
        // Each batch's first attempt writes every lead, then its Lambda dies before answering (a timeout, a lost connection).
        WriteResults: async (payload, next) => {
          const output = await next(payload);
          const batch = (payload as { batchIndex: number }).batchIndex;
          if (died.has(batch)) return output;
          died.add(batch);
          throw Object.assign(new Error('Task timed out after 900.00 seconds'), { name: 'Sandbox.Timedout' });
        },
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(died.size).toBe(2);
    const summary = summaryOf(result.output);
    expect(summary.counts).toMatchObject({ selected: 8, normalized: 8, skippedEdited: 0, failed: 0 });
    for (const lead of await harness.allLeads()) {
      const history = (lead.normalizationHistory ?? []) as Array<{ runId: string }>;
      expect(history.map((version) => version.runId)).toEqual(before === 0 ? [] : [previous.get(lead.leadId as string)?.normalizationRunId]);
    }

    const rolledBack = await rollBackRun({ leads: harness.stores.leads, runs: harness.stores.runs, runId: summary.runId, now: () => new Date('2026-12-01T12:00:00.000Z'), preview: false });
    expect(rolledBack).toMatchObject({ restored: 8 });
    for (const lead of await harness.allLeads()) {
      expect(lead.normalizedData).toEqual(previous.get(lead.leadId as string)?.normalizedData);
      expect(lead.normalizationRunId).toEqual(previous.get(lead.leadId as string)?.normalizationRunId);
    }
  });
});

describe('poison leads', () => {
  const isBad = (lead: Record<string, unknown> | undefined) => lead?.empresa === 'POISON';
  /**
   * InvokeModel crashes whenever a bad lead is in its batch (a bug some values trigger; a fatal model
   * error would not do: it keeps the rules' values, see 'model failures').
   */
  const failOnBadLeads = async (payload: unknown, next: (payload: unknown) => Promise<unknown>) => {
    const task = payload as { runId: string; batchIndex: number; leadPosition?: number };
    const ids = await harness.stores.runs.loadBatch(task.runId, task.batchIndex);
    const asked = task.leadPosition === undefined ? ids : ids.slice(task.leadPosition, task.leadPosition + 1);
    const leads = await harness.stores.leads.getMany(asked);
    if (asked.some((id) => isBad(leads.get(id)))) throw new TypeError('cannot read properties of undefined');
    return next(payload);
  };
  const overrides = { handlerOverrides: { InvokeModel: failOnBadLeads, LeadInvokeModel: failOnBadLeads } };
  const badLeads = (count: number) => decidedLeads(count, 'BAD').map((lead) => ({ ...lead, empresa: 'POISON' }));

  it('a batch with one bad lead is split: the nine good leads are written, the bad one is stamped with the error name', async () => {
    await harness.seed([...decidedLeads(9), ...badLeads(1)]);
    const result = await harness.run({}, overrides);
    const summary = summaryOf(result.output);
    expect(summary.status).toBe('completed-with-failures');
    expect(summary.counts).toMatchObject({ selected: 10, normalized: 9, failed: 1, failedBatches: 0, splitBatches: 1, poisoned: 0 });
    expect(summary.model.failedBatches).toEqual({ TypeError: 1 });
    const bad = await harness.lead('BAD-000');
    expect(bad?.normalizedAt).toBeUndefined();
    expect(bad?.normalizationFailure).toMatchObject({ error: 'TypeError', failures: 1, failedAt: expect.any(String) });
    expect(bad?.normalizationFailure).not.toHaveProperty('poisonedAt');
  });

  it('10 bad leads among 30 at maxLeadsPerRun 10: every good lead is normalized; the bad ones are poisoned after 3 failures and passed over', async () => {
    await harness.setConfig({ maxLeadsPerRun: 10 });
    await harness.seed([...decidedLeads(20), ...badLeads(10)]);
    const summaries = [];
    for (let run = 0; run < 10; run += 1) {
      const summary = summaryOf((await harness.run({}, overrides)).output);
      summaries.push(summary);
      if (summary.status === 'nothing-due') break;
    }
    // 20 good leads + 10 bad ones failing 3 times = 50 selections: at 10 a night the good ones are all done by night 5
    // (before the split, six nights normalized 5 of them); the bad ones trickle out until the last is poisoned.
    expect(summaries.slice(0, 5).reduce((sum, summary) => sum + summary.counts.normalized, 0)).toBe(20);
    expect(summaries.at(-1)?.status).toBe('nothing-due');
    const leads = await harness.allLeads();
    expect(leads.filter((lead) => !isBad(lead)).every((lead) => lead.normalizedAt)).toBe(true);
    for (const lead of leads.filter(isBad)) {
      expect(lead.normalizedAt).toBeUndefined();
      expect(lead.normalizationFailure).toMatchObject({ error: 'TypeError', failures: 3, poisonedAt: expect.any(String) });
    }
    expect(summaries.reduce((sum, summary) => sum + summary.counts.poisoned, 0)).toBe(10);
    expect(summaries.reduce((sum, summary) => sum + summary.counts.failed, 0)).toBe(30);
    expect(summaries.at(-1)).toMatchObject({ status: 'nothing-due', counts: { selected: 0, passedOverPoisoned: 10 } });
  });

  it('a poisoned lead is due again once its originals change, and a forceAll takes it all the same', async () => {
    await harness.setConfig({ poisonAfterFailures: 1 });
    await harness.seed([...decidedLeads(2), ...badLeads(2)]);
    const first = summaryOf((await harness.run({}, overrides)).output);
    expect(first.counts).toMatchObject({ normalized: 2, failed: 2, poisoned: 2 });
    expect(summaryOf((await harness.run({}, overrides)).output).counts).toMatchObject({ selected: 0, passedOverPoisoned: 2 });

    const forced = summaryOf((await harness.run({ forceAll: true }, overrides)).output);
    expect(forced.counts).toMatchObject({ selected: 4, failed: 2, poisoned: 0 });

    await harness.stores.leads.putMany([{ ...badLeads(1)[0], empresa: 'Rappi' }]);
    const afterEdit = summaryOf((await harness.run({}, overrides)).output);
    expect(afterEdit.counts).toMatchObject({ selected: 1, normalized: 1, passedOverPoisoned: 1 });
    const fixed = await harness.lead('BAD-000');
    expect(fixed?.normalizedAt).toEqual(expect.any(String));
    expect(fixed).not.toHaveProperty('normalizationFailure');
  });
});

describe('lock hygiene', () => {
  const crash = () => Object.assign(new Error('injected crash'), { name: 'Crash' });

  it.each(['PlanRun', 'Report'])('a %s that fails after the lock was taken gives it back; the execution fails with the original error', async (state) => {
    await harness.seed(decidedLeads(3));
    const result = await harness.run({}, {
      handlerOverrides: {
        [state]: async (payload, next) => {
          await next(payload);
          throw crash();
        },
      },
    });
    expect(result).toMatchObject({ status: 'FAILED', error: { name: 'Crash', message: 'injected crash' } });
    const lock = await harness.lockItem();
    expect(lock?.holder).toBe(result.executionId);
    expect(lock?.expiresAt).toBe(new Date(0).toISOString());
    expect(lock?.releasedAt).toEqual(expect.any(String));
    // A run record already written says the run failed: never `in progress` for ever (runs list, runs rollback).
    const record = await harness.stores.runs.getRun(result.executionId.split(':').at(-1) ?? '');
    if (state === 'Report') expect(record).toMatchObject({ status: 'failed', inProgress: false, failure: 'Crash' });
    else expect(record).toBeUndefined();
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
