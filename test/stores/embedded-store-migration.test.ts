import { DescribeTableCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '#infra/local/embedded-dynamodb.ts';
import { localTableNames, startLocalEnvironment } from '#infra/local/local-runtime.ts';
import { ensureTables, type TableNames } from '#infra/local/local-tables.ts';
import { createDynamoDbClients, type DynamoDbClients } from '#shared/stores/dynamodb-client.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { DUE_LEADS_INDEX, TABLE_DEFINITIONS } from '#shared/stores/table-definitions.ts';
import { TEST_TABLES, useEmbeddedStores } from './embedded-test-db.ts';

const stores = useEmbeddedStores('migration');
const tempDir = stores.tempDir;
const open = (dataDir: string, migrateFrom: string): Promise<EmbeddedDynamoDb> => stores.open({ dataDir, migrateFrom });

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `write` against a dynalite store on disk in `directory` (as normflow before 0.2 kept it), then closes it. */
async function withDynaliteStore(directory: string, tables: TableNames, write: (clients: DynamoDbClients) => Promise<void>): Promise<void> {
  const server = dynalite({ path: directory, createTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const clients = createDynamoDbClients({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  try {
    await ensureTables(clients.client, tables);
    await write(clients);
  } finally {
    clients.client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Every file of the directory with a hash of its content. */
function listing(directory: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(directory, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const file = path.join(entry.parentPath, entry.name);
        return [path.relative(directory, file), createHash('sha256').update(readFileSync(file)).digest('hex')] as const;
      })
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

const BLOB = new Uint8Array([0x1f, 0x8b, 0, 7, 255]);
const LEADS = Array.from({ length: 30 }, (_, index) => ({ leadId: `old-${index}`, nombres: `Nombre ${index}`, edad: index }));

/** The store an earlier version left: 30 plain leads, one with bytes, one in the due index, 2 runs (in their index), 1 config. */
async function writeEarlierStore(clients: DynamoDbClients): Promise<number> {
  const { documentClient } = clients;
  await createDynamoDbLeadStore({ client: documentClient, tableName: TEST_TABLES.leads }).putMany(LEADS);
  await documentClient.send(new PutCommand({ TableName: TEST_TABLES.leads, Item: { leadId: 'bytes', blob: BLOB, parts: new Set([new Uint8Array([1]), new Uint8Array([2, 3])]), nested: { list: [BLOB, 1.5] } } }));
  await documentClient.send(new PutCommand({ TableName: TEST_TABLES.leads, Item: { leadId: 'due', dueShard: '03', dueAt: '2025-06-01T00:00:00Z', nombres: 'Ana' } }));
  const runs = createDynamoDbRunStore({ client: documentClient, tableName: TEST_TABLES.runs });
  await runs.putRun('r1', { startedAt: '2025-06-01T00:00:00.000Z' });
  await runs.putRun('r2', { startedAt: '2025-06-02T00:00:00.000Z' });
  await documentClient.send(new PutCommand({ TableName: TEST_TABLES.config, Item: { configId: 'active', version: 4 } }));
  return LEADS.length + 2 + 2 + 1;
}

async function expectEarlierStore(db: EmbeddedDynamoDb): Promise<void> {
  const documents = db.documentClient;
  const get = async (leadId: string) => (await documents.send(new GetCommand({ TableName: TEST_TABLES.leads, Key: { leadId } }))).Item;
  expect(await createDynamoDbLeadStore({ client: documents, tableName: TEST_TABLES.leads }).count()).toBe(LEADS.length + 2);
  expect(await get('old-17')).toEqual({ leadId: 'old-17', nombres: 'Nombre 17', edad: 17 });
  expect(await get('bytes')).toEqual({ leadId: 'bytes', blob: BLOB, parts: new Set([new Uint8Array([1]), new Uint8Array([2, 3])]), nested: { list: [BLOB, 1.5] } });
  const due = await documents.send(new QueryCommand({ TableName: TEST_TABLES.leads, IndexName: DUE_LEADS_INDEX, KeyConditionExpression: 'dueShard = :shard', ExpressionAttributeValues: { ':shard': '03' } }));
  expect(due.Items).toEqual([{ leadId: 'due', dueShard: '03', dueAt: '2025-06-01T00:00:00Z' }]);
  const runs = await createDynamoDbRunStore({ client: documents, tableName: TEST_TABLES.runs }).listRuns(5);
  expect(runs.map((run) => run.startedAt)).toEqual(['2025-06-02T00:00:00.000Z', '2025-06-01T00:00:00.000Z']);
  expect((await documents.send(new GetCommand({ TableName: TEST_TABLES.config, Key: { configId: 'active' } }))).Item).toEqual({ configId: 'active', version: 4 });
  const leadsTable = (await db.client.send(new DescribeTableCommand({ TableName: TEST_TABLES.leads }))).Table;
  expect(leadsTable?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.Projection?.ProjectionType])).toEqual([[DUE_LEADS_INDEX, 'KEYS_ONLY']]);
}

describe('migration of a dynalite store of an earlier version', () => {
  it('copies every table, item and index once, and leaves the old directory exactly as it was', async () => {
    const root = await tempDir();
    const [old, dataDir] = [path.join(root, 'dynamodb'), path.join(root, 'tables')];
    let written = 0;
    await withDynaliteStore(old, TEST_TABLES, async (clients) => {
      written = await writeEarlierStore(clients);
    });
    const before = listing(old);

    const first = await open(dataDir, old);
    expect(first.migratedItems).toBe(written);
    await expectEarlierStore(first);
    expect(listing(old)).toEqual(before);
    expect(readdirSync(dataDir).sort()).toEqual(['LOCK', 'tables.jsonl']);
    await first.documentClient.send(new PutCommand({ TableName: TEST_TABLES.leads, Item: { leadId: 'later', nombres: 'Luis' } }));
    await first.documentClient.send(new DeleteCommand({ TableName: TEST_TABLES.leads, Key: { leadId: 'old-0' } }));
    await first.close();

    const second = await open(dataDir, old);
    expect(second.migratedItems).toBeUndefined();
    const get = async (leadId: string) => (await second.documentClient.send(new GetCommand({ TableName: TEST_TABLES.leads, Key: { leadId } }))).Item;
    expect(await get('later')).toEqual({ leadId: 'later', nombres: 'Luis' });
    expect(await get('old-0')).toBeUndefined();
    expect(await get('old-1')).toEqual({ leadId: 'old-1', nombres: 'Nombre 1', edad: 1 });
    expect(listing(old)).toEqual(before);
  });

  it('finds nothing to copy where there is no earlier store', async () => {
    const root = await tempDir();
    const missing = await open(path.join(root, 'a'), path.join(root, 'no-such-dir'));
    expect(missing.migratedItems).toBeUndefined();
    await mkdir(path.join(root, 'empty-dir'));
    const empty = await open(path.join(root, 'b'), path.join(root, 'empty-dir'));
    expect(empty.migratedItems).toBeUndefined();
    expect(await empty.client.send(new DescribeTableCommand({ TableName: TEST_TABLES.leads })).catch((error: Error) => error.name)).toBe('ResourceNotFoundException');
  });

  it('keeps nothing of a copy that fails part way, names the item, and copies everything on the next start', async () => {
    const root = await tempDir();
    const [old, dataDir] = [path.join(root, 'dynamodb'), path.join(root, 'tables')];
    // dynalite kept maps nested deeper than DynamoDB's 32 levels; the engine refuses them. The value
    // cache is copied last (tables go by name), so the leads, runs and config are copied before it fails.
    let deep: AttributeValue = { S: 'bottom' };
    for (let level = 0; level < 40; level += 1) deep = { M: { inner: deep } };
    let written = 0;
    await withDynaliteStore(old, TEST_TABLES, async (clients) => {
      written = await writeEarlierStore(clients);
      await clients.client.send(new PutItemCommand({ TableName: TEST_TABLES.valueCache, Item: { cacheKey: { S: 'too-deep' }, value: deep } }));
    });
    const before = listing(old);

    await expect(startEmbeddedDynamoDb({ dataDir, migrateFrom: old })).rejects.toThrow(
      `cannot copy the item cacheKey=too-deep of table ${TEST_TABLES.valueCache} from the earlier local store ${old}: Nesting Levels have exceeded supported limits`,
    );
    expect(listing(old)).toEqual(before);
    expect(existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'migrating'))).toBe(false);
    expect(readFileSync(path.join(dataDir, 'tables.jsonl'), 'utf8')).toBe('');

    await withDynaliteStore(old, {}, async ({ documentClient }) => {
      await documentClient.send(new DeleteCommand({ TableName: TEST_TABLES.valueCache, Key: { cacheKey: 'too-deep' } }));
    });
    const db = await open(dataDir, old);
    expect(db.migratedItems).toBe(written);
    await expectEarlierStore(db);
  });

  it('startLocalEnvironment copies a data directory that only has dynamodb/, with one line on stderr, once', async () => {
    const dataDir = await tempDir();
    const physical = localTableNames();
    // The tables an earlier normflow created, by the same physical names.
    const tables: TableNames = Object.fromEntries(Object.values(TABLE_DEFINITIONS).map((table) => [table.logicalName, physical[table.tableNameEnvVar]]));
    await withDynaliteStore(path.join(dataDir, 'dynamodb'), tables, async ({ documentClient }) => {
      await createDynamoDbLeadStore({ client: documentClient, tableName: physical.LEADS_TABLE as string }).putMany(LEADS);
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    const first = await startLocalEnvironment({ dataDir });
    stores.track(first);
    const notes = stderr.mock.calls.map(([text]) => String(text));
    expect(notes).toEqual([
      `normflow: copied the local store of an earlier version (${LEADS.length} items) from ${path.join(dataDir, 'dynamodb')} to ${path.join(dataDir, 'tables')}; the old directory is no longer used and may be deleted\n`,
    ]);
    const leads = createDynamoDbLeadStore({ client: first.db.documentClient, tableName: first.env.LEADS_TABLE as string });
    expect(await leads.count()).toBe(LEADS.length);
    expect((await leads.getMany(['old-3'])).get('old-3')).toEqual({ leadId: 'old-3', nombres: 'Nombre 3', edad: 3 });
    await first.close();

    stderr.mockClear();
    const second = await startLocalEnvironment({ dataDir });
    stores.track(second);
    expect(stderr).not.toHaveBeenCalled();
    expect(await createDynamoDbLeadStore({ client: second.db.documentClient, tableName: second.env.LEADS_TABLE as string }).count()).toBe(LEADS.length);
  });
});
