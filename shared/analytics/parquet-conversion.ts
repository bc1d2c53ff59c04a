import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidCellError, MissingExportError } from '#shared/errors/normflow-errors.ts';
import type { ObjectStore } from '#shared/stores/object-store.ts';
import type { AnalyticsConfig } from './analytics-config.ts';
import { EXCHANGE_COLUMNS, exportKeys, USER_COLUMNS, type ExchangeColumn, type UserColumn } from './conversation-export.ts';
import { readCsvTable } from './csv-table.ts';
import { ParquetTableWriter, type ParquetColumn, type ParquetColumnType } from './parquet-table-writer.ts';
import { tokenCounter } from './token-counter.ts';

/**
 * ETL-2: a run date's exchanges and users CSV files → typed Parquet (ANALYTICS.md §3).
 *
 * Decisions: an empty CSV cell is NULL (no feedback, no question of a bot-only exchange); counts are
 * never empty, so zero stays 0. `token_pregunta`/`token_respuesta` count an exchange's joined user
 * texts and bot texts (0 when there are none); on users they are the sums over the user's exchange
 * rows (every exchange counted, not the de-duplicated questions).
 */

export const TOKEN_COLUMNS = ['token_pregunta', 'token_respuesta'] as const;

const EXCHANGE_TYPES: Record<ExchangeColumn, ParquetColumnType> = {
  usuario_id: 'STRING',
  timestamp: 'TIMESTAMP',
  pregunta: 'STRING',
  respuesta: 'STRING',
  feedback_tipo: 'STRING',
  feedback_opcion: 'STRING',
  feedback_comentario: 'STRING',
  nombre: 'STRING',
  gerencia: 'STRING',
  ciudad: 'STRING',
  oficinas_asesoras: 'STRING',
  subgerencia: 'STRING',
  nivel_directivo: 'STRING',
};

const USER_TYPES: Record<UserColumn, ParquetColumnType> = {
  usuario_id: 'STRING',
  nombre: 'STRING',
  gerencia: 'STRING',
  ciudad: 'STRING',
  fecha_primera_conversacion: 'DATE',
  numero_conversaciones: 'INT64',
  conversacion_completa: 'STRING',
  feedback_total: 'STRING',
  numero_feedback: 'INT64',
  pregunta_conversacion: 'STRING',
  feedback: 'STRING',
  respuesta_feedback: 'STRING',
};

const withTokens = <Column extends string>(columns: readonly Column[], types: Record<Column, ParquetColumnType>): ParquetColumn[] => [
  ...columns.map((name) => ({ name, type: types[name] })),
  ...TOKEN_COLUMNS.map((name) => ({ name, type: 'INT64' as const })),
];

export const EXCHANGE_PARQUET_COLUMNS: readonly ParquetColumn[] = withTokens(EXCHANGE_COLUMNS, EXCHANGE_TYPES);
export const USER_PARQUET_COLUMNS: readonly ParquetColumn[] = withTokens(USER_COLUMNS, USER_TYPES);

/** Where a run date's Parquet files go, one `dt=` partition per table (the catalog's table folders). */
export function parquetKeys(exportPrefix: string, runDate: string): { exchanges: string; users: string } {
  return {
    exchanges: `${exportPrefix}parquet/exchanges/dt=${runDate}/part-0.parquet`,
    users: `${exportPrefix}parquet/users/dt=${runDate}/part-0.parquet`,
  };
}

/** `DD/MM/YYYY` → `YYYY-MM-DD`. */
function isoDayOf(day: string): string {
  const match = /^(\d{2})\/(\d{2})\/(\d{4})$/u.exec(day);
  if (!match) throw new InvalidCellError(`fecha_primera_conversacion is not DD/MM/YYYY: "${day}"`);
  return `${match[3]}-${match[2]}-${match[1]}`;
}

