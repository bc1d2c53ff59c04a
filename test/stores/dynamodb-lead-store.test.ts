import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ensureTables } from '#infra/local/local-tables.ts';
import { itemBytes, MAX_ITEM_BYTES } from '#shared/stores/dynamodb-item-limits.ts';
import { createDynamoDbLeadStore, type DynamoDbLeadStoreOptions } from '#shared/stores/dynamodb-lead-store.ts';
import { dueShardOf } from '#shared/stores/due-leads-index.ts';
import { PIPELINE_OWNED_ATTRIBUTES } from '#shared/config/pipeline-owned-attributes.ts';
import type { LeadItem, LeadStore, NormalizationWrite, OriginalExpectation } from '#shared/stores/store-ports.ts';
import { useEmbeddedDb } from './embedded-test-db.ts';

const embedded = useEmbeddedDb();
let tableCount = 0;

/** A lead store on a table of its own, so each test sees only its leads. */
async function freshLeadStore(options: Partial<Pick<DynamoDbLeadStoreOptions, 'scanPageSize'>> = {}) {
  const tableName = `leads-${++tableCount}`;
  await ensureTables(embedded().client, { leads: tableName });
  const client = embedded().documentClient;
  return { tableName, store: createDynamoDbLeadStore({ client, tableName, ...options }) };
}

/** A lead store on a table of its own whose requests are listed by command (`sent`); `after` runs once each has been answered. */
async function recordingLeadStore(after?: (commandName: string, tableName: string) => Promise<void>) {
  const tableName = `leads-${++tableCount}`;
  await ensureTables(embedded().client, { leads: tableName });
  const sent: string[] = [];
  const real = embedded().documentClient;
  const client = {
    send: async (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      const output = await real.send(command as never);
      await after?.(command.constructor.name, tableName);
      return output;
    },
  } as unknown as DynamoDbLeadStoreOptions['client'];
  return { tableName, sent, store: createDynamoDbLeadStore({ client, tableName }) };
}

/** Writes as WriteResults does: the leads read (consistently) first, then written on what was read. */
const readAndWrite = async (store: LeadStore, writes: NormalizationWrite[]) => store.writeNormalizations(writes, await store.getMany(writes.map((write) => write.leadId)));

/** One lead's write, as a batch of one. */
const writeOne = async (store: LeadStore, write: NormalizationWrite) => (await readAndWrite(store, [write]))[0];

const BEFORE = '2025-06-01T00:00:00.000Z';
const OLD = '2025-05-31T23:59:59.999Z';
const RECENT = '2025-06-02T10:00:00.000Z';

/** 57 leads: 20 never normalized, 20 normalized before the cut, 17 at or after it. */
function mixedLeads(): { leads: LeadItem[]; due: Set<string> } {
  const leads: LeadItem[] = [];
  const due = new Set<string>();
  for (let i = 0; i < 57; i += 1) {
    const leadId = `lead-${String(i).padStart(3, '0')}`;
    if (i < 20) {
      leads.push({ leadId, nombres: `persona ${i}` });
      due.add(leadId);
    } else if (i < 40) {
      leads.push({ leadId, nombres: `persona ${i}`, normalizedAt: OLD });
      due.add(leadId);
    } else {
      leads.push({ leadId, nombres: `persona ${i}`, normalizedAt: i % 2 === 0 ? RECENT : BEFORE });
    }
  }
  return { leads, due };
}

