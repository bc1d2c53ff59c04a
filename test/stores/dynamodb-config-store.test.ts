import { describe, expect, it } from 'vitest';
import { createDynamoDbConfigStore } from '#shared/stores/dynamodb-config-store.ts';
import { TEST_TABLES, useEmbeddedDb } from './embedded-test-db.ts';

const embedded = useEmbeddedDb();
const configStore = (tableName: string = TEST_TABLES.config) => createDynamoDbConfigStore({ client: embedded().documentClient, tableName });

describe('DynamoDB config store', () => {
  it('reads nothing when the config table does not exist', async () => {
    expect(await configStore('no-such-config-table').getConfig('default')).toBeUndefined();
  });

  it('reads nothing when the item does not exist', async () => {
    expect(await configStore().getConfig('missing')).toBeUndefined();
  });

  it('returns the config as put, without its key', async () => {
    const config = { batchSize: 20, fields: { nombres: 'person-name', ciudad: 'city' }, model: { provider: 'bedrock' } };
    await configStore().putConfig('default', config);
    expect(await configStore().getConfig('default')).toEqual(config);
  });

  it('replaces the whole config on a second put', async () => {
    await configStore().putConfig('replaced', { batchSize: 20, llmMode: 'always' });
    await configStore().putConfig('replaced', { batchSize: 5 });
    expect(await configStore().getConfig('replaced')).toEqual({ batchSize: 5 });
  });

  it('keeps the item key even if the config carries a configId of its own', async () => {
    await configStore().putConfig('keyed', { configId: 'other', batchSize: 1 });
    expect(await configStore().getConfig('keyed')).toEqual({ batchSize: 1 });
    expect(await configStore().getConfig('other')).toBeUndefined();
  });
});
