import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConversationItems } from '#shared/samples/conversation-generator.ts';
import { parseAnalyticsConfig, type AnalyticsConfigInput } from '#shared/analytics/analytics-config.ts';
import { EXCHANGE_COLUMNS, exportConversations, exportKeys, USER_COLUMNS, type ConversationItem } from '#shared/analytics/conversation-export.ts';
import { createFolderObjectStore } from '#shared/stores/folder-object-store.ts';
import type { ObjectStore } from '#shared/stores/object-store.ts';
import { conversation, feedback, inPages, register } from './conversation-items.ts';

let root: string;
let storeCount = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'conversation-export-run-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const freshStore = () => createFolderObjectStore(join(root, `bucket-${++storeCount}`));

async function run(store: ObjectStore, items: readonly ConversationItem[], runDate: string, config: AnalyticsConfigInput = {}, pageSize = 100) {
  return exportConversations({ pages: inPages(items, pageSize), config: parseAnalyticsConfig(config), runDate, store, workDir: root });
}

async function readTable(store: ObjectStore, key: string): Promise<Array<Record<string, string>>> {
  const text = await store.getText(key);
  if (text === undefined) throw new Error(`missing ${key}`);
  return parse(text, { columns: true }) as Array<Record<string, string>>;
}

const ANA = 'a0000000-0000-4000-a000-000000000001';
const items = [
  register(ANA, '2025-01-01T00:00:00.000Z', { nombre: 'Ana Gómez', ciudad: 'Medellín (Antioquia)' }),
  conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'Opción A | Opción B\n"¿cuál?"'], ['bot', 'La "A", claro']]),
  feedback(ANA, '2025-01-02T10:00:00.000Z', 'like', 'Respuesta útil', 'bien | gracias'),
  conversation(ANA, '2025-01-03T10:00:00.000Z', [['bot', 'Hola']]),
];

describe('export run', () => {
  it('writes exchanges and users CSV under the run date partition, with the contract columns in order', async () => {
    const store = freshStore();
    const summary = await run(store, items, '2025-02-01');
    expect(summary.keys).toEqual({
      exchanges: 'conversations/exchanges/dt=2025-02-01/exchanges.csv',
      users: 'conversations/users/dt=2025-02-01/users.csv',
    });
    expect(summary).toMatchObject({ rows: { exchanges: 2, users: 1 }, feedback: { joined: 1, orphaned: 0 } });
    const exchangesText = (await store.getText(summary.keys.exchanges)) ?? '';
    expect(exchangesText.split('\r\n')[0]).toBe(EXCHANGE_COLUMNS.join(','));
    expect(((await store.getText(summary.keys.users)) ?? '').split('\r\n')[0]).toBe(USER_COLUMNS.join(','));
    const exchanges = await readTable(store, summary.keys.exchanges);
    expect(exchanges[0]).toMatchObject({
      usuario_id: ANA,
      pregunta: 'Opción A | Opción B\n"¿cuál?"',
      respuesta: 'La "A", claro',
      feedback_tipo: 'like',
      feedback_comentario: 'bien | gracias',
      ciudad: 'Medellín',
    });
    const [user] = await readTable(store, summary.keys.users);
    expect(user).toMatchObject({ numero_conversaciones: '2', numero_feedback: '1', fecha_primera_conversacion: '02/01/2025', feedback: 'like' });
  });

  it('bug: zero counts turned into NULL — numero_feedback is written as 0 in the CSV', async () => {
    const store = freshStore();
    const summary = await run(store, [conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', 'hola']])], '2025-02-01');
    const [user] = await readTable(store, summary.keys.users);
    expect(user?.numero_feedback).toBe('0');
    expect((await store.getText(summary.keys.users))?.split('\r\n')[1]).toMatch(/,0,hola,,$/u);
  });

  it('bug: the only output file overwritten daily — each run date keeps its own files, history intact', async () => {
    const store = freshStore();
    await run(store, items, '2025-02-01');
    const firstDay = await store.getText(exportKeys('conversations/', '2025-02-01').users);
    await run(store, [...items, conversation(ANA, '2025-01-04T10:00:00.000Z', [['user', 'nueva']])], '2025-02-02');
    expect(await store.list('conversations/')).toEqual([
      'conversations/exchanges/dt=2025-02-01/exchanges.csv',
      'conversations/exchanges/dt=2025-02-02/exchanges.csv',
      'conversations/users/dt=2025-02-01/users.csv',
      'conversations/users/dt=2025-02-02/users.csv',
    ]);
    expect(await store.getText(exportKeys('conversations/', '2025-02-01').users)).toBe(firstDay);
    expect((await readTable(store, exportKeys('conversations/', '2025-02-02').users))[0]?.numero_conversaciones).toBe('3');
  });

  it('re-running a date replaces only that date’s two files (idempotent)', async () => {
    const store = freshStore();
    await run(store, items, '2025-02-01');
    await run(store, items, '2025-02-02');
    const other = await store.getText(exportKeys('conversations/', '2025-02-01').exchanges);
    const first = await store.getText(exportKeys('conversations/', '2025-02-02').exchanges);
    await run(store, items, '2025-02-02');
    expect(await store.getText(exportKeys('conversations/', '2025-02-02').exchanges)).toBe(first);
    expect(await store.getText(exportKeys('conversations/', '2025-02-01').exchanges)).toBe(other);
    expect(await store.list('conversations/')).toHaveLength(4);
  });

  it('uses the configured prefix', async () => {
    const store = freshStore();
    const summary = await run(store, items, '2025-02-01', { exportPrefix: 'analitica/chat/' });
    expect(summary.keys.users).toBe('analitica/chat/users/dt=2025-02-01/users.csv');
    expect(await store.list('analitica/')).toHaveLength(2);
  });

  it('a failed scan uploads nothing and leaves no temporary files', async () => {
    const store = freshStore();
    await store.putText('conversations/users/dt=2025-02-01/users.csv', 'previous');
    async function* failing() {
      yield items;
      throw new Error('scan interrupted');
    }
    const before = await readdir(root);
    await expect(
      exportConversations({ pages: failing(), config: parseAnalyticsConfig({}), runDate: '2025-02-01', store, workDir: root }),
    ).rejects.toThrow('scan interrupted');
    expect(await store.getText('conversations/users/dt=2025-02-01/users.csv')).toBe('previous');
    expect(await store.list('conversations/exchanges/')).toEqual([]);
    expect(await readdir(root)).toEqual(before);
  });

  it('an empty table still writes both files with their headers', async () => {
    const store = freshStore();
    const summary = await run(store, [], '2025-02-01');
    expect(summary.rows).toEqual({ exchanges: 0, users: 0 });
    expect(await store.getText(summary.keys.users)).toBe(`${USER_COLUMNS.join(',')}\r\n`);
  });

  it('the files are the same whatever the scan page size (generated items)', async () => {
    const generated = generateConversationItems(30, 5);
    const config = { filters: { excludeUserNames: ['usuario prueba', 'test qa'], excludeCityPatterns: ['pruebas*'] } };
    const onePage = freshStore();
    const tiny = freshStore();
    const whole = await run(onePage, generated, '2025-03-01', config, generated.length);
    const paged = await run(tiny, generated, '2025-03-01', config, 1);
    expect(paged).toEqual(whole);
    for (const key of Object.values(whole.keys)) expect(await tiny.getText(key)).toBe(await onePage.getText(key));
  });
});