describe('findDue', () => {
  it.each([
    { scanPageSize: undefined },
    { scanPageSize: 1 },
    { scanPageSize: 7 },
    { scanPageSize: 10 },
    { scanPageSize: 57 },
  ])('returns every due lead exactly once, at most 10 per page (scan page size $scanPageSize)', async ({ scanPageSize }) => {
    const { store } = await freshLeadStore(scanPageSize === undefined ? {} : { scanPageSize });
    const { leads, due } = mixedLeads();
    await store.putMany(leads);

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.findDue({ normalizedBefore: BEFORE, limit: 10, ...(cursor ? { cursor } : {}) });
      seen.push(...page.leadIds);
      pageSizes.push(page.leadIds.length);
      cursor = page.cursor;
      pages += 1;
      expect(pages).toBeLessThan(20);
    } while (cursor);

    expect(seen).toHaveLength(due.size);
    expect(new Set(seen)).toEqual(due);
    // Every page but the last is full: the cap is exact, not approximate.
    expect(pageSizes.slice(0, -1).every((size) => size === 10)).toBe(true);
    expect(pageSizes.at(-1)).toBeLessThanOrEqual(10);
  });

  it('sets a cursor when it stops inside the table and none once the end is reached', async () => {
    const { store } = await freshLeadStore();
    await store.putMany(Array.from({ length: 12 }, (_, i) => ({ leadId: `l${i}` })));
    const first = await store.findDue({ normalizedBefore: BEFORE, limit: 5 });
    expect(first.leadIds).toHaveLength(5);
    expect(first.cursor).toBe(first.leadIds.at(-1));
    const all = await store.findDue({ normalizedBefore: BEFORE, limit: 100 });
    expect(all.leadIds).toHaveLength(12);
    expect(all.cursor).toBeUndefined();
  });

  it('counts a lead normalized exactly at the cut as not due, and one a millisecond earlier as due', async () => {
    const { store } = await freshLeadStore();
    await store.putMany([
      { leadId: 'at-cut', normalizedAt: BEFORE },
      { leadId: 'just-before', normalizedAt: OLD },
      { leadId: 'after', normalizedAt: RECENT },
      { leadId: 'never' },
    ]);
    const page = await store.findDue({ normalizedBefore: BEFORE, limit: 10 });
    expect(page.leadIds.sort()).toEqual(['just-before', 'never']);
    expect(page.cursor).toBeUndefined();
  });

  it('returns an empty page without cursor on an empty table', async () => {
    const { store } = await freshLeadStore();
    expect(await store.findDue({ normalizedBefore: BEFORE, limit: 10 })).toEqual({ leadIds: [], rejected: 0 });
  });

  it('passes over the due leads `keep` turns down (reading the projected attributes), counts them, and still fills the cap', async () => {
    const { store } = await freshLeadStore();
    await store.putMany(Array.from({ length: 12 }, (_, index) => ({ leadId: `k-${index}`, nombres: index % 3 === 0 ? 'SKIP' : 'keep', email: 'x@example.com' })));
    const seen: LeadItem[] = [];
    const page = await store.findDue({
      normalizedBefore: BEFORE,
      limit: 5,
      projection: ['nombres'],
      keep: (item) => {
        seen.push(item);
        return item.nombres !== 'SKIP';
      },
    });
    expect(page.leadIds).toHaveLength(5);
    expect(page.rejected).toBe(seen.length - 5);
    expect(page.rejected).toBeGreaterThan(0);
    expect(Object.keys(seen[0] ?? {}).sort()).toEqual(['leadId', 'nombres']);
    const rest = await store.findDue({ normalizedBefore: BEFORE, limit: 100, projection: ['nombres'], keep: (item) => item.nombres !== 'SKIP', ...(page.cursor ? { cursor: page.cursor } : {}) });
    expect([...page.leadIds, ...rest.leadIds].sort()).toEqual(Array.from({ length: 12 }, (_, index) => index).filter((index) => index % 3 !== 0).map((index) => `k-${index}`).sort());
    expect(page.rejected + rest.rejected).toBe(4);
  });

  it('reads one segment of a parallel Scan: the segments together return each due lead once', async () => {
    const { store } = await freshLeadStore();
    const { leads, due } = mixedLeads();
    await store.putMany(leads);
    const found: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      let cursor: string | undefined;
      do {
        const page = await store.findDue({ normalizedBefore: BEFORE, limit: 3, segment: { index, total: 4 }, ...(cursor ? { cursor } : {}) });
        found.push(...page.leadIds);
        cursor = page.cursor;
      } while (cursor);
    }
    expect(found.sort()).toEqual([...due].sort());
    const counts = await Promise.all([0, 1, 2, 3].map((index) => store.countSegment({ index, total: 4 })));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(leads.length);
  });

  it('comes back short, with a cursor, when its scan requests are spent', async () => {
    const { store } = await freshLeadStore({ scanPageSize: 5 });
    const { leads, due } = mixedLeads();
    await store.putMany(leads);
    const first = await store.findDue({ normalizedBefore: BEFORE, limit: 100, maxScanRequests: 2 });
    expect(first.leadIds.length).toBeLessThanOrEqual(10);
    expect(first.cursor).toBeDefined();
    const rest = await store.findDue({ normalizedBefore: BEFORE, limit: 100, ...(first.cursor ? { cursor: first.cursor } : {}) });
    expect([...first.leadIds, ...rest.leadIds].sort()).toEqual([...due].sort());
  });

  it('reads the index of due leads by shard: only leads stamped due by then, page by page', async () => {
    const { store } = await freshLeadStore();
    const leads = Array.from({ length: 12 }, (_, index) => ({
      leadId: `i-${index}`,
      dueShard: index % 2 ? '001' : '002',
      dueAt: index < 8 ? OLD : RECENT,
    }));
    await store.putMany([...leads, { leadId: 'never-normalized' }]);
    const found: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.findDueInIndex({ shard: '001', dueBy: BEFORE, limit: 2, ...(cursor ? { cursor } : {}) });
      found.push(...page.leadIds);
      cursor = page.cursor;
    } while (cursor);
    expect(found.sort()).toEqual(['i-1', 'i-3', 'i-5', 'i-7']);
  });

  it.each([0, -1, 2.5])('refuses limit %s', async (limit) => {
    const { store } = await freshLeadStore();
    await expect(store.findDue({ normalizedBefore: BEFORE, limit })).rejects.toThrow(RangeError);
  });
});

