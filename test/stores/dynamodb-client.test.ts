import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ExactNumber } from '#shared/engine/original-values.ts';
import { createDynamoDbClients, isConditionalCheckFailed, itemOfFailedCondition, storable } from '#shared/stores/dynamodb-client.ts';
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

describe('itemOfFailedCondition', () => {
  it('gives the item a failed conditional write answered with as plain values, over HTTP (the SDK) and in process alike', async () => {
    const item = { leadId: 'cond-1', nombres: 'ANA', edad: 42, big: new ExactNumber('12345678901234567890'), tags: ['a', 'b'], origen: { canal: 'web' } };
    const inProcess = createDynamoDbClients({ endpoint: embedded().endpoint });
    // Built by hand: the SDK's own serialization over the embedded store's HTTP front, as on AWS.
    const overHttp = new DynamoDBClient({ endpoint: embedded().endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      await inProcess.documentClient.send(new PutCommand({ TableName: TEST_TABLES.leads, Item: storable(item) }));
      const failedUpdate = (documentClient: DynamoDBDocumentClient, leadId: string) =>
        documentClient
          .send(
            new UpdateCommand({
              TableName: TEST_TABLES.leads,
              Key: { leadId },
              UpdateExpression: 'SET nombres = :n',
              ConditionExpression: 'nombres = :other',
              ExpressionAttributeValues: { ':n': 'X', ':other': 'nobody' },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          )
          .then(
            () => expect.unreachable('the condition holds'),
            (error: unknown) => error,
          );
      const viaHttp = await failedUpdate(DynamoDBDocumentClient.from(overHttp), 'cond-1');
      expect(isConditionalCheckFailed(viaHttp)).toBe(true);
      expect(itemOfFailedCondition(viaHttp)).toEqual(item);
      expect(itemOfFailedCondition(await failedUpdate(inProcess.documentClient, 'cond-1'))).toEqual(item);
      // A plain item (a client that unmarshalls errors) is taken as it is.
      expect(itemOfFailedCondition(Object.assign(new Error('x'), { Item: { leadId: 'p', n: 1 } }))).toEqual({ leadId: 'p', n: 1 });
      expect(itemOfFailedCondition(new Error('no item'))).toBeUndefined();
    } finally {
      inProcess.client.destroy();
      overHttp.destroy();
    }
  });
});
