import { FieldNameMatcher } from '#shared/config/field-names.ts';
import { InputError } from '#shared/errors/normflow-errors.ts';
import { restoreFormulaCell } from './csv-cells.ts';
import { EXTRA_COLUMN, isComputedColumn } from './csv-columns.ts';
import { csvRows, type CsvDelimiter } from './csv-records.ts';
import type { TextEncodingName } from './text-decoding.ts';
import { MAX_LINE_CHARS, textLines, type TextLine } from './text-lines.ts';
import { openTextSource, STDIO } from './text-source.ts';

export type RecordFormat = 'jsonl' | 'csv';

export type ReadItem =
  | { kind: 'record'; line: number; id: string; record: Record<string, unknown> }
  | { kind: 'rejected'; line: number; reason: string; raw: string };

export interface ReadOptions {
  /** Default: from the file name (`.csv`, `.tsv` → CSV, else JSON lines); sniffed from the text on standard input. */
  format?: RecordFormat;
  /** Attributes tried in order for the record id, each matched as configured fields are (see field-names.ts). */
  idFields: readonly string[];
  /** Forced text encoding; detected when absent (UTF-8, UTF-16 with a byte-order mark, Windows-1252). */
  encoding?: TextEncodingName;
  /** Forced CSV delimiter; sniffed from the header when absent. */
  delimiter?: CsvDelimiter;
  /** How the input is being read, when it is worth saying (an encoding other than UTF-8); once each. */
  onNotice?: (message: string) => void;
  /** The format read (known once the text starts, for standard input), before the first item. */
  onFormat?: (format: RecordFormat) => void;
  /** CSV: the columns as read (normflow's computed ones left out) and the delimiter, before the first item. */
  onColumns?: (columns: readonly string[], delimiter: CsvDelimiter) => void;
  /** Called with the bytes read so far (for a progress bar). */
  onBytes?: (bytesRead: number) => void;
}

export function formatOfPath(path: string): RecordFormat {
  return /\.(csv|tsv)$/i.test(path) ? 'csv' : 'jsonl';
}

/** An input's format by its extension when that says it (`.csv`, `.tsv`, `.jsonl`, `.ndjson`); undefined for `.txt` or none: sniffed. */
function formatOfInputPath(path: string): RecordFormat | undefined {
  if (/\.(csv|tsv)$/i.test(path)) return 'csv';
  return /\.(jsonl|ndjson|json)$/i.test(path) ? 'jsonl' : undefined;
}

/**
 * Streams records from a JSON lines or CSV file (`-`: standard input), one at a time, with the
 * 1-based number of the line each starts on. Lines that are not records (bad JSON, not an object,
 * no id, a malformed CSV row, a character that could not be decoded) come out as `rejected` items
 * instead of stopping the stream. Memory stays bounded whatever the file's size.
 */
export async function* readRecords(input: string, options: ReadOptions): AsyncGenerator<ReadItem> {
  const source = await openTextSource(input, {
    ...(options.encoding ? { encoding: options.encoding } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    ...(options.onBytes ? { onBytes: options.onBytes } : {}),
  });
  const lines = textLines(source.text);
  const undecodable = () =>
    source.invalidBytes() > 0
      ? `has bytes that are not valid ${source.encoding.toUpperCase()} (--encoding to read the file otherwise)`
      : 'contains U+FFFD, the mark of a character lost before this file was written';
  let format = options.format ?? (input === STDIO ? undefined : formatOfInputPath(input));
  const peeked: TextLine[] = [];
  if (!format) {
    // JSON lines start with `{`; a CSV header never does. (Lines are pulled one by one: a `break` would close the stream.)
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      peeked.push(next.value);
      if (next.value.text.trim() !== '') break;
    }
    format = peeked.at(-1)?.text.trimStart().startsWith('{') ? 'jsonl' : 'csv';
  }
  options.onFormat?.(format);
  async function* allLines(): AsyncGenerator<TextLine> {
    yield* peeked;
    yield* lines;
  }
  // Each generator in the chain costs every line a round of promises: none for lines not peeked at.
  const recordLines = peeked.length > 0 ? allLines() : lines;
  const ids = new FieldNameMatcher(options.idFields);
  yield* format === 'csv' ? readCsv(recordLines, options, ids, undecodable) : readJsonLines(recordLines, ids, undecodable);
}

async function* readJsonLines(lines: AsyncIterable<TextLine>, ids: FieldNameMatcher, undecodable: () => string): AsyncGenerator<ReadItem> {
  for await (const { text, number: line, tooLong } of lines) {
    if (tooLong) {
      yield { kind: 'rejected', line, reason: `line longer than ${MAX_LINE_CHARS / 1024 / 1024} MiB`, raw: text };
      continue;
    }
    if (text.trim() === '') continue;
    if (text.includes('\uFFFD')) {
      yield { kind: 'rejected', line, reason: undecodable(), raw: text };
      continue;
    }
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
    yield withId(parsed as Record<string, unknown>, line, ids, text);
  }
}

