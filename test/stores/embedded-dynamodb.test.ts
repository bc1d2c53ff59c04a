import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmbeddedDynamoDb } from '#infra/local/embedded-dynamodb.ts';
import { ensureTables } from '#infra/local/local-tables.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { TEST_TABLES, useEmbeddedStores } from './embedded-test-db.ts';

const stores = useEmbeddedStores('embedded');

const start = (dataDir?: string): Promise<EmbeddedDynamoDb> => stores.open(dataDir === undefined ? {} : { dataDir });
const tempDataDir = async (): Promise<string> => path.join(await stores.tempDir(), 'db');

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

describe('embedded DynamoDB over HTTP (for other processes)', () => {
  /** A client of DynamoDB's wire protocol: not built by createDynamoDbClients, so nothing is answered in-process. */
  const httpClient = (db: EmbeddedDynamoDb) => new DynamoDBClient({ endpoint: db.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const failure = (request: Promise<unknown>) =>
    request.then(
      () => undefined,
      (error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number }; Item?: Record<string, AttributeValue> },
    );

  it('creates, puts, gets and queries with byte values and dates as the SDK sends and reads them', async () => {
    const db = await start();
    const client = httpClient(db);
    const created = await client.send(
      new CreateTableCommand({
        TableName: 'blobs',
        KeySchema: [
          { AttributeName: 'owner', KeyType: 'HASH' },
          { AttributeName: 'digest', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'owner', AttributeType: 'S' },
          { AttributeName: 'digest', AttributeType: 'B' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const createdAt = created.TableDescription?.CreationDateTime;
    expect(createdAt).toBeInstanceOf(Date);
    const described = await client.send(new DescribeTableCommand({ TableName: 'blobs' }));
    expect(described.Table?.CreationDateTime).toBeInstanceOf(Date);
    expect(described.Table?.CreationDateTime?.getTime()).toBe(createdAt?.getTime());
    // The same instant as this process's own clients see it, without serialization.
    expect((await db.client.send(new DescribeTableCommand({ TableName: 'blobs' }))).Table?.CreationDateTime).toEqual(createdAt);

    const digests = [new Uint8Array([0, 1]), new Uint8Array([0, 2]), new Uint8Array([255])];
    const item = (digest: Uint8Array): Record<string, AttributeValue> => ({
      owner: { S: 'ana' },
      digest: { B: digest },
      parts: { BS: [new Uint8Array([1, 2, 3]), new Uint8Array([0])] },
      nested: { M: { list: { L: [{ B: new Uint8Array([9, 0, 9]) }, { N: '1.50' }, { NULL: true }] } } },
    });
    for (const digest of digests) await client.send(new PutItemCommand({ TableName: 'blobs', Item: item(digest) }));

    const got = await client.send(new GetItemCommand({ TableName: 'blobs', Key: { owner: { S: 'ana' }, digest: { B: digests[1] as Uint8Array } } }));
    expect(got.Item).toEqual({ ...item(digests[1] as Uint8Array), nested: { M: { list: { L: [{ B: new Uint8Array([9, 0, 9]) }, { N: '1.5' }, { NULL: true }] } } } });
    expect(got.Item?.digest?.B).toBeInstanceOf(Uint8Array);

    // Pages of one item: the byte-valued LastEvaluatedKey goes back as the next ExclusiveStartKey.
    const seen: Uint8Array[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({ TableName: 'blobs', KeyConditionExpression: '#owner = :owner AND digest < :below', ExpressionAttributeNames: { '#owner': 'owner' }, ExpressionAttributeValues: { ':owner': { S: 'ana' }, ':below': { B: new Uint8Array([1]) } }, Limit: 1, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      );
      for (const found of page.Items ?? []) seen.push(found.digest?.B as Uint8Array);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    expect(seen).toEqual([digests[0], digests[1]]);
    client.destroy();
  });

  it("answers DynamoDB's errors by their names", async () => {
    const db = await start();
    await ensureTables(db.client, { leads: TEST_TABLES.leads });
    const client = httpClient(db);
    await client.send(new PutItemCommand({ TableName: TEST_TABLES.leads, Item: { leadId: { S: 'a' }, blob: { B: new Uint8Array([7, 7]) } } }));

    const conditional = await failure(
      client.send(new PutItemCommand({ TableName: TEST_TABLES.leads, Item: { leadId: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(leadId)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })),
    );
    expect(conditional?.name).toBe('ConditionalCheckFailedException');
    expect(conditional?.$metadata?.httpStatusCode).toBe(400);
    expect(conditional?.Item).toEqual({ leadId: { S: 'a' }, blob: { B: new Uint8Array([7, 7]) } });

    const invalid = await failure(client.send(new PutItemCommand({ TableName: TEST_TABLES.leads, Item: { nombres: { S: 'no key' } } })));
    expect(invalid?.name).toBe('ValidationException');
    expect(invalid?.message).toBe('One or more parameter values were invalid: Missing the key leadId in the item');

    const missing = await failure(client.send(new GetItemCommand({ TableName: 'no-such-table', Key: { leadId: { S: 'a' } } })));
    expect(missing?.name).toBe('ResourceNotFoundException');
    expect(missing?.message).toBe('Requested resource not found');

    const unknown = await failure(client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: TEST_TABLES.leads, Item: { leadId: { S: 'b' } } } }] })));
    expect(unknown?.name).toBe('UnknownOperationException');
    expect(unknown?.message).toBe('The embedded store does not implement TransactWriteItems');
    expect((await client.send(new GetItemCommand({ TableName: TEST_TABLES.leads, Key: { leadId: { S: 'b' } } }))).Item).toBeUndefined();
    client.destroy();
  });

  it('answers a request no SDK would send with a client error that says what is wrong', async () => {
    const db = await start();
    const post = async (target: string | undefined, body: string) => {
      const response = await fetch(db.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', ...(target ? { 'x-amz-target': target } : {}) }, body });
      return { status: response.status, body: (await response.json()) as { __type: string; message: string } };
    };
    expect(await post('DynamoDB_20120810.ListTables', '{not json')).toEqual({ status: 400, body: { __type: 'com.amazon.coral.service#SerializationException', message: 'The request body is not valid JSON' } });
    expect(await post(undefined, '{}')).toEqual({
      status: 400,
      body: { __type: 'com.amazon.coral.service#UnknownOperationException', message: 'The request names no operation (its X-Amz-Target header is missing)' },
    });
    expect(await post('DynamoDB_20120810.ListTables', '')).toEqual({ status: 200, body: { TableNames: [] } });
  });
});
