import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pipeTargetInputLocally, runStreamBatchLocally, streamRecordOf } from '#infra/local/local-stream.ts';
import { decidedLeads, NO_RETRY_WAIT, startHarness, summaryOf, type Harness } from './local-pipeline-harness.ts';

let harness: Harness;

beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  delete process.env.NORMFLOW_DUE_SELECTION;
  await harness.close();
});

const streamRun = (records: Parameters<typeof runStreamBatchLocally>[0]) => runStreamBatchLocally(records, { retryIntervalOverrides: NO_RETRY_WAIT });
const [lead] = decidedLeads(1, 'NEW');
const newLead = lead ?? {};

describe('near-real-time: stream records through the Pipe to the same state machine', () => {
  it('an insert reaches the state machine as [{leadIds}] and is normalized, without taking the run lock', async () => {
    await harness.seed([newLead]);
    const insert = streamRecordOf({ eventName: 'INSERT', after: newLead });
    expect(await pipeTargetInputLocally([insert])).toEqual([{ leadIds: ['NEW-000'] }]);
    const result = await streamRun([insert]);
    expect(result?.status).toBe('SUCCEEDED');
    expect(summaryOf(result?.output).counts).toMatchObject({ selected: 1, normalized: 1 });
    expect((await harness.lead('NEW-000'))?.normalizedData).toMatchObject({ nombres: 'Juan Carlos' });
    expect(await harness.lockItem()).toBeUndefined();
  });

  it('an edit of a configured field is normalized again; other edits, deletions and normalization\'s own writes start nothing', async () => {
    await harness.seed([newLead]);
    await streamRun([streamRecordOf({ eventName: 'INSERT', after: newLead })]);
    const normalized = (await harness.lead('NEW-000')) ?? {};
    const before = { ...newLead };
    // Normalization's own write: a MODIFY whose configured fields are unchanged.
    expect(await streamRun([streamRecordOf({ eventName: 'MODIFY', before, after: normalized })])).toBeUndefined();
    expect(await streamRun([streamRecordOf({ eventName: 'MODIFY', before: normalized, after: { ...normalized, email: 'other@example.com' } })])).toBeUndefined();
    expect(await streamRun([streamRecordOf({ eventName: 'REMOVE', before: normalized })])).toBeUndefined();

    const edited = { ...normalized, nombres: 'PEDRO PABLO' };
    await harness.seed([edited]);
    const result = await streamRun([
      streamRecordOf({ eventName: 'MODIFY', before: normalized, after: edited }),
      streamRecordOf({ eventName: 'MODIFY', before: normalized, after: edited }),
    ]);
    expect(summaryOf(result?.output).counts).toMatchObject({ selected: 1, normalized: 1 });
    expect((await harness.lead('NEW-000'))?.normalizedData).toMatchObject({ nombres: 'Pedro Pablo' });
  });

  it('a stream run neither waits for nor blocks a nightly run that holds the lock', async () => {
    await harness.seed([...decidedLeads(4), newLead]);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let nightlyWriting: () => void = () => undefined;
    const writing = new Promise<void>((resolve) => (nightlyWriting = resolve));
    const nightly = harness.run({ maxLeads: 4 }, {
      handlerOverrides: {
        WriteResults: async (payload, next) => {
          nightlyWriting();
          await held;
          return next(payload);
        },
      },
    });
    await writing;
    const lockDuringNightly = await harness.lockItem();
    const stream = await streamRun([streamRecordOf({ eventName: 'INSERT', after: newLead })]);
    expect(summaryOf(stream?.output).counts).toMatchObject({ selected: 1 });
    expect(await harness.lockItem()).toEqual(lockDuringNightly);
    release();
    expect(summaryOf((await nightly).output).counts.selected).toBe(4);
  });

  it('starts nothing while normalization is disabled, and refuses an array that is not a Pipe batch', async () => {
    await harness.setConfig({ enabled: false });
    expect(await pipeTargetInputLocally([streamRecordOf({ eventName: 'INSERT', after: newLead })])).toEqual([]);
    const bad = await harness.run([{ leadIds: ['A'], forceAll: true }]);
    expect(bad).toMatchObject({ status: 'FAILED', error: { name: 'Input.Invalid' } });
  });
});

describe('the index of due leads (deployed with the stream)', () => {
  it('a scheduled run reads only the leads normalization stamped due; a forceAll takes and stamps the rest', async () => {
    process.env.NORMFLOW_DUE_SELECTION = 'index';
    // TTL 0: a lead is due again as soon as it was normalized.
    await harness.setConfig({ normalizationTTLDays: 0 });
    const stamped = decidedLeads(6, 'S');
    await harness.seed([...stamped, ...decidedLeads(3, 'U')]);
    // Through the stream: S-* are normalized and stamped; U-* were written before the stream existed.
    await streamRun(stamped.map((item) => streamRecordOf({ eventName: 'INSERT', after: item })));
    expect((await harness.lead('S-000'))?.dueShard).toMatch(/^\d{3}$/);

    const nightly = await harness.run();
    const summary = summaryOf(nightly.output);
    expect(summary.segments.total).toBe(256);
    expect(summary.counts.selected).toBe(6);
    expect((await harness.allLeads()).filter((item) => String(item.leadId).startsWith('U-')).every((item) => item.normalizedAt === undefined)).toBe(true);
    // A forceAll reads every lead, stamping the rest.
    expect(summaryOf((await harness.run({ forceAll: true })).output).counts.selected).toBe(9);
    expect((await harness.lead('U-000'))?.dueAt).toEqual(expect.any(String));
  }, 120_000);

  it('a scheduled run finds the leads a seed replaced or inserted and those a steward asked for again, none else', async () => {
    process.env.NORMFLOW_DUE_SELECTION = 'index';
    const leads = decidedLeads(6, 'K');
    await harness.seed(leads);
    expect(summaryOf((await harness.run({ forceAll: true })).output).counts.selected).toBe(6);
    expect(summaryOf((await harness.run()).output).counts.selected).toBe(0);

    await harness.stores.leads.requestRenormalization(['K-001'], '2025-01-01T00:00:00.000Z');
    const seeded = await harness.stores.leads.seed(
      [
        { line: 1, item: { ...leads[2], ciudad: 'Bello' } },
        { line: 2, item: { ...leads[3] } },
        { line: 3, item: { ...lead } },
      ],
      { insertOnly: false },
    );
    expect(seeded.map((outcome) => outcome.outcome)).toEqual(['updated', 'unchanged', 'inserted']);
    const nightly = await harness.run();
    expect(summaryOf(nightly.output).counts.selected).toBe(3);
    for (const leadId of ['K-001', 'K-002', 'NEW-000']) expect((await harness.lead(leadId))?.normalizedAt).toEqual(expect.any(String));
    expect(summaryOf((await harness.run()).output).counts.selected).toBe(0);
  }, 120_000);
});