describe('recordFailure', () => {
  const stamp = { error: 'Model.Fatal', failures: 1, sourceHash: 'h1', failedAt: '2025-06-02T10:00:00.000Z' };
  const read = async (tableName: string) =>
    (await embedded().documentClient.send(new GetCommand({ TableName: tableName, Key: { leadId: 'F1' }, ConsistentRead: true }))).Item;

  it('stamps the lead when its originals and its stamp are as read, and only then', async () => {
    const { store, tableName } = await freshLeadStore();
    await store.putMany([{ leadId: 'F1', nombres: 'ANA' }]);
    const failure = {
      leadId: 'F1',
      expectedOriginals: { nombres: { string: 'ANA' }, ciudad: { absent: true } } as Record<string, OriginalExpectation>,
      stamp,
      previousFailedAt: undefined,
      due: { shard: '007', at: stamp.failedAt },
    };
    expect(await store.recordFailure(failure)).toBe(true);
    expect(await read(tableName)).toMatchObject({ normalizationFailure: stamp, dueShard: '007', dueAt: stamp.failedAt });
    // A second stamper that read no stamp loses: one failure is never counted twice.
    expect(await store.recordFailure({ ...failure, stamp: { ...stamp, failedAt: '2025-06-02T10:00:01.000Z' } })).toBe(false);
    const second = { ...stamp, failures: 2, failedAt: '2025-06-03T10:00:00.000Z', poisonedAt: '2025-06-03T10:00:00.000Z' };
    expect(await store.recordFailure({ ...failure, stamp: second, previousFailedAt: stamp.failedAt, due: null })).toBe(true);
    const poisoned = await read(tableName);
    expect(poisoned?.normalizationFailure).toEqual(second);
    // Poisoned: out of the index of due leads.
    expect(poisoned).not.toHaveProperty('dueShard');
    expect(poisoned).not.toHaveProperty('dueAt');
    // Edited since read: no stamp.
    expect(await store.recordFailure({ ...failure, expectedOriginals: { nombres: { string: 'ANITA' } }, previousFailedAt: second.failedAt })).toBe(false);
    expect(await store.recordFailure({ ...failure, leadId: 'GONE' })).toBe(false);
    expect(await read(tableName)).toMatchObject({ nombres: 'ANA' });
  });

  it('is cleared by a successful normalization', async () => {
    const { store, tableName } = await freshLeadStore();
    await store.putMany([{ leadId: 'F1', nombres: 'ANA' }]);
    await store.recordFailure({ leadId: 'F1', expectedOriginals: { nombres: { string: 'ANA' } }, stamp, previousFailedAt: undefined, due: null });
    await writeOne(store, {
      leadId: 'F1',
      runId: 'run-1',
      expectedOriginals: { nombres: { string: 'ANA' } },
      normalizedData: { nombres: 'Ana' },
      normalizationMeta: {},
      normalizedAt: '2025-06-04T00:00:00.000Z',
      normalizationVersion: 'rules-1',
      sourceHash: 'h1',
      due: { shard: '001', at: '2025-06-11T00:00:00.000Z' },
    });
    expect(await read(tableName)).not.toHaveProperty('normalizationFailure');
    expect(await read(tableName)).toMatchObject({ dueShard: '001', dueAt: '2025-06-11T00:00:00.000Z' });
  });
});

