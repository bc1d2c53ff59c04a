import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConversationItems } from '#shared/samples/conversation-generator.ts';
import { parseAnalyticsConfig } from '#shared/analytics/analytics-config.ts';
import { exportConversations } from '#shared/analytics/conversation-export.ts';
import { scanPages, type TableItem } from '#shared/stores/dynamodb-table-pages.ts';
import { createFolderObjectStore } from '#shared/stores/folder-object-store.ts';
import { useEmbeddedDb } from '#test/stores/embedded-test-db.ts';
import { createConversationsTable } from './conversations-table.ts';

const embedded = useEmbeddedDb();
const TABLE = 'test-conversations';
const ITEMS = generateConversationItems(12, 21);
let folder: string;

beforeAll(async () => {
  await createConversationsTable(embedded().client, embedded().documentClient, TABLE, ITEMS);
  folder = await mkdtemp(join(tmpdir(), 'table-pages-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function collect(pages: AsyncIterable<TableItem[]>): Promise<TableItem[][]> {
  const collected: TableItem[][] = [];
  for await (const page of pages) collected.push(page);
  return collected;
}

const keyOf = (item: TableItem) => `${String(item.PK)}|${String(item.SK)}`;

describe('scanPages', () => {
  it.each([1, 4, undefined])('returns every item exactly once, each partition key together (page size %s)', async (pageSize) => {
    const pages = await collect(scanPages({ client: embedded().documentClient, tableName: TABLE, ...(pageSize ? { pageSize } : {}) }));
    const items = pages.flat();
    expect(items.map(keyOf).sort()).toEqual(ITEMS.map(keyOf).sort());
    if (pageSize) expect(pages.every((page) => page.length <= pageSize)).toBe(true);
    const partitionOrder = items.map((item) => String(item.PK)).filter((pk, index, all) => pk !== all[index - 1]);
    expect(new Set(partitionOrder).size).toBe(partitionOrder.length);
  });

  it('applies a filter and yields no empty pages', async () => {
    const pages = await collect(
      scanPages({
        client: embedded().documentClient,
        tableName: TABLE,
        pageSize: 2,
        filter: { expression: 'begins_with(#sk, :type)', names: { '#sk': 'SK' }, values: { ':type': 'FEEDBACK#' } },
      }),
    );
    expect(pages.every((page) => page.length > 0)).toBe(true);
    expect(pages.flat().map(keyOf).sort()).toEqual(ITEMS.filter((item) => String(item.SK).startsWith('FEEDBACK#')).map(keyOf).sort());
  });

  it('refuses a page size that is not a whole number ≥ 1', async () => {
    await expect(collect(scanPages({ client: embedded().documentClient, tableName: TABLE, pageSize: 0 }))).rejects.toThrow(RangeError);
  });

  it('an export from the table with one-item pages equals the export with whole pages', async () => {
    const config = parseAnalyticsConfig({ filters: { excludeUserNames: ['usuario prueba', 'test qa'] } });
    const run = (pageSize: number | undefined, bucket: string) =>
      exportConversations({
        pages: scanPages({ client: embedded().documentClient, tableName: TABLE, ...(pageSize ? { pageSize } : {}) }),
        config,
        runDate: '2025-03-01',
        store: createFolderObjectStore(join(folder, bucket)),
        workDir: folder,
      });
    const whole = await run(undefined, 'whole');
    const paged = await run(1, 'paged');
    expect(paged).toEqual(whole);
    expect(whole.rows.users).toBeGreaterThan(0);
    const read = (bucket: string, key: string) => createFolderObjectStore(join(folder, bucket)).getText(key);
    for (const key of Object.values(whole.keys)) expect(await read('paged', key)).toBe(await read('whole', key));
  });
});
