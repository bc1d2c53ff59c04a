import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '#infra/local/embedded-dynamodb.ts';
import { ensureTables } from '#infra/local/local-tables.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { TEST_TABLES } from './embedded-test-db.ts';

const opened: EmbeddedDynamoDb[] = [];
const dataDirs: string[] = [];

async function start(dataDir?: string): Promise<EmbeddedDynamoDb> {
  const db = await startEmbeddedDynamoDb(dataDir === undefined ? {} : { dataDir });
  opened.push(db);
  return db;
}

async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'normflow-embedded-'));
  dataDirs.push(dir);
  return path.join(dir, 'db');
}

afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  for (const dir of dataDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('embedded DynamoDB', () => {
  it('listens on 127.0.0.1 and creates the tables once, as defined', async () => {
    const db = await start();
    expect(db.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await ensureTables(db.client, TEST_TABLES)).sort()).toEqual(Object.values(TEST_TABLES).sort());
    expect(await ensureTables(db.client, TEST_TABLES)).toEqual([]);

    const runs = await db.client.send(new DescribeTableCommand({ TableName: TEST_TABLES.runs }));
    expect(runs.Table?.TableStatus).toBe('ACTIVE');
    expect(runs.Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.IndexStatus])).toEqual([['runsByStart', 'ACTIVE']]);
    const leads = await db.client.send(new DescribeTableCommand({ TableName: TEST_TABLES.leads }));
    expect(leads.Table?.KeySchema).toEqual([{ AttributeName: 'leadId', KeyType: 'HASH' }]);
  });

  it('creates only the tables that are named', async () => {
    const db = await start();
    expect(await ensureTables(db.client, { leads: 'only-leads' })).toEqual(['only-leads']);
    expect(await ensureTables(db.client, { leads: 'only-leads', config: 'then-config' })).toEqual(['then-config']);
  });

  it('keeps the data in its directory across a close and a reopen', async () => {
    const dataDir = await tempDataDir();
    const first = await start(dataDir);
    await ensureTables(first.client, TEST_TABLES);
    await createDynamoDbLeadStore({ client: first.documentClient, tableName: TEST_TABLES.leads }).putMany([
      { leadId: 'kept-1', nombres: 'Ana' },
      { leadId: 'kept-2', nombres: 'Luis' },
    ]);
    await createDynamoDbRunStore({ client: first.documentClient, tableName: TEST_TABLES.runs }).putRun('r1', { startedAt: '2025-06-01T00:00:00.000Z' });
    await first.close();

    const second = await start(dataDir);
    expect(await ensureTables(second.client, TEST_TABLES)).toEqual([]);
    const leads = createDynamoDbLeadStore({ client: second.documentClient, tableName: TEST_TABLES.leads });
    expect(await leads.count()).toBe(2);
    expect((await leads.getMany(['kept-1'])).get('kept-1')).toEqual({ leadId: 'kept-1', nombres: 'Ana' });
    expect(await createDynamoDbRunStore({ client: second.documentClient, tableName: TEST_TABLES.runs }).listRuns(5)).toHaveLength(1);
  });

  it('refuses, clearly, a data directory another server holds open', async () => {
    const dataDir = await tempDataDir();
    await start(dataDir);
    await expect(start(dataDir)).rejects.toThrow(`another normflow process is using ${dataDir}`);
  });

  it('can be closed twice', async () => {
    const db = await start();
    await db.close();
    await expect(db.close()).resolves.toBeUndefined();
  });
});
