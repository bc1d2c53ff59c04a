import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ensureTables } from '#infra/local/local-tables.ts';
import { ensureSourceTable } from '#infra/local/local-analytics.ts';
import { ExactNumber } from '#shared/engine/original-values.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { sameOriginals, seedItems } from '#shared/stores/dynamodb-seeding.ts';
import { dueShardOf } from '#shared/stores/due-leads-index.ts';
import { PIPELINE_OWNED_ATTRIBUTES } from '#shared/config/pipeline-owned-attributes.ts';
import type { LeadItem, SeedRecord } from '#shared/stores/store-ports.ts';
import { useEmbeddedDb } from './embedded-test-db.ts';

const embedded = useEmbeddedDb();
let tableCount = 0;

async function freshLeads(client: DynamoDBDocumentClient = embedded().documentClient) {
  const tableName = `seed-leads-${++tableCount}`;
  await ensureTables(embedded().client, { leads: tableName });
  return { tableName, store: createDynamoDbLeadStore({ client, tableName, now: () => new Date(SEEDED_AT) }) };
}

const SEEDED_AT = '2026-02-01T00:00:00.000Z';
/** What seeding adds to a lead it writes: its entry in the index of due leads, due at once. */
const dueNow = (leadId: string) => ({ dueShard: dueShardOf(leadId), dueAt: SEEDED_AT });

const records = (...items: LeadItem[]): SeedRecord[] => items.map((item, index) => ({ line: index + 1, item }));
const NORMALIZED = {
  normalizedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  normalizedData: { nombres: 'Ana' },
  normalizationMeta: {},
  normalizationVersion: 'v',
  normalizationSourceHash: 'h',
  // The steward's workbench: the run that wrote it and the version it replaced.
  normalizationRunId: 'run-2',
  normalizationHistory: [{ runId: 'run-1', normalizedAt: '2025-12-01T00:00:00.000Z', normalizedData: { nombres: 'ANA' }, normalizationMeta: {} }],
};

async function stored(tableName: string, leadId: string) {
  return (await embedded().documentClient.send(new GetCommand({ TableName: tableName, Key: { leadId }, ConsistentRead: true }))).Item;
}

