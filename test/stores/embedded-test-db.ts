import { afterAll, beforeAll } from 'vitest';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '#infra/local/embedded-dynamodb.ts';
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
