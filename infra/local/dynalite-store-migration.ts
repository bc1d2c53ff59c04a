import {
  DescribeTableCommand,
  ListTablesCommand,
  ScanCommand,
  type AttributeValue,
  type GlobalSecondaryIndexDescription,
  type KeySchemaElement,
  type LocalSecondaryIndexDescription,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { existsSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createDynamoDbClients } from '#shared/stores/dynamodb-client.ts';
import type { DynamoDbEngine } from './dynamodb-engine/dynamodb-engine.ts';

const indexSpec = (index: GlobalSecondaryIndexDescription | LocalSecondaryIndexDescription) => ({
  IndexName: index.IndexName,
  KeySchema: index.KeySchema,
  Projection: index.Projection,
});

const keyText = (item: Record<string, AttributeValue>, schema: readonly KeySchemaElement[]): string =>
  schema.map(({ AttributeName = '' }) => `${AttributeName}=${item[AttributeName]?.S ?? item[AttributeName]?.N ?? '(bytes)'}`).join(', ');

/**
 * Copies a store written by normflow before 0.2 (dynalite's LevelDB directory) into the engine:
 * every table with its indexes, every item as it is. Returns the items copied, or undefined when
 * there is no such store.
 *
 * The old directory is never changed: LevelDB rewrites its files whenever it opens them (a new
 * manifest, its log folded into a table file), so dynalite reads a copy of it, made in `scratch`
 * and removed afterwards. Testing LevelDB's lock would open it too, so an earlier normflow still
 * running on that directory is not detected: what it writes after the copy stays there.
 */
export async function migrateDynaliteStore(directory: string, engine: DynamoDbEngine, scratch: string): Promise<number | undefined> {
  if (!existsSync(join(directory, 'CURRENT'))) return undefined;
  await rm(scratch, { recursive: true, force: true });
  try {
    await cp(directory, scratch, { recursive: true });
    return await copyTables(scratch, directory, engine);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function copyTables(copy: string, directory: string, engine: DynamoDbEngine): Promise<number> {
  const server = dynalite({ path: copy, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const { client } = createDynamoDbClients({ endpoint: `http://127.0.0.1:${port}` });
  let items = 0;
  try {
    let start: string | undefined;
    do {
      const listed = await client.send(new ListTablesCommand(start ? { ExclusiveStartTableName: start } : {}));
      for (const tableName of listed.TableNames ?? []) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
        engine.handle('CreateTable', {
          TableName: tableName,
          KeySchema: Table?.KeySchema,
          AttributeDefinitions: Table?.AttributeDefinitions,
          ...(Table?.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: Table.GlobalSecondaryIndexes.map(indexSpec) } : {}),
          ...(Table?.LocalSecondaryIndexes ? { LocalSecondaryIndexes: Table.LocalSecondaryIndexes.map(indexSpec) } : {}),
        });
        let exclusiveStartKey: Record<string, unknown> | undefined;
        do {
          const page = await client.send(new ScanCommand({ TableName: tableName, ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey as never } : {}) }));
          for (const item of page.Items ?? []) {
            try {
              engine.handle('PutItem', { TableName: tableName, Item: item });
            } catch (error) {
              const reason = error instanceof Error ? error.message : String(error);
              throw new Error(`cannot copy the item ${keyText(item, Table?.KeySchema ?? [])} of table ${tableName} from the earlier local store ${directory}: ${reason}`, { cause: error });
            }
          }
          items += page.Items?.length ?? 0;
          exclusiveStartKey = page.LastEvaluatedKey;
        } while (exclusiveStartKey);
      }
      start = listed.LastEvaluatedTableName;
    } while (start);
  } finally {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return items;
}
