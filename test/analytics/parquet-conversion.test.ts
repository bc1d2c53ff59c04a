import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissingExportError } from '#shared/errors/normflow-errors.ts';
import { generateConversationItems } from '#shared/samples/conversation-generator.ts';
import { parseAnalyticsConfig, type AnalyticsConfigInput } from '#shared/analytics/analytics-config.ts';
import { exportConversations, type ConversationItem } from '#shared/analytics/conversation-export.ts';
import { convertToParquet, parquetKeys } from '#shared/analytics/parquet-conversion.ts';
import { tokenCounter } from '#shared/analytics/token-counter.ts';
import { createFolderObjectStore } from '#shared/stores/folder-object-store.ts';
import type { ObjectStore } from '#shared/stores/object-store.ts';
import { conversation, feedback, inPages, register } from './conversation-items.ts';

let root: string;
let storeCount = 0;
let instance: DuckDBInstance;
let duck: DuckDBConnection;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'parquet-conversion-'));
  instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  duck = await instance.connect();
});
afterAll(async () => {
  duck.closeSync();
  instance.closeSync();
  await rm(root, { recursive: true, force: true });
});

const ANA = 'a0000000-0000-4000-a000-000000000001';
const BETO = 'b0000000-0000-4000-a000-000000000002';
const QUESTION = '¿Cómo solicito mis vacaciones? | urgente';
const ANSWER = 'En el portal de autogestión, sección "Mis solicitudes".\nTe llega un correo.';
const ITEMS = [
  register(ANA, '2025-01-01T00:00:00.000Z', { nombre: 'Ana Gómez', ciudad: 'Cali' }),
  conversation(ANA, '2025-01-03T10:00:00.000Z', [['user', QUESTION], ['bot', ANSWER]]),
  feedback(ANA, '2025-01-03T10:00:00.000Z', 'like', 'Respuesta útil'),
  conversation(ANA, '2025-01-02T08:30:00.000Z', [['bot', '¡Hola!']]),
  register(BETO, '2025-01-01T00:00:00.000Z', { gerencia: 'Gerencia Comercial' }),
  conversation(BETO, '2025-01-05T12:00:00.000Z', [['usuario', 'hola']]),
];

