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

describe('DynamoDB config store: disable (cost kill switch)', () => {
  it('sets enabled = false and keeps every other key', async () => {
    const config = { enabled: true, batchSize: 20, fields: { ciudad: 'city' }, model: { modelId: 'some-model', prices: {} } };
    await configStore().putConfig('to-disable', config);
    await configStore().disable('to-disable');
    expect(await configStore().getConfig('to-disable')).toEqual({ ...config, enabled: false });
  });

  it('creates the item with only enabled = false when it is missing', async () => {
    await configStore().disable('never-configured');
    expect(await configStore().getConfig('never-configured')).toEqual({ enabled: false });
  });

  it('is idempotent: a second disable leaves the item as the first one did', async () => {
    await configStore().putConfig('twice', { llmMode: 'never' });
    await configStore().disable('twice');
    await configStore().disable('twice');
    expect(await configStore().getConfig('twice')).toEqual({ llmMode: 'never', enabled: false });
  });

  it('touches no other config item', async () => {
    await configStore().putConfig('neighbour', { batchSize: 3 });
    await configStore().disable('target-only');
    expect(await configStore().getConfig('neighbour')).toEqual({ batchSize: 3 });
  });
});
