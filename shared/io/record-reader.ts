import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';

export type RecordFormat = 'jsonl' | 'csv';

export type ReadItem =
  | { kind: 'record'; line: number; id: string; record: Record<string, unknown> }
  | { kind: 'rejected'; line: number; reason: string; raw: string };

export interface ReadOptions {
  format: RecordFormat;
  /** Attributes tried in order for the record id. */
  idFields: readonly string[];
  /** Called with the bytes read so far (for a progress bar). */
  onBytes?: (bytesRead: number) => void;
}

export function formatOfPath(path: string): RecordFormat {
  return path.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl';
}

/**
 * Streams records from a JSONL or CSV (RFC 4180) file, one at a time, with 1-based line numbers.
 * Lines that are not records (bad JSON, not an object, no id, wrong column count) come out as
 * `rejected` items instead of stopping the stream.
 */
export async function* readRecords(path: string, options: ReadOptions): AsyncGenerator<ReadItem> {
  const stream = createReadStream(path);
  if (options.onBytes) stream.on('data', () => options.onBytes?.(stream.bytesRead));
  yield* options.format === 'csv' ? readCsv(stream, options.idFields) : readJsonLines(stream, options.idFields);
}

async function* readJsonLines(stream: NodeJS.ReadableStream, idFields: readonly string[]): AsyncGenerator<ReadItem> {
  let line = 0;
  for await (const rawText of createInterface({ input: stream, crlfDelay: Infinity })) {
    line += 1;
    // Editors on Windows often start UTF-8 files with a byte-order mark.
    const text = line === 1 ? rawText.replace(/^\uFEFF/, '') : rawText;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      yield { kind: 'rejected', line, reason: 'not valid JSON', raw: text };
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      yield { kind: 'rejected', line, reason: 'not a JSON object', raw: text };
      continue;
    }
    yield withId(parsed as Record<string, unknown>, line, idFields, text);
  }
}

async function* readCsv(stream: NodeJS.ReadableStream, idFields: readonly string[]): AsyncGenerator<ReadItem> {
  const parser = stream.pipe(
    parse({ columns: true, bom: true, info: true, raw: true, relax_column_count: true, skip_empty_lines: true }),
  );
  // csv-parse counts invalid rows over the whole file, so a row is invalid when the count grows.
  let invalidRowsSoFar = 0;
  // csv-parse counts a CRLF inside a quoted value as two lines; its raw text shows how many to take back.
  let doubleCountedLineBreaks = 0;
  for await (const { record, info, raw: rawText } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number; invalid_field_length: number; columns: unknown[] | boolean };
    raw: string;
  }>) {
    doubleCountedLineBreaks += countCrlf(rawText);
    const line = info.lines - doubleCountedLineBreaks;
    const raw = JSON.stringify(record);
    if (info.invalid_field_length > invalidRowsSoFar) {
      invalidRowsSoFar = info.invalid_field_length;
      yield { kind: 'rejected', line, reason: 'wrong number of columns', raw };
      continue;
    }
    yield withId(record, line, idFields, raw);
  }
}

function countCrlf(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\r\n'); index >= 0; index = text.indexOf('\r\n', index + 2)) count += 1;
  return count;
}

function withId(record: Record<string, unknown>, line: number, idFields: readonly string[], raw: string): ReadItem {
  for (const field of idFields) {
    const id = record[field];
    if ((typeof id === 'string' && id.trim() !== '') || (typeof id === 'number' && Number.isFinite(id))) {
      return { kind: 'record', line, id: String(id), record };
    }
  }
  return { kind: 'rejected', line, reason: `no id (expected ${idFields.map((field) => `"${field}"`).join(' or ')})`, raw };
}
