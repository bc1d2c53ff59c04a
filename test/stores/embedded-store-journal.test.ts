import { DescribeTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '#infra/local/embedded-dynamodb.ts';
import { ensureTables } from '#infra/local/local-tables.ts';
import { LocalStoreInUseError } from '#shared/errors/normflow-errors.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { DUE_LEADS_INDEX } from '#shared/stores/table-definitions.ts';
import { TEST_TABLES, useEmbeddedStores } from './embedded-test-db.ts';

const stores = useEmbeddedStores('journal');
const children: number[] = [];

const open = (dataDir: string): Promise<EmbeddedDynamoDb> => stores.open({ dataDir });
const tempDataDir = async (): Promise<string> => path.join(await stores.tempDir(), 'tables');

afterEach(() => {
  for (const pid of children.splice(0)) {
    try {
      process.kill(pid);
    } catch {
      // Already exited.
    }
  }
});

const journalOf = (dataDir: string) => path.join(dataDir, 'tables.jsonl');
const lockOf = (dataDir: string) => path.join(dataDir, 'LOCK');
const journalLines = (dataDir: string) => readFileSync(journalOf(dataDir), 'utf8').split('\n');
/** One turn of the event loop: the journal appends what a turn changed at its end. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

async function getLead(db: EmbeddedDynamoDb, leadId: string): Promise<Record<string, unknown> | undefined> {
  return (await db.documentClient.send(new GetCommand({ TableName: TEST_TABLES.leads, Key: { leadId } }))).Item;
}

async function putLeads(db: EmbeddedDynamoDb, ...leadIds: string[]): Promise<void> {
  for (const leadId of leadIds) await db.documentClient.send(new PutCommand({ TableName: TEST_TABLES.leads, Item: { leadId, nombres: `name of ${leadId}` } }));
}

const PADDING = 'x'.repeat(2_000);
const OVERWRITES = 120;

/** Overwrites the same 20 leads of ~2 kB 120 times: a journal of ~5 MiB over ~40 kB of live data. */
async function overwriteMany(db: EmbeddedDynamoDb): Promise<void> {
  await ensureTables(db.client, { leads: TEST_TABLES.leads });
  const leadIds = Array.from({ length: 20 }, (_, index) => `hot-${index}`);
  for (let round = 0; round < OVERWRITES; round += 1) {
    await db.documentClient.send(new BatchWriteCommand({ RequestItems: { [TEST_TABLES.leads]: leadIds.map((leadId) => ({ PutRequest: { Item: { leadId, round, padding: PADDING } } })) } }));
  }
}

/** A dead process's pid: one that ran and exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid as number;
}

describe('embedded store journal', () => {
  it('keeps every kind of value, updates, deletes and indexes across a close and a reopen', async () => {
    const dataDir = await tempDataDir();
    const first = await open(dataDir);
    await ensureTables(first.client, TEST_TABLES);
    const documents = first.documentClient;
    const rich = {
      leadId: 'rich',
      gzip: new Uint8Array([0x1f, 0x8b, 0, 255, 10, 13]),
      chunks: new Set([new Uint8Array([1, 2, 3]), new Uint8Array([0]), new Uint8Array([255, 254])]),
      scores: new Set([1, -2.5, 123456.75]),
      tags: new Set(['a', 'ñandú']),
      nested: { list: [1, 'two', { deep: [true, null, new Uint8Array([9, 8])] }], empty: {}, none: [] },
      text: 'línea\u2028separada "entre comillas" \\ y \r\n fin',
      flag: false,
    };
    await documents.send(new PutCommand({ TableName: TEST_TABLES.leads, Item: rich }));
    // Index attributes: the sparse dueLeads index (keys only) holds only leads stamped with both.
    await documents.send(new PutCommand({ TableName: TEST_TABLES.leads, Item: { leadId: 'due', dueShard: '07', dueAt: '2025-06-02T00:00:00Z', nombres: 'Ana' } }));
    await documents.send(new PutCommand({ TableName: TEST_TABLES.leads, Item: { leadId: 'moved', dueShard: '07', dueAt: '2025-06-01T00:00:00Z' } }));
    await documents.send(new UpdateCommand({ TableName: TEST_TABLES.leads, Key: { leadId: 'moved' }, UpdateExpression: 'SET dueShard = :shard, n = :n', ExpressionAttributeValues: { ':shard': '08', ':n': 3 } }));
    await documents.send(new PutCommand({ TableName: TEST_TABLES.leads, Item: { leadId: 'unstamped', dueShard: '07', dueAt: '2025-06-03T00:00:00Z' } }));
    await documents.send(new UpdateCommand({ TableName: TEST_TABLES.leads, Key: { leadId: 'unstamped' }, UpdateExpression: 'REMOVE dueShard, dueAt' }));
    await putLeads(first, 'deleted-1', 'deleted-2', 'kept');
    await documents.send(new DeleteCommand({ TableName: TEST_TABLES.leads, Key: { leadId: 'deleted-1' } }));
    await documents.send(new BatchWriteCommand({ RequestItems: { [TEST_TABLES.leads]: [{ DeleteRequest: { Key: { leadId: 'deleted-2' } } }, { PutRequest: { Item: { leadId: 'batched', n: 1 } } }] } }));
    const runs = createDynamoDbRunStore({ client: documents, tableName: TEST_TABLES.runs });
    await runs.putRun('r1', { startedAt: '2025-06-01T00:00:00.000Z' });
    await runs.putRun('r2', { startedAt: '2025-06-02T00:00:00.000Z' });
    const createdAt = (await first.client.send(new DescribeTableCommand({ TableName: TEST_TABLES.leads }))).Table?.CreationDateTime;
    await first.close();

    const second = await open(dataDir);
    expect(await ensureTables(second.client, TEST_TABLES)).toEqual([]);
    expect(await getLead(second, 'rich')).toEqual(rich);
    expect(await getLead(second, 'moved')).toEqual({ leadId: 'moved', dueShard: '08', dueAt: '2025-06-01T00:00:00Z', n: 3 });
    expect(await getLead(second, 'deleted-1')).toBeUndefined();
    expect(await getLead(second, 'deleted-2')).toBeUndefined();
    expect(await getLead(second, 'batched')).toEqual({ leadId: 'batched', n: 1 });
    expect(await createDynamoDbLeadStore({ client: second.documentClient, tableName: TEST_TABLES.leads }).count()).toBe(6);
    const dueIn = async (shard: string) =>
      (await second.documentClient.send(new QueryCommand({ TableName: TEST_TABLES.leads, IndexName: DUE_LEADS_INDEX, KeyConditionExpression: 'dueShard = :shard', ExpressionAttributeValues: { ':shard': shard } }))).Items;
    expect(await dueIn('07')).toEqual([{ leadId: 'due', dueShard: '07', dueAt: '2025-06-02T00:00:00Z' }]);
    expect(await dueIn('08')).toEqual([{ leadId: 'moved', dueShard: '08', dueAt: '2025-06-01T00:00:00Z' }]);
    const listed = await createDynamoDbRunStore({ client: second.documentClient, tableName: TEST_TABLES.runs }).listRuns(5);
    expect(listed.map((run) => run.startedAt)).toEqual(['2025-06-02T00:00:00.000Z', '2025-06-01T00:00:00.000Z']);
    const described = (await second.client.send(new DescribeTableCommand({ TableName: TEST_TABLES.leads }))).Table;
    expect(described?.CreationDateTime).toEqual(createdAt);
    expect(described?.ItemCount).toBe(6);
  });

  it('keeps writes that came over HTTP from another process', async () => {
    const dataDir = await tempDataDir();
    const first = await open(dataDir);
    await ensureTables(first.client, { leads: TEST_TABLES.leads });
    const overHttp = new DynamoDBClient({ endpoint: first.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    await overHttp.send(new PutItemCommand({ TableName: TEST_TABLES.leads, Item: { leadId: { S: 'remote' }, blob: { B: new Uint8Array([0, 1, 2, 250]) } } }));
    overHttp.destroy();
    await first.close();

    const second = await open(dataDir);
    expect(await getLead(second, 'remote')).toEqual({ leadId: 'remote', blob: new Uint8Array([0, 1, 2, 250]) });
  });

  it('has every write on disk once close() resolves, though the journal appends once per turn', async () => {
    const dataDir = await tempDataDir();
    const db = await open(dataDir);
    await ensureTables(db.client, { leads: TEST_TABLES.leads });
    await nextTurn();
    const leadIds = Array.from({ length: 50 }, (_, index) => `last-${index}`);
    await Promise.all(leadIds.map((leadId) => putLeads(db, leadId)));
    await db.close();

    const written = journalLines(dataDir).filter((line) => line.includes('"last-'));
    expect(written).toHaveLength(50);
    const reopened = await open(dataDir);
    expect(await createDynamoDbLeadStore({ client: reopened.documentClient, tableName: TEST_TABLES.leads }).count()).toBe(50);
  });

  it('drops a last line cut short by a crash, keeps every complete change, and appends cleanly after it', async () => {
    const dataDir = await tempDataDir();
    const first = await open(dataDir);
    await ensureTables(first.client, { leads: TEST_TABLES.leads });
    await putLeads(first, 'a', 'b');
    await first.close();
    await appendFile(journalOf(dataDir), '{"kind":"put","table":"test-leads","item":{"leadId":{"S":"cut"},"nom');

    const second = await open(dataDir);
    expect(await getLead(second, 'a')).toBeDefined();
    expect(await getLead(second, 'b')).toBeDefined();
    expect(await getLead(second, 'cut')).toBeUndefined();
    // The next change starts a line of its own: it is kept, and the file stays readable.
    await putLeads(second, 'after');
    await second.close();
    expect(journalLines(dataDir).some((line) => line.includes('"cut"'))).toBe(false);

    const third = await open(dataDir);
    expect(await getLead(third, 'after')).toEqual({ leadId: 'after', nombres: 'name of after' });
    expect(await createDynamoDbLeadStore({ client: third.documentClient, tableName: TEST_TABLES.leads }).count()).toBe(3);
  });

  it('keeps a last change whose newline never reached the disk, and the changes after it', async () => {
    const dataDir = await tempDataDir();
    const first = await open(dataDir);
    await ensureTables(first.client, { leads: TEST_TABLES.leads });
    await putLeads(first, 'a', 'b');
    await first.close();
    const text = readFileSync(journalOf(dataDir), 'utf8');
    writeFileSync(journalOf(dataDir), text.slice(0, -1));

    const second = await open(dataDir);
    expect(await getLead(second, 'b')).toBeDefined();
    await putLeads(second, 'c');
    await second.close();

    const third = await open(dataDir);
    expect(await createDynamoDbLeadStore({ client: third.documentClient, tableName: TEST_TABLES.leads }).count()).toBe(3);
  });

  it('refuses a damaged line in the middle in one line naming the file and the line, and unlocks the directory', async () => {
    const dataDir = await tempDataDir();
    const first = await open(dataDir);
    await ensureTables(first.client, { leads: TEST_TABLES.leads });
    await putLeads(first, 'a', 'b', 'c');
    await first.close();
    const lines = journalLines(dataDir);
    const damagedIndex = lines.findIndex((line) => line.includes('"b"'));
    const intact = lines[damagedIndex] as string;
    lines[damagedIndex] = intact.slice(0, 25);
    writeFileSync(journalOf(dataDir), lines.join('\n'));

    const refused = startEmbeddedDynamoDb({ dataDir });
    await expect(refused).rejects.toThrow(`the local store file ${journalOf(dataDir)} is damaged at line ${damagedIndex + 1}; move it away to start an empty store`);
    const message = await refused.then(
      () => '',
      (error: unknown) => (error as Error).message,
    );
    expect(message).not.toContain('\n');
    expect(existsSync(lockOf(dataDir))).toBe(false);

    lines[damagedIndex] = intact;
    writeFileSync(journalOf(dataDir), lines.join('\n'));
    const repaired = await open(dataDir);
    expect(await createDynamoDbLeadStore({ client: repaired.documentClient, tableName: TEST_TABLES.leads }).count()).toBe(3);
  });

  it('refuses, naming the line, a line that is JSON but no change the store made', async () => {
    const dataDir = await tempDataDir();
    const first = await open(dataDir);
    await ensureTables(first.client, { leads: TEST_TABLES.leads });
    await putLeads(first, 'a', 'b');
    await first.close();
    const lines = journalLines(dataDir);
    for (const [index, foreign] of [[1, 'null'], [lines.length - 2, '{"kind":"put","table":"test-leads","item":{"nombres":{"S":"sin id"}}}']] as const) {
      const changed = [...lines];
      changed[index] = foreign;
      writeFileSync(journalOf(dataDir), changed.join('\n'));
      await expect(startEmbeddedDynamoDb({ dataDir })).rejects.toThrow(`the local store file ${journalOf(dataDir)} is damaged at line ${index + 1}; move it away to start an empty store`);
      expect(existsSync(lockOf(dataDir))).toBe(false);
    }
  });

  it('compacts on close a file grown well past its live data, keeping the same items', async () => {
    const dataDir = await tempDataDir();
    const first = await open(dataDir);
    await overwriteMany(first);
    await first.documentClient.send(new DeleteCommand({ TableName: TEST_TABLES.leads, Key: { leadId: 'hot-0' } }));
    await nextTurn();
    const grown = statSync(journalOf(dataDir)).size;
    // 20 items of ~2 kB overwritten 120 times: far past 3× the live data + 4 MiB.
    expect(grown).toBeGreaterThan(4 * 1024 * 1024 + 3 * 20 * 2_100);
    await first.close();

    const compacted = statSync(journalOf(dataDir)).size;
    expect(compacted).toBeLessThan(20 * 2_200);
    expect(existsSync(`${journalOf(dataDir)}.compacting`)).toBe(false);
    const second = await open(dataDir);
    expect(await createDynamoDbLeadStore({ client: second.documentClient, tableName: TEST_TABLES.leads }).count()).toBe(19);
    expect(await getLead(second, 'hot-0')).toBeUndefined();
    expect(await getLead(second, 'hot-7')).toEqual({ leadId: 'hot-7', round: OVERWRITES - 1, padding: PADDING });
  });

  it('keeps the whole file and unlocks the directory when compacting fails', async () => {
    const dataDir = await tempDataDir();
    const first = await open(dataDir);
    await overwriteMany(first);
    await nextTurn();
    const grown = statSync(journalOf(dataDir)).size;
    // Where the snapshot would be written is taken (as a full disk would refuse it).
    await mkdir(`${journalOf(dataDir)}.compacting`);
    await expect(first.close()).rejects.toThrow('EISDIR');
    stores.forget(first);
    expect(statSync(journalOf(dataDir)).size).toBe(grown);
    expect(existsSync(lockOf(dataDir))).toBe(false);

    await rm(`${journalOf(dataDir)}.compacting`, { recursive: true });
    const second = await open(dataDir);
    expect(await getLead(second, 'hot-19')).toEqual({ leadId: 'hot-19', round: OVERWRITES - 1, padding: PADDING });
  });

  it('leaves a small file as it is on close, however many overwrites it holds', async () => {
    const dataDir = await tempDataDir();
    const first = await open(dataDir);
    await ensureTables(first.client, { leads: TEST_TABLES.leads });
    for (let round = 0; round < 20; round += 1) await first.documentClient.send(new PutCommand({ TableName: TEST_TABLES.leads, Item: { leadId: 'one', round } }));
    await nextTurn();
    const before = readFileSync(journalOf(dataDir), 'utf8');
    await first.close();
    expect(readFileSync(journalOf(dataDir), 'utf8')).toBe(before);
  });

  it('refuses clients made before close() afterwards, and changes nothing on disk', async () => {
    const dataDir = await tempDataDir();
    const db = await open(dataDir);
    await ensureTables(db.client, { leads: TEST_TABLES.leads });
    const store = createDynamoDbLeadStore({ client: db.documentClient, tableName: TEST_TABLES.leads });
    await store.putMany([{ leadId: 'before' }]);
    await db.close();
    const onDisk = readFileSync(journalOf(dataDir), 'utf8');

    await expect(store.putMany([{ leadId: 'late' }])).rejects.toThrow(`the embedded DynamoDB of ${dataDir} is closed`);
    await expect(db.documentClient.send(new GetCommand({ TableName: TEST_TABLES.leads, Key: { leadId: 'before' } }))).rejects.toThrow('is closed');
    await nextTurn();
    expect(readFileSync(journalOf(dataDir), 'utf8')).toBe(onDisk);
  });
});

describe('embedded store lock', () => {
  it('refuses a second open of the same directory in this process, naming the directory', async () => {
    const dataDir = await tempDataDir();
    await open(dataDir);
    const second = startEmbeddedDynamoDb({ dataDir });
    await expect(second).rejects.toBeInstanceOf(LocalStoreInUseError);
    await expect(second).rejects.toThrow(`another normflow process is using ${dataDir} (pid ${process.pid}); wait for it to finish`);
  });

  it('takes over a lock naming this process that this process does not hold (left by an earlier process with the same pid)', async () => {
    const dataDir = await tempDataDir();
    await mkdir(dataDir, { recursive: true });
    writeFileSync(lockOf(dataDir), String(process.pid));
    const db = await open(dataDir);
    await ensureTables(db.client, { leads: TEST_TABLES.leads });
    // Held now, under any spelling of its path.
    const alias = path.join(dataDir, '..', 'alias');
    await symlink(dataDir, alias);
    await expect(startEmbeddedDynamoDb({ dataDir: alias })).rejects.toBeInstanceOf(LocalStoreInUseError);
    await db.close();
    expect(existsSync(lockOf(dataDir))).toBe(false);
  });

  it('refuses a directory another live process holds', async () => {
    const dataDir = await tempDataDir();
    await mkdir(dataDir, { recursive: true });
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    children.push(holder.pid as number);
    writeFileSync(lockOf(dataDir), String(holder.pid));
    await expect(startEmbeddedDynamoDb({ dataDir })).rejects.toThrow(`another normflow process is using ${dataDir} (pid ${holder.pid})`);
    expect(readFileSync(lockOf(dataDir), 'utf8')).toBe(String(holder.pid));
  });

  it('takes over a lock left by a process that died, and removes the lock on close', async () => {
    const dataDir = await tempDataDir();
    const first = await open(dataDir);
    await ensureTables(first.client, { leads: TEST_TABLES.leads });
    await putLeads(first, 'a');
    await first.close();
    expect(existsSync(lockOf(dataDir))).toBe(false);

    writeFileSync(lockOf(dataDir), String(await deadPid()));
    const second = await open(dataDir);
    expect(readFileSync(lockOf(dataDir), 'utf8')).toBe(String(process.pid));
    expect(await getLead(second, 'a')).toBeDefined();
    await second.close();
    expect(existsSync(lockOf(dataDir))).toBe(false);
  });
});
