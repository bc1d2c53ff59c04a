import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { stringify, type Stringifier } from 'csv-stringify';
import type { RecordFormat } from './record-reader.ts';

export interface RecordWriter {
  write(record: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** Writes JSON lines, waiting for the stream to drain so memory stays flat. */
export function createJsonLinesWriter(path: string): RecordWriter {
  const stream = createWriteStream(path);
  return {
    write: (record) => writeWithBackpressure(stream, `${JSON.stringify(record)}\n`),
    close: () => closeStream(stream),
  };
}

const NESTED_COLUMNS = ['normalizedData', 'normalizationMeta'] as const;
const EXTRA_COLUMN = '_extra';

/**
 * Writes CSV (RFC 4180, UTF-8). Columns are fixed by the first record: its own attributes, then
 * one `normalizedData.<field>` column per normalized value, then `normalizationMeta` as JSON.
 * Attributes that only later records have go, as JSON, to an `_extra` column: nothing is lost.
 */
export function createCsvWriter(path: string): RecordWriter {
  const stream = createWriteStream(path);
  let stringifier: Stringifier | undefined;
  let attributeColumns: string[] = [];
  let normalizedColumns: string[] = [];

  return {
    async write(record) {
      const normalizedData = (record.normalizedData ?? {}) as Record<string, unknown>;
      if (!stringifier) {
        attributeColumns = Object.keys(record).filter((key) => !(NESTED_COLUMNS as readonly string[]).includes(key));
        normalizedColumns = Object.keys(normalizedData);
        stringifier = stringify({
          header: true,
          columns: [
            ...attributeColumns,
            ...normalizedColumns.map((field) => `normalizedData.${field}`),
            'normalizationMeta',
            EXTRA_COLUMN,
          ],
        });
        stringifier.pipe(stream);
      }
      const extra: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(record)) {
        if (!attributeColumns.includes(key) && !(NESTED_COLUMNS as readonly string[]).includes(key)) extra[key] = value;
      }
      for (const [field, value] of Object.entries(normalizedData)) {
        if (!normalizedColumns.includes(field)) extra[`normalizedData.${field}`] = value;
      }
      const row = [
        ...attributeColumns.map((column) => csvCell(record[column])),
        ...normalizedColumns.map((field) => csvCell(normalizedData[field])),
        record.normalizationMeta === undefined ? '' : JSON.stringify(record.normalizationMeta),
        Object.keys(extra).length > 0 ? JSON.stringify(extra) : '',
      ];
      if (!stringifier.write(row)) await once(stringifier, 'drain');
    },
    async close() {
      if (!stringifier) return closeStream(stream);
      stringifier.end();
      await once(stream, 'finish');
    },
  };
}

export function createRecordWriter(path: string, format: RecordFormat): RecordWriter {
  return format === 'csv' ? createCsvWriter(path) : createJsonLinesWriter(path);
}

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

async function writeWithBackpressure(stream: WriteStream, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

async function closeStream(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}
