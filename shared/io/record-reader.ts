import { FieldNameMatcher } from '#shared/config/field-names.ts';
import { InputError } from '#shared/errors/normflow-errors.ts';
import { restoreFormulaCell } from './csv-cells.ts';
import { EXTRA_COLUMN, isComputedColumn } from './csv-columns.ts';
import { csvRows, type CsvDelimiter, type CsvRow } from './csv-records.ts';
import { jsonArrayElements } from './json-array-elements.ts';
import type { TextEncodingName } from './text-decoding.ts';
import { MAX_LINE_CHARS, textLines, type TextLine } from './text-lines.ts';
import { openTextSource, STDIO } from './text-source.ts';
import { isPlainObject } from '#shared/json/plain-object.ts';

/** CSV, JSON lines, or one JSON array of records (`json`). */
export type RecordFormat = 'jsonl' | 'csv' | 'json';

export type ReadItem =
  | {
      kind: 'record';
      line: number;
      id: string;
      record: Record<string, unknown>;
      /** The record is normflow's own output (`normalize`, `leads export`): its pipeline attributes are normflow's, not originals. */
      writtenByNormflow?: true;
    }
  | { kind: 'rejected'; line: number; reason: string; raw: string };

export interface ReadOptions {
  /** Default: from the file name (`.csv`/`.tsv` CSV, `.jsonl`/`.ndjson` JSON lines); sniffed from the text for `.json` (an array or JSON lines), other names and standard input. */
  format?: RecordFormat;
  /** Attributes tried in order for the record id, each matched as configured fields are (see field-names.ts). */
  idFields: readonly string[];
  /** Forced text encoding; detected when absent (UTF-8, UTF-16 with a byte-order mark, Windows-1252). */
  encoding?: TextEncodingName;
  /** Forced CSV delimiter; sniffed when absent (from the first line that has one: the header). */
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

/** An output's format by its name: `.csv`/`.tsv` CSV, `.json` a JSON array, anything else JSON lines. */
export function formatOfPath(path: string): RecordFormat {
  if (/\.(csv|tsv)$/i.test(path)) return 'csv';
  return /\.json$/i.test(path) ? 'json' : 'jsonl';
}

/**
 * An input's layout by its extension when that says it (`.csv`, `.tsv`, `.jsonl`, `.ndjson`);
 * undefined for `.json` (an array, or JSON lines under that name), `.txt` or none: sniffed.
 */
function layoutOfInputPath(path: string): RecordFormat | undefined {
  if (/\.(csv|tsv)$/i.test(path)) return 'csv';
  return /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : undefined;
}

/** How far the first line is looked at for a lone `{` (a pretty-printed object); past it, JSON lines. */
const MAX_SNIFFED_CHARS = 1024 * 1024;

/**
 * The layout a text's first character says: `[` a JSON array, `{` JSON lines, anything else a CSV
 * header. `.json` files are JSON either way. A first line that is a lone `{` starts pretty-printed
 * objects, one after another (`jq`'s output, PowerShell's `ConvertTo-Json` of one record): read as
 * the elements of an array (`objects`). Returns the chunks read to see it, to be read again.
 */
async function sniffLayout(chunks: AsyncIterator<string>, json: boolean): Promise<{ layout: RecordFormat; objects: boolean; peeked: string[] }> {
  const peeked: string[] = [];
  let seen = '';
  // Chunks are pulled one by one: a `break` out of a for-await would close the stream.
  for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
    peeked.push(next.value);
    seen += next.value;
    const at = seen.search(/[^\s\uFEFF]/);
    if (at < 0) {
      seen = '';
      continue;
    }
    const first = seen[at];
    if (first !== '{') return { layout: first === '[' ? 'json' : json ? 'jsonl' : 'csv', objects: false, peeked };
    const lineEnd = seen.slice(at).search(/[\r\n]/);
    if (lineEnd < 0 && seen.length - at < MAX_SNIFFED_CHARS) continue;
    const firstLine = lineEnd < 0 ? seen.slice(at) : seen.slice(at, at + lineEnd);
    return firstLine.trim() === '{' ? { layout: 'json', objects: true, peeked } : { layout: 'jsonl', objects: false, peeked };
  }
  const first = /[^\s\uFEFF]/.exec(seen)?.[0];
  if (first === '{' && seen.trim() === '{') return { layout: 'json', objects: true, peeked };
  return { layout: first === '[' ? 'json' : first === '{' || json ? 'jsonl' : 'csv', objects: false, peeked };
}