interface CsvHeader {
  /** Per position: the column's name, or undefined for a column normflow computed (dropped). */
  names: Array<string | undefined>;
  extraAt: number;
  /** A file normflow wrote (it has computed columns): its formula-neutralized cells are restored. */
  writtenByNormflow: boolean;
}

async function* readCsv(lines: AsyncIterable<TextLine>, options: ReadOptions, ids: FieldNameMatcher, undecodable: () => string): AsyncGenerator<ReadItem> {
  let header: CsvHeader | undefined;
  let delimiter = options.delimiter ?? ',';
  const dialect = { ...(options.delimiter ? { delimiter: options.delimiter } : {}), onDelimiter: (sniffed: CsvDelimiter) => (delimiter = sniffed) };
  for await (const row of csvRows(lines, dialect)) {
    if (!header) {
      if (row.kind === 'malformed') throw new InputError(`the CSV header (line ${row.line}) is malformed: ${row.reason}`);
      if (row.raw.includes('\uFFFD')) throw new InputError(`the CSV header (line ${row.line}) ${undecodable()}`);
      header = readHeader(row.fields);
      options.onColumns?.(header.names.filter((name): name is string => name !== undefined), delimiter);
      continue;
    }
    if (row.kind === 'malformed') {
      yield { kind: 'rejected', line: row.line, reason: row.reason, raw: row.raw };
      continue;
    }
    if (row.fields.every((field) => field.trim() === '')) continue;
    if (row.raw.includes('\uFFFD')) {
      yield { kind: 'rejected', line: row.line, reason: undecodable(), raw: row.raw };
      continue;
    }
    const { names } = header;
    // Trailing empty values past the last column (`a,b,c,,`) are what some tools write; anything else is a wrong count.
    if (row.fields.length < names.length || row.fields.slice(names.length).some((field) => field !== '')) {
      yield { kind: 'rejected', line: row.line, reason: `${row.fields.length} values, expected ${names.length} (one per column)`, raw: row.raw };
      continue;
    }
    const record: Record<string, unknown> = {};
    const restore = header.writtenByNormflow;
    names.forEach((name, index) => {
      const value = row.fields[index] ?? '';
      if (name !== undefined) record[name] = restore ? restoreFormulaCell(value) : value;
    });
    if (header.extraAt >= 0) {
      const extra = parseExtra(row.fields[header.extraAt] ?? '');
      if (extra === undefined) {
        yield { kind: 'rejected', line: row.line, reason: `the ${EXTRA_COLUMN} column is not a JSON object`, raw: row.raw };
        continue;
      }
      Object.assign(record, extra);
    }
    yield withId(record, row.line, ids, row.raw);
  }
}

/**
 * Column names as typed (an empty one becomes `_column<N>`). normflow's computed columns are
 * recognised and dropped: they are computed again, never taken for originals.
 */
function readHeader(fields: readonly string[]): CsvHeader {
  const names: Array<string | undefined> = [];
  const seen = new Map<string, number>();
  let extraAt = -1;
  let writtenByNormflow = false;
  fields.forEach((field, index) => {
    if (field === EXTRA_COLUMN) {
      extraAt = index;
      names.push(undefined);
      return;
    }
    if (isComputedColumn(field)) {
      writtenByNormflow = true;
      names.push(undefined);
      return;
    }
    const name = field === '' ? `_column${index + 1}` : field;
    const earlier = seen.get(name);
    if (earlier !== undefined) throw new InputError(`the CSV header names the column "${name}" twice (columns ${earlier + 1} and ${index + 1}); rename one`);
    seen.set(name, index);
    names.push(name);
  });
  return { names, extraAt, writtenByNormflow };
}

/** The attributes a written CSV kept as JSON in `_extra` (those only later records had), computed ones left out. */
function parseExtra(text: string): Record<string, unknown> | undefined {
  if (text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    return Object.fromEntries(Object.entries(parsed).filter(([key]) => !isComputedColumn(key)));
  } catch {
    return undefined;
  }
}

function withId(record: Record<string, unknown>, line: number, ids: FieldNameMatcher, raw: string): ReadItem {
  const idFields = ids.wanted;
  let matched: Map<string, string>;
  try {
    matched = ids.match(Object.keys(record));
  } catch (error) {
    return { kind: 'rejected', line, reason: (error as Error).message, raw };
  }
  for (const field of idFields) {
    const key = matched.get(field);
    const id = key === undefined ? undefined : record[key];
    if ((typeof id === 'string' && id.trim() !== '') || (typeof id === 'number' && Number.isFinite(id))) {
      return { kind: 'record', line, id: String(id), record };
    }
  }
  return { kind: 'rejected', line, reason: `no id (expected ${idFields.map((field) => `"${field}"`).join(' or ')})`, raw };
}