function typedRow(columns: readonly ParquetColumn[], cells: Record<string, string>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const { name, type } of columns) {
    const cell = cells[name];
    if (cell === undefined || cell === '') {
      row[name] = null;
      continue;
    }
    if (type === 'DATE') row[name] = isoDayOf(cell);
    else if (type === 'INT64' && !/^\d+$/u.test(cell)) throw new InvalidCellError(`${name} is not a whole number: "${cell}"`);
    else if (type === 'TIMESTAMP' && Number.isNaN(Date.parse(cell))) throw new InvalidCellError(`${name} is not a timestamp: "${cell}"`);
    else row[name] = cell;
  }
  return row;
}

export interface ConversionSummary {
  runDate: string;
  keys: { exchanges: string; users: string };
  rows: { exchanges: number; users: number };
  tokens: { pregunta: number; respuesta: number };
}

export interface ConversionOptions {
  config: AnalyticsConfig;
  runDate: string;
  store: ObjectStore;
  workDir?: string;
  rowGroupSize?: number;
}

/** Reads the run date's CSV files (streamed) and uploads one Parquet file per table. */
export async function convertToParquet(options: ConversionOptions): Promise<ConversionSummary> {
  const { config, runDate, store } = options;
  const sources = exportKeys(config.exportPrefix, runDate);
  const keys = parquetKeys(config.exportPrefix, runDate);
  const countTokens = tokenCounter(config.tokenizer);
  const writerOptions = options.rowGroupSize === undefined ? {} : { rowGroupSize: options.rowGroupSize };
  const folder = await mkdtemp(join(options.workDir ?? tmpdir(), 'parquet-conversion-'));
  try {
    const download = async (key: string, path: string) => {
      if (!(await store.getFile(key, path))) throw new MissingExportError(`no export at ${key}: run the export for ${runDate} first`);
    };
    const exchangesCsv = join(folder, 'exchanges.csv');
    const usersCsv = join(folder, 'users.csv');
    await download(sources.exchanges, exchangesCsv);
    await download(sources.users, usersCsv);

    const tokensByUser = new Map<string, { pregunta: number; respuesta: number }>();
    const totals = { pregunta: 0, respuesta: 0 };
    const exchangesParquet = join(folder, 'exchanges.parquet');
    const exchanges = new ParquetTableWriter(exchangesParquet, EXCHANGE_PARQUET_COLUMNS, writerOptions);
    for await (const cells of readCsvTable(exchangesCsv, EXCHANGE_COLUMNS)) {
      const tokens = { pregunta: countTokens(cells.pregunta), respuesta: countTokens(cells.respuesta) };
      const userTokens = tokensByUser.get(cells.usuario_id) ?? { pregunta: 0, respuesta: 0 };
      userTokens.pregunta += tokens.pregunta;
      userTokens.respuesta += tokens.respuesta;
      tokensByUser.set(cells.usuario_id, userTokens);
      totals.pregunta += tokens.pregunta;
      totals.respuesta += tokens.respuesta;
      await exchanges.write({
        ...typedRow(EXCHANGE_PARQUET_COLUMNS, cells),
        token_pregunta: tokens.pregunta,
        token_respuesta: tokens.respuesta,
      });
    }
    await exchanges.close();

    const usersParquet = join(folder, 'users.parquet');
    const users = new ParquetTableWriter(usersParquet, USER_PARQUET_COLUMNS, writerOptions);
    for await (const cells of readCsvTable(usersCsv, USER_COLUMNS)) {
      const userTokens = tokensByUser.get(cells.usuario_id);
      await users.write({
        ...typedRow(USER_PARQUET_COLUMNS, cells),
        token_pregunta: userTokens?.pregunta ?? 0,
        token_respuesta: userTokens?.respuesta ?? 0,
      });
    }
    await users.close();

    await store.putFile(keys.exchanges, exchangesParquet, 'application/vnd.apache.parquet');
    await store.putFile(keys.users, usersParquet, 'application/vnd.apache.parquet');
    return { runDate, keys, rows: { exchanges: exchanges.rows, users: users.rows }, tokens: totals };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
