import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { isResourceNotFound } from '#shared/stores/dynamodb-batches.ts';
import { createTableInput, TABLE_DEFINITIONS, type TableLogicalName } from '#shared/stores/table-definitions.ts';

export type TableNames = Partial<Record<TableLogicalName, string>>;

const isResourceInUse = (error: unknown): boolean => error instanceof Error && error.name === 'ResourceInUseException';

async function tableExists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (isResourceNotFound(error)) return false;
    throw error;
  }
}

/**
 * Creates each named table that does not exist yet, from the shared definitions; returns the
 * physical names it created. One DescribeTable per table rather than ListTables, which in
 * dynalite reads every key of the whole database. TTL is not set: dynalite has no
 * UpdateTimeToLive, and the value cache ignores expired entries itself.
 */
export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<string[]> {
  const created: string[] = [];
  for (const [logicalName, tableName] of Object.entries(names) as Array<[TableLogicalName, string | undefined]>) {
    if (tableName === undefined || (await tableExists(client, tableName))) continue;
    try {
      await client.send(new CreateTableCommand(createTableInput(TABLE_DEFINITIONS[logicalName], tableName)));
      created.push(tableName);
    } catch (error) {
      // Another process created it in the meantime.
      if (!isResourceInUse(error)) throw error;
    }
    await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  }
  return created;
}
