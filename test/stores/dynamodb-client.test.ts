import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ExactNumber } from '#shared/engine/original-values.ts';
import { createDynamoDbClients, storable } from '#shared/stores/dynamodb-client.ts';
import { TEST_TABLES, useEmbeddedDb } from './embedded-test-db.ts';

const embedded = useEmbeddedDb();

describe('createDynamoDbClients', () => {
  it('at an endpoint: region local unless named, placeholder credentials, the attempts asked for', async () => {
    const local = createDynamoDbClients({ endpoint: 'http://127.0.0.1:1', maxAttempts: 2 });
    const named = createDynamoDbClients({ endpoint: 'http://127.0.0.1:1', region: 'us-east-2' });
    try {
      expect(await local.client.config.region()).toBe('local');
      expect(await local.client.config.credentials()).toMatchObject({ accessKeyId: 'local', secretAccessKey: 'local' });
      expect(await local.client.config.maxAttempts()).toBe(2);
      expect(await named.client.config.region()).toBe('us-east-2');
    } finally {
      local.client.destroy();
      named.client.destroy();
    }
  });

  it("on AWS: the region named, the SDK's own credentials and attempts", async () => {
    const { client } = createDynamoDbClients({ region: 'sa-east-1' });
    const sdkDefault = new DynamoDBClient({ region: 'sa-east-1' });
    try {
      expect(await client.config.region()).toBe('sa-east-1');
      expect(client.config.endpoint).toBeUndefined();
      expect(await client.config.maxAttempts()).toBe(await sdkDefault.config.maxAttempts());
    } finally {
      client.destroy();
      sdkDefault.destroy();
    }
  });

  it('every client it builds drops undefined attributes and reads numbers exactly (past 2^53 as ExactNumber)', async () => {
    const { client, documentClient } = createDynamoDbClients({ endpoint: embedded().endpoint });
    try {
      const item = { leadId: 'exact-1', small: 42, big: new ExactNumber('12345678901234567890'), fraction: new ExactNumber('0.1000000000000000000001'), gone: undefined };
      await documentClient.send(new PutCommand({ TableName: TEST_TABLES.leads, Item: storable(item) }));
      const { Item } = await documentClient.send(new GetCommand({ TableName: TEST_TABLES.leads, Key: { leadId: 'exact-1' } }));
      expect(Item).toEqual({ leadId: 'exact-1', small: 42, big: new ExactNumber('12345678901234567890'), fraction: new ExactNumber('0.1000000000000000000001') });
    } finally {
      client.destroy();
    }
  });
});
