import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';

export type CsvCell = string | number | null | undefined;

export interface CsvTableWriter<Column extends string> {
  write(row: Readonly<Record<Column, CsvCell>>): Promise<void>;
  close(): Promise<void>;
  readonly rows: number;
}

/**
 * Streams a CSV file (RFC 4180: CRLF between records, a field with a comma, quote, CR or LF is
 * quoted and its quotes doubled; UTF-8 without BOM). Text is written as it is, `|` included.
 * The header is written even when no row follows, so an empty export is still a valid table.
 */
export function createCsvTableWriter<Column extends string>(path: string, columns: readonly Column[]): CsvTableWriter<Column> {
  const file = createWriteStream(path, { encoding: 'utf8' });
  const stringifier = stringify({ header: true, columns: [...columns], record_delimiter: '\r\n' });
  stringifier.pipe(file);
  let rows = 0;
  return {
    get rows() {
      return rows;
    },
    async write(row) {
      rows += 1;
      if (!stringifier.write(columns.map((column) => row[column] ?? ''))) await once(stringifier, 'drain');
    },
    async close() {
      stringifier.end();
      await once(file, 'finish');
    },
  };
}

export class CsvHeaderError extends Error {
  override readonly name = 'Csv.UnexpectedHeader';
}

/** Rows of a CSV file as `{column: text}`, streamed; the header must be exactly `columns`. */
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
  for await (const record of parser) yield record as Record<Column, string>;
}