describe('LeadStore.seed', () => {
  it('inserts new leads, leaves identical ones with their normalization, replaces changed ones so they are due again', async () => {
    const { store, tableName } = await freshLeads();
    await store.putMany([
      { leadId: 'same', nombres: 'ANA', edad: 30, etiquetas: ['a', 'b'], origen: { canal: 'web' }, ...NORMALIZED },
      // Poisoned (its stamp), so out of the index of due leads.
      { leadId: 'changed', nombres: 'ANA', ...NORMALIZED, normalizationFailure: { error: 'TypeError', failures: 3, sourceHash: 'h', failedAt: '2026-01-02T00:00:00.000Z', poisonedAt: '2026-01-02T00:00:00.000Z' } },
    ]);
    const outcomes = await store.seed(
      records(
        // Numbers compare by value (30.0 is 30), maps and lists deeply.
        { leadId: 'same', nombres: 'ANA', edad: 30.0, etiquetas: ['a', 'b'], origen: { canal: 'web' } },
        { leadId: 'changed', nombres: 'ANA MARIA' },
        { leadId: 'new', nombres: 'LUIS' },
      ),
      { insertOnly: false },
    );
    expect(outcomes).toEqual([
      { line: 1, outcome: 'unchanged' },
      { line: 2, outcome: 'updated' },
      { line: 3, outcome: 'inserted' },
    ]);
    expect(await stored(tableName, 'same')).toMatchObject(NORMALIZED);
    // Replaced whole: the new originals, no normalization (nor history: it normalized other originals) left, so the pipeline
    // selects it again; no poison stamp of the old originals, and in the index of due leads (as the new lead is).
    expect(await stored(tableName, 'changed')).toEqual({ leadId: 'changed', nombres: 'ANA MARIA', ...dueNow('changed') });
    expect(await stored(tableName, 'new')).toEqual({ leadId: 'new', nombres: 'LUIS', ...dueNow('new') });
    for (const leadId of ['changed', 'new']) {
      expect((await store.findDueInIndex({ shard: dueShardOf(leadId), dueBy: SEEDED_AT, limit: 10 })).leadIds).toContain(leadId);
    }
    expect((await store.findDue({ normalizedBefore: '2030-01-01T00:00:00.000Z', limit: 10 })).leadIds.sort()).toEqual(['changed', 'new', 'same']);
    expect((await store.findDue({ normalizedBefore: '2025-01-01T00:00:00.000Z', limit: 10 })).leadIds.sort()).toEqual(['changed', 'new']);
  });

  it('with insertOnly never touches an existing lead', async () => {
    const { store, tableName } = await freshLeads();
    await store.putMany([{ leadId: 'old', nombres: 'ANA', ...NORMALIZED }]);
    const outcomes = await store.seed(records({ leadId: 'old', nombres: 'OTRA' }, { leadId: 'new', nombres: 'LUIS' }), { insertOnly: true });
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['kept', 'inserted']);
    expect(await stored(tableName, 'old')).toEqual({ leadId: 'old', nombres: 'ANA', ...NORMALIZED });
  });

  it('is idempotent: the same records again change nothing', async () => {
    const { store } = await freshLeads();
    const batch = records(...Array.from({ length: 60 }, (_, index) => ({ leadId: `L${index}`, nombres: `N ${index}` })));
    expect(new Set((await store.seed(batch, { insertOnly: false })).map((outcome) => outcome.outcome))).toEqual(new Set(['inserted']));
    expect(new Set((await store.seed(batch, { insertOnly: false })).map((outcome) => outcome.outcome))).toEqual(new Set(['unchanged']));
    expect(await store.count()).toBe(60);
  });

  it.each(PIPELINE_OWNED_ATTRIBUTES)('rejects a record carrying %s, which the pipeline writes', async (attribute) => {
    const { store } = await freshLeads();
    const [outcome] = await store.seed(records({ leadId: 'x', nombres: 'ANA', [attribute]: 'from the file' }), { insertOnly: false });
    expect(outcome).toEqual({ line: 1, outcome: 'rejected', reason: `attribute "${attribute}" is written by the pipeline, never loaded (rename it in the file)` });
    expect(await store.count()).toBe(0);
  });

  it('rejects each item DynamoDB would refuse on its own, while its batch-mates load', async () => {
    const { store } = await freshLeads();
    let deep: unknown = 'x';
    for (let level = 0; level < 32; level += 1) deep = { n: deep };
    const refused: LeadItem[] = [
      { leadId: 'big', nota: 'ñ'.repeat(210_000) },
      { leadId: 'k'.repeat(2049) },
      { leadId: 'digits', n: new ExactNumber('1234567890123456789012345678901234567890') },
      { leadId: 'huge', n: new ExactNumber('1E+126') },
      { leadId: 'unsafe', n: 2 ** 60 },
      { leadId: 'deep', d: deep },
      { leadId: 'emptyset', tags: new Set() },
    ];
    const good = Array.from({ length: 30 }, (_, index) => ({ leadId: `ok-${index}`, nombres: 'ANA' }));
    // Refused items spread among the good ones, across two write requests.
    const mixed = good.flatMap((item, index) => (index < refused.length ? [item, refused[index] as LeadItem] : [item]));
    const outcomes = await store.seed(records(...mixed), { insertOnly: false });
    const rejected = outcomes.filter((outcome) => outcome.outcome === 'rejected');
    expect(rejected).toHaveLength(refused.length);
    expect(rejected.map((outcome) => outcome.line)).toEqual(refused.map((_, index) => 2 * index + 2));
    expect(outcomes.filter((outcome) => outcome.outcome === 'inserted')).toHaveLength(good.length);
    expect(await store.count()).toBe(good.length);
  });

  it('retries a batch the store refuses anyway item by item, so only the bad item is rejected', async () => {
    const real = embedded().documentClient;
    // A store stricter than our checks: it refuses any request carrying the attribute `poison`.
    const strict = {
      send(command: unknown) {
        const refuse = () => Object.assign(new Error('One or more parameter values were invalid'), { name: 'ValidationException' });
        if (command instanceof BatchWriteCommand && JSON.stringify(command.input).includes('poison')) return Promise.reject(refuse());
        if (command instanceof PutCommand && command.input.Item && 'poison' in command.input.Item) return Promise.reject(refuse());
        return real.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const { store } = await freshLeads(strict);
    const outcomes = await store.seed(records({ leadId: 'a' }, { leadId: 'b', poison: 1 }, { leadId: 'c' }), { insertOnly: false });
    expect(outcomes).toEqual([
      { line: 1, outcome: 'inserted' },
      { line: 2, outcome: 'rejected', reason: 'DynamoDB refused it: One or more parameter values were invalid' },
      { line: 3, outcome: 'inserted' },
    ]);
    expect(await store.count()).toBe(2);
  });

  it('decides again when the lead changes between the read and the write (conditional writes)', async () => {
    const real = embedded().documentClient;
    let tableName = '';
    // Someone deletes the lead just before the replacement reaches the store.
    const racing = {
      async send(command: unknown) {
        if (command instanceof PutCommand && command.input.Item?.leadId === 'gone') {
          await real.send(new DeleteCommand({ TableName: tableName, Key: { leadId: 'gone' } }));
        }
        return real.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const fresh = await freshLeads(racing);
    tableName = fresh.tableName;
    await fresh.store.putMany([{ leadId: 'gone', nombres: 'ANA' }]);
    const [outcome] = await fresh.store.seed(records({ leadId: 'gone', nombres: 'ANA MARIA' }), { insertOnly: false });
    // The update found no lead any more: read again, it is an insert.
    expect(outcome).toEqual({ line: 1, outcome: 'inserted' });
    expect(await stored(tableName, 'gone')).toEqual({ leadId: 'gone', nombres: 'ANA MARIA', ...dueNow('gone') });
  });
});

describe('seedItems on a table keyed by PK and SK', () => {
  it('compares whole items and rejects a repeated key naming the first line', async () => {
    const tableName = `seed-source-${++tableCount}`;
    await ensureSourceTable(embedded().client, tableName);
    const target = { client: embedded().documentClient, tableName, key: { partitionKey: 'PK', sortKey: 'SK' } };
    const item = { PK: 'USER#1', SK: 'CONVERSATION#1', Conversation: [{ from: 'user', text: 'hola' }], tokens: new Set([1, 2]) };
    expect(await seedItems(target, [{ line: 4, item }, { line: 9, item: { ...item } }], { insertOnly: false })).toEqual([
      { line: 4, outcome: 'inserted' },
      { line: 9, outcome: 'rejected', reason: 'same key as line 4' },
    ]);
    expect(await seedItems(target, [{ line: 1, item }], { insertOnly: false })).toEqual([{ line: 1, outcome: 'unchanged' }]);
    expect(await seedItems(target, [{ line: 1, item: { ...item, Conversation: [] } }], { insertOnly: false })).toEqual([{ line: 1, outcome: 'updated' }]);
  });
});

describe('sameOriginals', () => {
  it('compares as DynamoDB stores values', () => {
    expect(sameOriginals({ a: new ExactNumber('1.50'), s: new Set([1, 2]) }, { a: 1.5, s: new Set([2, 1]) })).toBe(true);
    expect(sameOriginals({ b: new Uint8Array([1, 2]) }, { b: new Uint8Array([1, 2]) })).toBe(true);
    expect(sameOriginals({ a: 'x', normalizedAt: 't' }, { a: 'x' }, new Set(['normalizedAt']))).toBe(true);
    expect(sameOriginals({ a: 'x' }, { a: 'x', b: '' })).toBe(false);
    expect(sameOriginals({ a: null }, { a: '' })).toBe(false);
    expect(sameOriginals({ m: { k: [1, { z: true }] } }, { m: { k: [1, { z: false }] } })).toBe(false);
  });
});
