import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsvTableWriter, readCsvTable } from '#shared/analytics/csv-table.ts';
import { CsvHeaderError } from '#shared/errors/normflow-errors.ts';
import { readCsvWithDuckDb } from '../io/duckdb-csv.ts';

let folder: string;
let fileCount = 0;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'csv-table-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});
const nextPath = () => join(folder, `table-${++fileCount}.csv`);

const COLUMNS = ['id', 'texto', 'numero'] as const;

async function roundTrip(rows: Array<Record<(typeof COLUMNS)[number], string>>) {
  const path = nextPath();
  const writer = createCsvTableWriter(path, COLUMNS);
  for (const row of rows) await writer.write(row);
  await writer.close();
  const back = [];
  for await (const row of readCsvTable(path, COLUMNS)) back.push(row);
  return { back, raw: await readFile(path, 'utf8'), writer };
}

describe('CSV tables (RFC 4180, UTF-8)', () => {
  it('quotes fields with commas, quotes and line breaks, doubles quotes, keeps | and accents as they are', async () => {
    const rows = [
      { id: '1', texto: 'Opción A | Opción B', numero: '0' },
      { id: '2', texto: 'dijo "hola", y se fue', numero: '12' },
      { id: '3', texto: 'línea 1\nlínea 2\r\nlínea 3', numero: '3' },
      { id: '4', texto: '', numero: '0' },
      { id: '5', texto: 'ñandú 👍 ¿qué?', numero: '5' },
    ];
    const { back, raw, writer } = await roundTrip(rows);
    expect(back).toEqual(rows);
    expect(writer.rows).toBe(5);
    expect(raw).toBe(
      'id,texto,numero\r\n' +
        '1,Opción A | Opción B,0\r\n' +
        '2,"dijo ""hola"", y se fue",12\r\n' +
        '3,"línea 1\nlínea 2\r\nlínea 3",3\r\n' +
        '4,,0\r\n' +
        '5,ñandú 👍 ¿qué?,5\r\n',
    );
    expect(raw.charCodeAt(0)).not.toBe(0xfeff);
  });

  it('quotes a value with a lone LF or CR too, so another CSV reader (DuckDB) sees the same rows', async () => {
    const rows = [
      { id: '1', texto: 'línea 1\nlínea 2', numero: '1' },
      { id: '2', texto: 'línea 1\rlínea 2', numero: '2' },
    ];
    const { back, raw } = await roundTrip(rows);
    expect(raw).toBe('id,texto,numero\r\n1,"línea 1\nlínea 2",1\r\n2,"línea 1\rlínea 2",2\r\n');
    expect(back).toEqual(rows);
    const path = nextPath();
    await writeFile(path, raw);
    expect((await readCsvWithDuckDb(path)).rows).toEqual(rows.map((row) => [row.id, row.texto, row.numero]));
  });

  it('neutralizes formula cells for people who open the file (a leading \'), and reads back the exact text for Parquet', async () => {
    const rows = [
      { id: '1', texto: '=HYPERLINK("http://x.example","clic")', numero: '-5' },
      { id: '2', texto: "+cmd|' /C calc'!A0", numero: '+57' },
      { id: '3', texto: '@SUM(1)', numero: '-2+3' },
      { id: '4', texto: "'=ya escapado", numero: "'normal" },
    ];
    const { back, raw } = await roundTrip(rows);
    expect(back).toEqual(rows);
    const path = nextPath();
    await writeFile(path, raw);
    expect((await readCsvWithDuckDb(path)).rows).toEqual([
      ['1', '\'=HYPERLINK("http://x.example","clic")', '-5'],
      ['2', "'+cmd|' /C calc'!A0", '+57'],
      ['3', "'@SUM(1)", "'-2+3"],
      ['4', "''=ya escapado", "'normal"],
    ]);
  });

  it('writes numbers as digits (0 stays 0) and a header even without rows', async () => {
    const path = nextPath();
    const writer = createCsvTableWriter(path, COLUMNS);
    await writer.write({ id: 'x', texto: 't', numero: 0 });
    await writer.close();
    expect(await readFile(path, 'utf8')).toBe('id,texto,numero\r\nx,t,0\r\n');
    const { raw } = await roundTrip([]);
    expect(raw).toBe('id,texto,numero\r\n');
  });

  it('round-trips any text (property)', async () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'ñ', ',', '"', '|', '\n', '\r', '\r\n', ' ', ';', '\t', '😀', 'x', '=', '+', '-', '@', "'", '5') });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ id: fc.string({ minLength: 1, unit: fc.constantFrom('a', 'b', '1') }), texto: cell, numero: cell }), { maxLength: 8 }), async (rows) => {
        const { back } = await roundTrip(rows);
        expect(back).toEqual(rows);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a file whose header is not the expected columns', async () => {
    const path = nextPath();
    await writeFile(path, 'id,numero,texto\r\n1,2,3\r\n');
    const read = async () => {
      for await (const row of readCsvTable(path, COLUMNS)) expect(row).toBeDefined();
    };
    await expect(read()).rejects.toThrow(CsvHeaderError);
  });
});
