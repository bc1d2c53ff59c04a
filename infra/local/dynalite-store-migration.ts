import { DescribeTableCommand, DynamoDBClient, ListTablesCommand, ScanCommand, type GlobalSecondaryIndexDescription, type LocalSecondaryIndexDescription } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LocalStoreInUseError } from '#shared/errors/normflow-errors.ts';
import type { DynamoDbEngine } from './dynamodb-engine/dynamodb-engine.ts';

interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}

// The LevelDB binding dynalite itself uses (resolved from dynalite, so the versions always match).
const { Level } = createRequire(createRequire(import.meta.url).resolve('dynalite'))('level') as {
  Level: new (location: string) => LevelDatabase;
};

/**
 * dynalite opens its LevelDB lazily and, when the directory is locked by another process, fails
 * later with an uncaught error that kills this process. So the lock is tested first.
 */
async function assertDirectoryFree(directory: string): Promise<void> {
  const probe = new Level(directory);
  try {
    await probe.open();
  } catch (error) {
    if ((error as { cause?: { code?: unknown } }).cause?.code === 'LEVEL_LOCKED') {
      throw new LocalStoreInUseError(`another normflow process is using ${directory}; wait for it to finish`, { cause: error });
    }
    throw error;
  }
  await probe.close();
}

const indexSpec = (index: GlobalSecondaryIndexDescription | LocalSecondaryIndexDescription) => ({
  IndexName: index.IndexName,
  KeySchema: index.KeySchema,
  Projection: index.Projection,
});

/**
 * Copies a store written by normflow before 0.2 (dynalite's LevelDB directory) into the engine:
 * every table with its indexes, every item as it is. The old directory is read, never changed.
 * Returns the items copied, or undefined when there is no such store.
 */
export async function migrateDynaliteStore(directory: string, engine: DynamoDbEngine): Promise<number | undefined> {
  if (!existsSync(join(directory, 'CURRENT'))) return undefined;
  await assertDirectoryFree(directory);
  const server = dynalite({ path: directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
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
          for (const item of page.Items ?? []) engine.handle('PutItem', { TableName: tableName, Item: item });
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