describe('writeNormalizations', () => {
  const lead: LeadItem = {
    leadId: 'L1',
    nombres: 'JUAN  perez',
    ciudad: 'medellin',
    telefono: 3001234567,
    consentimiento: true,
    etiquetas: ['web', 'feria'],
    origen: { canal: 'web', campana: 'x' },
    vacio: null,
  };

  const write = (overrides: Partial<NormalizationWrite> = {}): NormalizationWrite => ({
    leadId: 'L1',
    runId: 'run-1',
    expectedOriginals: { nombres: { string: 'JUAN  perez' }, ciudad: { string: 'medellin' }, direccion: { absent: true }, vacio: { type: 'NULL' } },
    normalizedData: { nombres: 'Juan Perez', ciudad: 'Medellín', ciudadDepartamento: 'Antioquia', ciudadCodigoDane: '05001' },
    normalizationMeta: { nombres: { source: 'rules', changed: true, flags: [] } },
    normalizedAt: '2025-06-02T12:00:00.000Z',
    normalizationVersion: 'rules-1',
    sourceHash: 'abc123',
    due: { shard: '042', at: '2025-06-09T12:00:00.000Z' },
    ...overrides,
  });

  async function readItem(tableName: string, leadId = 'L1') {
    const output = await embedded().documentClient.send(new GetCommand({ TableName: tableName, Key: { leadId }, ConsistentRead: true }));
    return output.Item;
  }

  const withoutNormalization = (item: LeadItem | undefined) =>
    Object.fromEntries(Object.entries(item ?? {}).filter(([name]) => !PIPELINE_OWNED_ATTRIBUTES.includes(name)));

  it('writes the normalization attributes and leaves every other attribute exactly as it was', async () => {
    const { store, tableName } = await freshLeadStore();
    await store.putMany([lead]);
    const before = await readItem(tableName);

    expect(await writeOne(store, write())).toBe('written');

    const after = await readItem(tableName);
    expect(withoutNormalization(after)).toEqual(before);
    expect(after).toMatchObject({
      normalizedData: write().normalizedData,
      normalizationMeta: write().normalizationMeta,
      normalizedAt: '2025-06-02T12:00:00.000Z',
      updatedAt: '2025-06-02T12:00:00.000Z',
      normalizationVersion: 'rules-1',
      normalizationSourceHash: 'abc123',
    });
  });

  it('writes again over an earlier normalization (a re-run)', async () => {
    const { store, tableName } = await freshLeadStore();
    await store.putMany([lead]);
    await writeOne(store, write());
    expect(await writeOne(store, write({ normalizedAt: '2025-07-01T00:00:00.000Z', sourceHash: 'def' }))).toBe('written');
    expect(await readItem(tableName)).toMatchObject({ normalizedAt: '2025-07-01T00:00:00.000Z', normalizationSourceHash: 'def' });
  });

  it('reports `changed` and writes nothing when an original was edited after it was read', async () => {
    const { store, tableName } = await freshLeadStore();
    await store.putMany([lead]);
    await embedded().documentClient.send(
      new UpdateCommand({ TableName: tableName, Key: { leadId: 'L1' }, UpdateExpression: 'SET ciudad = :c', ExpressionAttributeValues: { ':c': 'Bello' } }),
    );
    const before = await readItem(tableName);
    expect(await writeOne(store, write())).toBe('changed');
    expect(await readItem(tableName)).toEqual(before);
  });

  it('reports `changed` when an attribute absent at read time was added since', async () => {
    const { store, tableName } = await freshLeadStore();
    await store.putMany([lead]);
    await embedded().documentClient.send(
      new UpdateCommand({ TableName: tableName, Key: { leadId: 'L1' }, UpdateExpression: 'SET direccion = :d', ExpressionAttributeValues: { ':d': 'cl 1 # 2-3' } }),
    );
    expect(await writeOne(store, write())).toBe('changed');
    expect((await readItem(tableName))?.normalizedAt).toBeUndefined();
  });

  it('reports `changed` when an original present at read time was removed since', async () => {
    const { store, tableName } = await freshLeadStore();
    await store.putMany([lead]);
    await embedded().documentClient.send(new UpdateCommand({ TableName: tableName, Key: { leadId: 'L1' }, UpdateExpression: 'REMOVE nombres' }));
    expect(await writeOne(store, write())).toBe('changed');
  });

  it('reports `deleted` when the lead is gone, and does not create it', async () => {
    const { store, tableName } = await freshLeadStore();
    await store.putMany([lead]);
    await embedded().documentClient.send(new DeleteCommand({ TableName: tableName, Key: { leadId: 'L1' } }));
    expect(await writeOne(store, write())).toBe('deleted');
    expect(await readItem(tableName)).toBeUndefined();
  });

  it('reports `refused` for a lead too large to take its normalization, instead of failing', async () => {
    const { store, tableName } = await freshLeadStore();
    // 100 bytes short of 400 KB: the normalization attributes do not fit.
    const nearFull = { ...lead, nota: 'x'.repeat(MAX_ITEM_BYTES - 100 - itemBytes({ ...lead, nota: '' })) };
    await store.putMany([nearFull]);
    expect(await writeOne(store, write())).toBe('refused');
    expect(await readItem(tableName)).toEqual(nearFull);
  });

  it('writes a batch on the versions read: each write conditional on its own lead, outcomes in order', async () => {
    // A concurrent run normalizes L2 again after the batch read it and before the batch writes it.
    const { store, tableName, sent } = await recordingLeadStore(async (commandName, tableName) => {
      if (commandName !== 'BatchGetCommand') return;
      await embedded().documentClient.send(
        new UpdateCommand({ TableName: tableName, Key: { leadId: 'L2' }, UpdateExpression: 'SET normalizedAt = :at, normalizedData = :data', ExpressionAttributeValues: { ':at': '2025-06-03T00:00:00.000Z', ':data': { nombres: 'Newer' } } }),
      );
    });
    await store.putMany([
      { ...lead, leadId: 'L1', normalizedAt: '2025-06-01T00:00:00.000Z', normalizedData: { nombres: 'Old' }, normalizationRunId: 'run-0' },
      { ...lead, leadId: 'L2' },
      { ...lead, leadId: 'L3', ciudad: 'Bello' },
      { ...lead, leadId: 'L5' },
    ]);
    sent.length = 0;

    const outcomes = await readAndWrite(store, ['L1', 'L2', 'L3', 'L4', 'L5'].map((leadId) => write({ leadId })));

    expect(outcomes).toEqual(['written', 'changed', 'changed', 'deleted', 'written']);
    // The batch read, one update per lead found; a failed update answers with the lead as it is
    // (ReturnValuesOnConditionCheckFailure), so telling changed from deleted reads nothing more.
    expect(sent.filter((name) => name === 'BatchGetCommand')).toHaveLength(1);
    expect(sent.filter((name) => name === 'UpdateCommand')).toHaveLength(4);
    expect(sent.filter((name) => name === 'GetCommand')).toHaveLength(0);
    expect(await readItem(tableName, 'L1')).toMatchObject({ normalizedAt: write().normalizedAt, normalizationHistory: [{ runId: 'run-0', normalizedData: { nombres: 'Old' } }] });
    expect(await readItem(tableName, 'L2')).toMatchObject({ normalizedAt: '2025-06-03T00:00:00.000Z', normalizedData: { nombres: 'Newer' } });
    expect(await readItem(tableName, 'L3')).not.toHaveProperty('normalizedAt');
    expect(await readItem(tableName, 'L4')).toBeUndefined();
    expect(await readItem(tableName, 'L5')).toMatchObject({ normalizedAt: write().normalizedAt, normalizationHistory: [] });
  });

  it("writes first normalizations without reading first, and never over a normalization or a history it did not read", async () => {
    const { store, tableName, sent } = await recordingLeadStore();
    await store.putMany([
      { ...lead, leadId: 'F1' },
      // Normalized by another run after this one read it with none.
      { ...lead, leadId: 'F2', normalizedAt: '2025-06-03T00:00:00.000Z', normalizedData: { nombres: 'Other run' } },
      // Rolled back to no normalization, but a history this write never read.
      { ...lead, leadId: 'F3', normalizationHistory: [{ runId: 'run-0', normalizedAt: '2025-05-01T00:00:00.000Z', normalizedData: { nombres: 'Kept' }, normalizationMeta: {} }] },
      { ...lead, leadId: 'F5', ciudad: 'Bello' },
    ]);
    sent.length = 0;

    // Read with none: the writes need no version from the read.
    const outcomes = await store.writeNormalizations(['F1', 'F2', 'F3', 'F4', 'F5'].map((leadId) => write({ leadId, firstNormalization: true })), new Map());

    expect(outcomes).toEqual(['written', 'changed', 'changed', 'deleted', 'changed']);
    expect(sent).toEqual(Array.from({ length: 5 }, () => 'UpdateCommand'));
    expect(await readItem(tableName, 'F1')).toMatchObject({ normalizedAt: write().normalizedAt, normalizationHistory: [] });
    expect(await readItem(tableName, 'F2')).toMatchObject({ normalizedAt: '2025-06-03T00:00:00.000Z', normalizedData: { nombres: 'Other run' } });
    expect(await readItem(tableName, 'F3')).toMatchObject({ normalizationHistory: [{ runId: 'run-0', normalizedData: { nombres: 'Kept' } }] });
    expect(await readItem(tableName, 'F3')).not.toHaveProperty('normalizedAt');
    expect(await readItem(tableName, 'F4')).toBeUndefined();
    expect(await readItem(tableName, 'F5')).not.toHaveProperty('normalizedAt');
  });

  it.each([{ first: true }, { first: false }])(
    'a write this run already made (an attempt that died after writing) counts as written and is not made again (firstNormalization: $first)',
    async ({ first }) => {
      const { store, tableName } = await freshLeadStore();
      await store.putMany([{ ...lead, leadId: 'R1' }, { ...lead, leadId: 'R2' }]);
      const attempt = (normalizedAt: string, extra: Partial<NormalizationWrite> = {}) =>
        readAndWrite(store, ['R1', 'R2'].map((leadId) => write({ leadId, runId: 'run-1', normalizedAt, ...(first ? { firstNormalization: true as const } : {}), ...extra })));
      expect(await attempt('2025-06-02T12:00:00.000Z')).toEqual(['written', 'written']);
      const afterFirst = await readItem(tableName, 'R1');

      // R2's city is edited after the first attempt wrote it.
      await embedded().documentClient.send(new UpdateCommand({ TableName: tableName, Key: { leadId: 'R2' }, UpdateExpression: 'SET ciudad = :c', ExpressionAttributeValues: { ':c': 'Bello' } }));
      expect(await attempt('2025-06-02T12:05:00.000Z')).toEqual(['written', 'changed']);
      expect(await readItem(tableName, 'R1')).toEqual(afterFirst);
      expect(afterFirst).toMatchObject({ normalizedAt: '2025-06-02T12:00:00.000Z', normalizationHistory: [] });

      // Another run writing the same values from the same originals is a new version, kept in the history.
      expect(await readAndWrite(store, [write({ leadId: 'R1', runId: 'run-2', normalizedAt: '2025-06-03T00:00:00.000Z' })])).toEqual(['written']);
      expect(await readItem(tableName, 'R1')).toMatchObject({ normalizationRunId: 'run-2', normalizationHistory: [{ runId: 'run-1', normalizedAt: '2025-06-02T12:00:00.000Z' }] });
    },
  );

  it('refuses an original field named like a normalization attribute instead of overwriting it', async () => {
    const { store } = await freshLeadStore();
    await store.putMany([{ ...lead, updatedAt: 'by the CRM' }]);
    await expect(writeOne(store, write({ expectedOriginals: { updatedAt: { string: 'by the CRM' } } }))).rejects.toThrow(/updatedAt/);
  });
});

