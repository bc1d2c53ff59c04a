import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isResourceNotFound } from './dynamodb-client.ts';
import type { ConfigStore } from './store-ports.ts';

export interface DynamoDbConfigStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** A missing table reads as no config, so a deployment without the optional config table runs on defaults. */
export function createDynamoDbConfigStore(options: DynamoDbConfigStoreOptions): ConfigStore {
  const { client, tableName } = options;
  return {
    async getConfig(configId: string): Promise<Record<string, unknown> | undefined> {
      try {
        const output = await client.send(new GetCommand({ TableName: tableName, Key: { configId }, ConsistentRead: true }));
        if (!output.Item) return undefined;
        const { configId: _key, ...config } = output.Item;
        return config;
      } catch (error) {
        if (isResourceNotFound(error)) return undefined;
        throw error;
      }
    },

    async putConfig(configId: string, config: Record<string, unknown>): Promise<void> {
      await client.send(new PutCommand({ TableName: tableName, Item: { ...config, configId } }));
    },

    async disable(configId: string): Promise<void> {
      // An UpdateItem, not a put: it creates the item when missing and leaves every other key as it is.
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { configId },
          UpdateExpression: 'SET #enabled = :disabled',
          ExpressionAttributeNames: { '#enabled': 'enabled' },
          ExpressionAttributeValues: { ':disabled': false },
        }),
      );
    },
  };
}
