import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, type TableStatus } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { isResourceNotFound } from '#shared/stores/dynamodb-client.ts';
import { createTableInput, TABLE_DEFINITIONS, type TableLogicalName } from '#shared/stores/table-definitions.ts';

export type TableNames = Partial<Record<TableLogicalName, string>>;

const isResourceInUse = (error: unknown): boolean => error instanceof Error && error.name === 'ResourceInUseException';

const ACTIVE_POLL_MS = 20;
const ACTIVE_TIMEOUT_MS = 30_000;

async function tableStatus(client: DynamoDBClient, tableName: string): Promise<TableStatus | 'MISSING'> {
  try {
    const output = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return output.Table?.TableStatus ?? 'MISSING';
  } catch (error) {
    if (isResourceNotFound(error)) return 'MISSING';
    throw error;
  }
}

/** A local DynamoDB may show a new table CREATING for a moment (DynamoDB Local, moto do): a short poll beats the SDK waiter's 1 s+ delays. */
async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  while ((await tableStatus(client, tableName)) !== 'ACTIVE') {
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE within ${ACTIVE_TIMEOUT_MS} ms`);
    await sleep(ACTIVE_POLL_MS);
  }
}

/**
 * Creates each named table that does not exist yet, from the shared definitions; returns the
 * physical names it created, with one DescribeTable per table. TTL is not set: the local stores
 * delete nothing by TTL, and the value cache ignores expired entries itself.
 */
export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<string[]> {
  const created: string[] = [];
  for (const [logicalName, tableName] of Object.entries(names) as Array<[TableLogicalName, string | undefined]>) {
    if (tableName === undefined) continue;
    const status = await tableStatus(client, tableName);
    if (status === 'MISSING') {
      try {
        await client.send(new CreateTableCommand(createTableInput(TABLE_DEFINITIONS[logicalName], tableName)));
        created.push(tableName);
      } catch (error) {
        // Another process created it in the meantime.
        if (!isResourceInUse(error)) throw error;
      }
    }
    if (status !== 'ACTIVE') await waitUntilActive(client, tableName);
  }
  return created;
}