describe('history, rollback and re-normalization requests', () => {
  const lead: LeadItem = { leadId: 'H', nombres: 'ANA' };
  const write = (runId: string, normalizedAt: string, nombres: string, extra: Partial<NormalizationWrite> = {}): NormalizationWrite => ({
    leadId: 'H',
    runId,
    expectedOriginals: { nombres: { string: 'ANA' } },
    normalizedData: { nombres },
    normalizationMeta: { nombres: { source: 'rules', changed: true, flags: [] } },
    normalizedAt,
    normalizationVersion: 'rules-1',
    sourceHash: `hash-${runId}`,
    due: { shard: '003', at: '2025-07-01T00:00:00.000Z' },
    ...extra,
  });

  it('keeps the replaced version with its run id, and a rollback restores it only while the lead holds that run', async () => {
    const { store } = await freshLeadStore();
    await store.putMany([lead]);
    await writeOne(store, write('run-1', '2025-06-01T00:00:00.000Z', 'Ana'));
    await writeOne(store, write('run-2', '2025-06-02T00:00:00.000Z', 'ANA!'));
    const item = (await store.getMany(['H'])).get('H');
    expect(item).toMatchObject({ normalizationRunId: 'run-2', normalizationHistory: [{ runId: 'run-1', normalizedAt: '2025-06-01T00:00:00.000Z', normalizedData: { nombres: 'Ana' }, normalizationSourceHash: 'hash-run-1' }] });

    const rollback = { leadId: 'H', runId: 'run-2', previous: (item?.normalizationHistory as never[])[0], history: [], updatedAt: '2025-06-03T00:00:00.000Z' };
    expect(await store.rollBack({ ...rollback, expectedNormalizedAt: '2025-06-01T00:00:00.000Z' })).toBe('changed');
    expect(await store.rollBack({ ...rollback, runId: 'run-1', expectedNormalizedAt: '2025-06-02T00:00:00.000Z' })).toBe('changed');
    expect(await store.rollBack({ ...rollback, expectedNormalizedAt: '2025-06-02T00:00:00.000Z' })).toBe('restored');
    expect((await store.getMany(['H'])).get('H')).toEqual({
      ...lead,
      normalizedData: { nombres: 'Ana' },
      normalizationMeta: { nombres: { source: 'rules', changed: true, flags: [] } },
      normalizedAt: '2025-06-01T00:00:00.000Z',
      updatedAt: '2025-06-03T00:00:00.000Z',
      normalizationVersion: 'rules-1',
      normalizationSourceHash: 'hash-run-1',
      normalizationRunId: 'run-1',
      normalizationHistory: [],
      // The rolled-back write's entry in the index of due leads stays: an older version is not due sooner.
      dueShard: '003',
      dueAt: '2025-07-01T00:00:00.000Z',
    });
  });

  it('a steward\'s request and a rollback to never normalized put the lead in the index of due leads; a request gives a poisoned lead its tries back', async () => {
    const { store } = await freshLeadStore();
    const dueIn = async (dueBy: string) => (await store.findDueInIndex({ shard: dueShardOf('H'), dueBy, limit: 10 })).leadIds;
    await store.putMany([lead]);
    await writeOne(store, write('run-1', '2025-06-01T00:00:00.000Z', 'Ana'));
    expect(await dueIn('2025-06-05T00:00:00.000Z')).toEqual([]);
    await store.rollBack({ leadId: 'H', runId: 'run-1', expectedNormalizedAt: '2025-06-01T00:00:00.000Z', previous: undefined, history: [], updatedAt: '2025-06-04T00:00:00.000Z' });
    expect(await dueIn('2025-06-05T00:00:00.000Z')).toEqual(['H']);
    // Never normalized again, history included: its next normalization is a first one, written without a read.
    const rolledBack = (await store.getMany(['H'])).get('H');
    expect(rolledBack).not.toHaveProperty('normalizationHistory');
    expect(rolledBack).not.toHaveProperty('normalizedAt');

    const poisoned = { error: 'TypeError', failures: 3, sourceHash: 'h', failedAt: '2025-06-05T00:00:00.000Z', poisonedAt: '2025-06-05T00:00:00.000Z' };
    await store.recordFailure({ leadId: 'H', expectedOriginals: { nombres: { string: 'ANA' } }, stamp: poisoned, previousFailedAt: undefined, due: null });
    expect(await dueIn('2025-06-06T00:00:00.000Z')).toEqual([]);
    await store.requestRenormalization(['H'], '2025-06-06T00:00:00.000Z');
    expect(await dueIn('2025-06-06T00:00:00.000Z')).toEqual(['H']);
    expect((await store.getMany(['H'])).get('H')).not.toHaveProperty('normalizationFailure');
  });

  it('makes a requested lead due; a write computed before a newer request does not clear it', async () => {
    const { store } = await freshLeadStore();
    await store.putMany([lead, { leadId: 'other', nombres: 'X', normalizedAt: RECENT }]);
    await writeOne(store, write('run-1', RECENT, 'Ana'));
    expect((await store.findDue({ normalizedBefore: BEFORE, limit: 10 })).leadIds).toEqual([]);

    expect(await store.requestRenormalization(['H', 'gone'], '2025-06-03T00:00:00.000Z')).toBe(1);
    expect((await store.findDue({ normalizedBefore: BEFORE, limit: 10 })).leadIds).toEqual(['H']);
    // Computed before the request (read without it): refused, the lead stays due.
    expect(await writeOne(store, write('run-2', '2025-06-04T00:00:00.000Z', 'Ana'))).toBe('changed');
    expect((await store.findDue({ normalizedBefore: BEFORE, limit: 10 })).leadIds).toEqual(['H']);
    // Computed under the request: written, and the request is done.
    expect(await writeOne(store, write('run-2', '2025-06-04T00:00:00.000Z', 'Ana', { renormalizeRequestedAt: '2025-06-03T00:00:00.000Z' }))).toBe('written');
    expect((await store.findDue({ normalizedBefore: BEFORE, limit: 10 })).leadIds).toEqual([]);
  });
});

