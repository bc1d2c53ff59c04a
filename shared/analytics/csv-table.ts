import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { CsvHeaderError } from '#shared/errors/normflow-errors.ts';
import { neutralizeFormulaCell, restoreFormulaCell, RFC_4180 } from '#shared/io/csv-cells.ts';

export type CsvCell = string | number | null | undefined;

export interface CsvTableWriter<Column extends string> {
  write(row: Readonly<Record<Column, CsvCell>>): Promise<void>;
  close(): Promise<void>;
  readonly rows: number;
}

/**
 * Streams a CSV file (RFC 4180: CRLF between records; a field with a comma, a quote, a CR or an LF
 * is quoted and its quotes doubled; UTF-8 without BOM). These files are also opened by people, so
 * a text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
 * leading `'` (OWASP). The escape is reversible and `readCsvTable` undoes it, so the Parquet
 * tables, and every SQL query, see the exact text. `|` and accents are written as they are.
 * The header is written even when no row follows, so an empty export is still a valid table.
 */
export function createCsvTableWriter<Column extends string>(path: string, columns: readonly Column[]): CsvTableWriter<Column> {
  const file = createWriteStream(path, { encoding: 'utf8' });
  const stringifier = stringify({ ...RFC_4180, header: true, columns: [...columns] });
  stringifier.pipe(file);
  let rows = 0;
  return {
    get rows() {
      return rows;
    },
    async write(row) {
      rows += 1;
      const cells = columns.map((column) => {
        const cell = row[column];
        return typeof cell === 'string' ? neutralizeFormulaCell(cell) : (cell ?? '');
      });
      if (!stringifier.write(cells)) await once(stringifier, 'drain');
    },
    async close() {
      stringifier.end();
      await once(file, 'finish');
    },
  };
}

/** Rows of a CSV file as `{column: text}` (neutralized cells restored), streamed; the header must be exactly `columns`. */
export async function* readCsvTable<Column extends string>(
  path: string,
  columns: readonly Column[],
): AsyncGenerator<Record<Column, string>> {
  const parser = createReadStream(path).pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        if (header.join('\u0000') !== columns.join('\u0000')) {
          throw new CsvHeaderError(`expected the columns ${columns.join(', ')}; the file has ${header.join(', ')}`);
        }
        return header;
      },
    }),
  );
  for await (const record of parser as AsyncIterable<Record<Column, string>>) {
    for (const column of columns) record[column] = restoreFormulaCell(record[column]);
    yield record;
  }
}