async function exportAndConvert(items: readonly ConversationItem[], config: AnalyticsConfigInput = {}, rowGroupSize?: number) {
  const store = createFolderObjectStore(join(root, `bucket-${++storeCount}`));
  const parsed = parseAnalyticsConfig(config);
  await exportConversations({ pages: inPages(items, 100), config: parsed, runDate: '2025-02-01', store, workDir: root });
  const summary = await convertToParquet({ config: parsed, runDate: '2025-02-01', store, workDir: root, ...(rowGroupSize ? { rowGroupSize } : {}) });
  return { store, summary };
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const source = (store: ObjectStore, key: string) => `read_parquet(${quote(store.locationOf(key))}, hive_partitioning = false)`;

async function columnTypes(store: ObjectStore, key: string): Promise<Record<string, string>> {
  const reader = await duck.runAndReadAll(`DESCRIBE SELECT * FROM ${source(store, key)}`);
  return Object.fromEntries(reader.getRowObjectsJS().map((row) => [String(row.column_name), String(row.column_type)]));
}

async function rows(store: ObjectStore, sql: string): Promise<Array<Record<string, unknown>>> {
  const reader = await duck.runAndReadAll(sql);
  return reader.getRowObjectsJS();
}

describe('Parquet conversion read back by DuckDB', () => {
  it('writes both tables under the parquet/ partition of the run date', async () => {
    const { store, summary } = await exportAndConvert(ITEMS);
    expect(summary.keys).toEqual({
      exchanges: 'conversations/parquet/exchanges/dt=2025-02-01/part-0.parquet',
      users: 'conversations/parquet/users/dt=2025-02-01/part-0.parquet',
    });
    expect(summary.rows).toEqual({ exchanges: 3, users: 2 });
    expect(await store.list('conversations/parquet/')).toEqual([summary.keys.exchanges, summary.keys.users]);
  });

  it('types the exchanges: TIMESTAMP, VARCHAR texts, BIGINT token counts', async () => {
    const { store, summary } = await exportAndConvert(ITEMS);
    expect(await columnTypes(store, summary.keys.exchanges)).toEqual({
      usuario_id: 'VARCHAR',
      timestamp: 'TIMESTAMP',
      pregunta: 'VARCHAR',
      respuesta: 'VARCHAR',
      feedback_tipo: 'VARCHAR',
      feedback_opcion: 'VARCHAR',
      feedback_comentario: 'VARCHAR',
      nombre: 'VARCHAR',
      gerencia: 'VARCHAR',
      ciudad: 'VARCHAR',
      oficinas_asesoras: 'VARCHAR',
      subgerencia: 'VARCHAR',
      nivel_directivo: 'VARCHAR',
      token_pregunta: 'BIGINT',
      token_respuesta: 'BIGINT',
    });
  });

  it('types the users: DATE first conversation, BIGINT counts, VARCHAR texts, per-user token totals', async () => {
    const { store, summary } = await exportAndConvert(ITEMS);
    expect(await columnTypes(store, summary.keys.users)).toEqual({
      usuario_id: 'VARCHAR',
      nombre: 'VARCHAR',
      gerencia: 'VARCHAR',
      ciudad: 'VARCHAR',
      fecha_primera_conversacion: 'DATE',
      numero_conversaciones: 'BIGINT',
      conversacion_completa: 'VARCHAR',
      feedback_total: 'VARCHAR',
      numero_feedback: 'BIGINT',
      pregunta_conversacion: 'VARCHAR',
      feedback: 'VARCHAR',
      respuesta_feedback: 'VARCHAR',
      token_pregunta: 'BIGINT',
      token_respuesta: 'BIGINT',
    });
  });

  it('keeps the values: timestamps, dates, texts with | quotes and line breaks, tokens of user and bot texts', async () => {
    const { store, summary } = await exportAndConvert(ITEMS);
    const count = tokenCounter('cl100k_base');
    const exchanges = await rows(
      store,
      `SELECT usuario_id, CAST("timestamp" AS VARCHAR) AS at, pregunta, respuesta, feedback_tipo, token_pregunta, token_respuesta
       FROM ${source(store, summary.keys.exchanges)} ORDER BY usuario_id, "timestamp"`,
    );
    expect(exchanges).toEqual([
      { usuario_id: ANA, at: '2025-01-02 08:30:00', pregunta: null, respuesta: '¡Hola!', feedback_tipo: null, token_pregunta: 0n, token_respuesta: BigInt(count('¡Hola!')) },
      { usuario_id: ANA, at: '2025-01-03 10:00:00', pregunta: QUESTION, respuesta: ANSWER, feedback_tipo: 'like', token_pregunta: BigInt(count(QUESTION)), token_respuesta: BigInt(count(ANSWER)) },
      { usuario_id: BETO, at: '2025-01-05 12:00:00', pregunta: 'hola', respuesta: null, feedback_tipo: null, token_pregunta: BigInt(count('hola')), token_respuesta: 0n },
    ]);
    const users = await rows(
      store,
      `SELECT usuario_id, nombre, CAST(fecha_primera_conversacion AS VARCHAR) AS fecha, numero_conversaciones, numero_feedback, feedback, token_pregunta, token_respuesta
       FROM ${source(store, summary.keys.users)} ORDER BY usuario_id`,
    );
    expect(users).toEqual([
      { usuario_id: ANA, nombre: 'Ana Gómez', fecha: '2025-01-02', numero_conversaciones: 2n, numero_feedback: 1n, feedback: 'like', token_pregunta: BigInt(count(QUESTION)), token_respuesta: BigInt(count('¡Hola!') + count(ANSWER)) },
      { usuario_id: BETO, nombre: 'Usuario Anónimo', fecha: '2025-01-05', numero_conversaciones: 1n, numero_feedback: 0n, feedback: null, token_pregunta: BigInt(count('hola')), token_respuesta: 0n },
    ]);
    expect(summary.tokens).toEqual({ pregunta: count(QUESTION) + count('hola'), respuesta: count('¡Hola!') + count(ANSWER) });
  });

  it('bug: zero counts turned into NULL — numero_feedback and empty token counts are 0 in Parquet, never NULL', async () => {
    const { store, summary } = await exportAndConvert(ITEMS);
    const [zeros] = await rows(
      store,
      `SELECT count(*) FILTER (WHERE numero_feedback = 0) AS zero_feedback, count(*) FILTER (WHERE numero_feedback IS NULL) AS null_feedback,
              count(*) FILTER (WHERE token_respuesta = 0) AS zero_tokens, count(*) FILTER (WHERE token_respuesta IS NULL) AS null_tokens
       FROM ${source(store, summary.keys.users)}`,
    );
    expect(zeros).toEqual({ zero_feedback: 1n, null_feedback: 0n, zero_tokens: 1n, null_tokens: 0n });
  });

  it('counts with the chars/4 estimate when configured', async () => {
    const { store, summary } = await exportAndConvert(ITEMS, { tokenizer: 'chars/4' });
    const result = await rows(store, `SELECT token_pregunta FROM ${source(store, summary.keys.exchanges)} WHERE pregunta = ${quote(QUESTION)}`);
    expect(result).toEqual([{ token_pregunta: BigInt(Math.max(1, Math.floor(QUESTION.length / 4))) }]);
  });

  it('small row groups give the same table as one group (generated items)', async () => {
    const items = generateConversationItems(30, 9);
    const one = await exportAndConvert(items);
    const grouped = await exportAndConvert(items, {}, 3);
    const read = (run: typeof one, table: 'exchanges' | 'users') =>
      rows(run.store, `SELECT * FROM ${source(run.store, run.summary.keys[table])}`);
    expect(await read(grouped, 'exchanges')).toEqual(await read(one, 'exchanges'));
    expect(await read(grouped, 'users')).toEqual(await read(one, 'users'));
    const [groups] = await rows(
      grouped.store,
      `SELECT count(DISTINCT row_group_id) AS groups FROM parquet_metadata(${quote(grouped.store.locationOf(grouped.summary.keys.exchanges))})`,
    );
    expect(Number(groups?.groups)).toBe(Math.ceil(one.summary.rows.exchanges / 3));
  });

  it('the partition folders read as one table per name with dt as a DATE column (hive partitioning)', async () => {
    const { store } = await exportAndConvert(ITEMS);
    const glob = quote(store.locationOf('conversations/parquet/users/') + '/*/*.parquet');
    const result = await rows(store, `SELECT CAST(dt AS VARCHAR) AS dt, count(*) AS users FROM read_parquet(${glob}, hive_partitioning = true) GROUP BY dt`);
    expect(result).toEqual([{ dt: '2025-02-01', users: 2n }]);
  });

  it('fails with Conversion.MissingExport when the date was never exported', async () => {
    const store = createFolderObjectStore(join(root, `bucket-${++storeCount}`));
    await expect(convertToParquet({ config: parseAnalyticsConfig({}), runDate: '2025-02-01', store, workDir: root })).rejects.toThrow(MissingExportError);
    expect(parquetKeys('conversations/', '2025-02-01').users).toBe('conversations/parquet/users/dt=2025-02-01/part-0.parquet');
  });
});