describe('putMany, getMany, scanAll, count', () => {
  const leads = Array.from({ length: 250 }, (_, i) => ({ leadId: `lead-${i}`, nombres: `nombre ${i}`, orden: i }));

  it('puts and reads back 250 leads across several batch requests', async () => {
    const { store } = await freshLeadStore();
    await store.putMany(leads);
    expect(await store.count()).toBe(250);

    const ids = [...leads.map((lead) => lead.leadId), 'lead-0', 'missing-1', 'missing-2'];
    const found = await store.getMany(ids);
    expect(found.size).toBe(250);
    expect(found.get('lead-249')).toEqual({ leadId: 'lead-249', nombres: 'nombre 249', orden: 249 });
    expect(found.has('missing-1')).toBe(false);

    const scanned: LeadItem[] = [];
    for await (const item of store.scanAll()) scanned.push(item);
    expect(scanned.sort((a, b) => Number(a.orden) - Number(b.orden))).toEqual(leads);
  });

  it('pages scanAll and count through many scan pages', async () => {
    const { store } = await freshLeadStore({ scanPageSize: 7 });
    await store.putMany(leads.slice(0, 50));
    let scanned = 0;
    for await (const _item of store.scanAll()) scanned += 1;
    expect(scanned).toBe(50);
    expect(await store.count()).toBe(50);
  });

  it('drops attributes left undefined instead of failing the write', async () => {
    const { store } = await freshLeadStore();
    await store.putMany([{ leadId: 'u', nombres: 'Ana', ciudad: undefined }]);
    expect((await store.getMany(['u'])).get('u')).toEqual({ leadId: 'u', nombres: 'Ana' });
  });

  it('keeps the last of repeated lead ids, as sequential puts would', async () => {
    const { store } = await freshLeadStore();
    await store.putMany([{ leadId: 'x', v: 1 }, { leadId: 'y', v: 1 }, { leadId: 'x', v: 2 }]);
    expect(await store.count()).toBe(2);
    expect((await store.getMany(['x'])).get('x')).toEqual({ leadId: 'x', v: 2 });
  });

  it('reads nothing for no ids and an empty table', async () => {
    const { store } = await freshLeadStore();
    expect((await store.getMany([])).size).toBe(0);
    expect(await store.count()).toBe(0);
  });
});