async function* withPeeked(peeked: readonly string[], rest: AsyncIterator<string>): AsyncGenerator<string> {
  yield* peeked;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * Streams records from a CSV, JSON lines or JSON array file (`-`: standard input), one at a time,
 * with the 1-based number of the line each starts on. Lines that are not records (bad JSON, not an object,
 * no id, a malformed CSV row, a character that could not be decoded) come out as `rejected` items
 * instead of stopping the stream. Memory stays bounded whatever the file's size.
 */
export async function* readRecords(input: string, options: ReadOptions): AsyncGenerator<ReadItem> {
  const source = await openTextSource(input, {
    ...(options.encoding ? { encoding: options.encoding } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    ...(options.onBytes ? { onBytes: options.onBytes } : {}),
  });
  const undecodable = () => {
    if (source.invalidBytes() === 0) return 'contains U+FFFD, the mark of a character lost before this file was written';
    if (source.encoding === 'utf-8') return `has bytes that are not valid UTF-8 (--encoding to read the file otherwise)`;
    return `has bytes that read as UTF-8 too, in a file read as ${source.encoding.toUpperCase()}: which it is cannot be told (--encoding to choose)`;
  };
  let layout: RecordFormat | undefined = options.format ?? (input === STDIO ? undefined : layoutOfInputPath(input));
  let text = source.text;
  let objects = false;
  if (!layout) {
    const chunks = source.text[Symbol.asyncIterator]();
    const sniffed = await sniffLayout(chunks, /\.json$/i.test(input));
    layout = sniffed.layout;
    objects = sniffed.objects;
    text = withPeeked(sniffed.peeked, chunks);
  }
  options.onFormat?.(layout);
  const ids = new FieldNameMatcher(options.idFields);
  if (layout === 'json') yield* readJsonArray(text, ids, undecodable, !objects);
  else if (layout === 'csv') yield* readCsv(textLines(text), options, ids, undecodable);
  else yield* readJsonLines(textLines(text), ids, undecodable);
}

/** Records of a JSON array file (or of objects one after another): each on its own, numbered by the line it starts on (json-array-elements.ts). */
async function* readJsonArray(text: AsyncIterable<string>, ids: FieldNameMatcher, undecodable: () => string, bracketed: boolean): AsyncGenerator<ReadItem> {
  for await (const element of jsonArrayElements(text, { bracketed })) {
    if (element.kind === 'malformed') {
      yield { kind: 'rejected', line: element.line, reason: element.reason, raw: element.raw };
      continue;
    }
    yield jsonRecord(element.text, element.line, ids, undecodable);
  }
}

async function* readJsonLines(lines: AsyncIterable<TextLine>, ids: FieldNameMatcher, undecodable: () => string): AsyncGenerator<ReadItem> {
  for await (const { text, number: line, tooLong } of lines) {
    if (tooLong) {
      yield { kind: 'rejected', line, reason: `line longer than ${MAX_LINE_CHARS / 1024 / 1024} MiB`, raw: text };
      continue;
    }
    if (text.trim() === '') continue;
    yield jsonRecord(text, line, ids, undecodable);
  }
}

/** One JSON object as a record, or why it is not one. */
function jsonRecord(text: string, line: number, ids: FieldNameMatcher, undecodable: () => string): ReadItem {
  if (text.includes('\uFFFD')) return { kind: 'rejected', line, reason: undecodable(), raw: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'rejected', line, reason: 'not valid JSON', raw: text };
  }
  if (!isPlainObject(parsed)) return { kind: 'rejected', line, reason: 'not a JSON object', raw: text };
  return withId(parsed, line, ids, text, jsonWrittenByNormflow(parsed));
}

interface CsvHeader {
  /** Per position: the column's name, or undefined for a column normflow computed (dropped). */
  names: Array<string | undefined>;
  extraAt: number;
  /** A file normflow wrote (it has computed columns): its formula-neutralized cells are restored. */
  writtenByNormflow: boolean;
  /** Values a row must have: up to the last column with a name (a header's trailing `;;` names none, and a row may stop before them). */
  minValues: number;
}

/**
 * Rows a report puts above its header (a title, a date, filter criteria, group headings over the
 * columns): at most this many. The header is the first row that names an id column; when none of
 * the first rows does, the first row is the header (and every row is then rejected for its id).
 */
const MAX_ROWS_ABOVE_HEADER = 10;

async function* readCsv(lines: AsyncIterable<TextLine>, options: ReadOptions, ids: FieldNameMatcher, undecodable: () => string): AsyncGenerator<ReadItem> {
  let header: CsvHeader | undefined;
  let delimiter = options.delimiter ?? ',';
  const dialect: { delimiter?: CsvDelimiter; onDelimiter: (sniffed: CsvDelimiter) => void } = {
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
    onDelimiter: (sniffed) => (delimiter = sniffed),
  };
  /** Rows read before the header is known: above it, or (when no row names an id) the header and rows. */
  let leading: Array<CsvRow & { kind: 'row' }> = [];
  const takeHeader = (row: CsvRow & { kind: 'row' }) => {
    if (row.raw.includes('\uFFFD')) throw new InputError(`the CSV header (line ${row.line}) ${undecodable()}`);
    header = readHeader(row.fields);
    // A header without a delimiter is one column: the rows are not sniffed for one after it.
    dialect.delimiter = delimiter;
    options.onColumns?.(header.names.filter((name): name is string => name !== undefined), delimiter);
  };
  const namesAnId = (row: CsvRow & { kind: 'row' }): boolean => {
    try {
      return ids.match(row.fields.filter((field) => field.trim() !== '')).size > 0;
    } catch {
      // Two columns for the id: a header, whose reading says so.
      return true;
    }
  };
  /** No row named an id: the first row is the header, the others are rows. */
  function* leadingAsRows(): Generator<ReadItem> {
    const [first, ...rest] = leading;
    leading = [];
    if (!first) return;
    takeHeader(first);
    for (const row of rest) yield* rowItems(row);
  }
  function* rowItems(row: CsvRow): Generator<ReadItem> {
    if (!header) return;
    if (row.kind === 'malformed') {
      yield { kind: 'rejected', line: row.line, reason: row.reason, raw: row.raw };
      return;
    }
    if (row.fields.every((field) => field.trim() === '')) return;
    if (row.raw.includes('\uFFFD')) {
      yield { kind: 'rejected', line: row.line, reason: undecodable(), raw: row.raw };
      return;
    }
    const { names } = header;
    // Trailing empty values past the last column (`a,b,c,,`) are what some tools write, as is a header
    // ending in unnamed columns its rows do not reach (`a;b;c;`); anything else is a wrong count.
    if (row.fields.length < header.minValues || row.fields.slice(names.length).some((field) => field !== '')) {
      yield { kind: 'rejected', line: row.line, reason: `${row.fields.length} values, expected ${names.length} (one per column)`, raw: row.raw };
      return;
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
        return;
      }
      Object.assign(record, extra);
    }
    yield withId(record, row.line, ids, row.raw, header.writtenByNormflow);
  }

  for await (const row of csvRows(lines, dialect)) {
    if (header) {
      yield* rowItems(row);
      continue;
    }
    if (row.kind === 'malformed') {
      if (leading.length === 0) throw new InputError(`the CSV header (line ${row.line}) is malformed: ${row.reason}`);
      yield* leadingAsRows();
      yield* rowItems(row);
      continue;
    }
    if (namesAnId(row)) {
      if (leading.length > 0) {
        // A report exported from a spreadsheet: its title, date or column groups above the header.
        const from = leading[0]?.line;
        const to = leading.at(-1)?.line;
        options.onNotice?.(`${from === to ? `line ${from} is` : `lines ${from}–${to} are`} above the header (a report's title or headings; line ${row.line} is the first to name an id column): skipped`);
        leading = [];
      }
      takeHeader(row);
      continue;
    }
    leading.push(row);
    if (leading.length > MAX_ROWS_ABOVE_HEADER) yield* leadingAsRows();
  }
  // No row named an id: the first row is the header.
  yield* leadingAsRows();
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
  let minValues = fields.length;
  while (minValues > 0 && fields[minValues - 1] === '') minValues -= 1;
  return { names, extraAt, writtenByNormflow, minValues };
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

/**
 * How a spreadsheet writes a long number it shows in scientific notation (`1,02346E+09` in a
 * Spanish locale, `1.02346E+09` elsewhere): a cédula or phone number used as an id, its digits
 * past the sixth gone. A decimal mark and an explicit `E+` tell it from an id such as `3E4`.
 */
const EXCEL_SCIENTIFIC = /^\d[.,]\d+E\+\d+$/i;

/** A JSON record normflow wrote holds `normalizedData` and `normalizationMeta` objects. */
const jsonWrittenByNormflow = (record: Record<string, unknown>): boolean => isPlainObject(record.normalizedData) && isPlainObject(record.normalizationMeta);

function withId(record: Record<string, unknown>, line: number, ids: FieldNameMatcher, raw: string, writtenByNormflow: boolean): ReadItem {
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
    if (typeof id === 'string' && EXCEL_SCIENTIFIC.test(id.trim())) {
      return { kind: 'rejected', line, reason: `id "${id.trim()}" is in scientific notation: the spreadsheet dropped its last digits, so two leads could share it (format the id column as Text, then save as CSV again)`, raw };
    }
    if ((typeof id === 'string' && id.trim() !== '') || (typeof id === 'number' && Number.isFinite(id))) {
      // Spaces around a typed id (`123 ` from a spreadsheet) do not make another lead; the record keeps them.
      return { kind: 'record', line, id: String(id).trim(), record, ...(writtenByNormflow ? { writtenByNormflow: true as const } : {}) };
    }
  }
  return { kind: 'rejected', line, reason: `no id (expected ${idFields.map((field) => `"${field}"`).join(' or ')})`, raw };
}
