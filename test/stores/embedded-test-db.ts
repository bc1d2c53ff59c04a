import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb, type EmbeddedDynamoDbOptions } from '#infra/local/embedded-dynamodb.ts';
import { ensureTables } from '#infra/local/local-tables.ts';

export const TEST_TABLES = {
  leads: 'test-leads',
  config: 'test-config',
  runs: 'test-runs',
  valueCache: 'test-value-cache',
  decisions: 'test-decisions',
} as const;

/** One in-memory embedded server per test file, with every table created. */
export function useEmbeddedDb(): () => EmbeddedDynamoDb {
  let db: EmbeddedDynamoDb | undefined;
  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    await ensureTables(db.client, TEST_TABLES);
  });
  afterAll(async () => {
    await db?.close();
  });
  return () => {
    if (!db) throw new Error('the embedded server is not started yet');
    return db;
  };
}

interface Closable {
  close(): Promise<void>;
}

/**
 * Stores and folders of each test, closed and removed after it: `open` starts an embedded store
 * (in memory without `dataDir`), `track` takes one started otherwise, `forget` drops one the test
 * closed itself, `tempDir` makes an empty folder.
 */
export function useEmbeddedStores(prefix: string) {
  const opened: Closable[] = [];
  const folders: string[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
  });
  const track = <Store extends Closable>(store: Store): Store => {
    opened.push(store);
    return store;
  };
  return {
    open: async (options: EmbeddedDynamoDbOptions = {}): Promise<EmbeddedDynamoDb> => track(await startEmbeddedDynamoDb(options)),
    track,
    forget: (store: Closable): void => {
      const index = opened.indexOf(store);
      if (index >= 0) opened.splice(index, 1);
    },
    tempDir: async (): Promise<string> => {
      const folder = await mkdtemp(path.join(tmpdir(), `normflow-${prefix}-`));
      folders.push(folder);
      return folder;
    },
  };
}
