import { once } from 'node:events';
import { stringify, type Stringifier } from 'csv-stringify';
import { cellText, neutralizeFormulaCell, RFC_4180, toJsonText } from './csv-cells.ts';
import { EXTRA_COLUMN, flagsColumn, META_COLUMN, normalizedColumn } from './csv-columns.ts';
import type { CsvDelimiter } from './csv-records.ts';
import type { OutputFile } from './output-file.ts';
import type { RecordFormat } from './record-reader.ts';

export interface RecordWriter {
  write(record: Record<string, unknown>): Promise<void>;
  /** Writes what is buffered; the output file is then committed (or aborted) by its owner. */
  flush(): Promise<void>;
}

export interface CsvWriteOptions {
  delimiter?: CsvDelimiter;
  /** OWASP formula neutralization (a leading `'`); on unless turned off (`--no-neutralize-formulas`). */
  neutralizeFormulas?: boolean;
  /** Columns known before the first record (a CSV input's header, an export's every attribute); else the first record's. */
  columns?: { attributes: readonly string[]; normalized?: readonly string[] };
}

/** Characters of JSON gathered before they go to the file: one stream write per many records, not per record. */
const JSON_BUFFER_CHARS = 64 * 1024;

/** Text gathered and written in large pieces, waiting for the stream to drain so memory stays flat. */
function gatheredText(output: OutputFile): { add(text: string): Promise<void>; drain(): Promise<void> } {
  let gathered = '';
  const writeGathered = async () => {
    const text = gathered;
    gathered = '';
    await output.write(text);
  };
  return {
    async add(text) {
      gathered += text;
      if (gathered.length >= JSON_BUFFER_CHARS) await writeGathered();
    },
    async drain() {
      if (gathered !== '') await writeGathered();
    },
  };
}

/** Writes JSON lines; `flush` writes the last ones. */
export function createJsonLinesWriter(output: OutputFile): RecordWriter {
  const text = gatheredText(output);
  return {
    write: (record) => text.add(`${toJsonText(record)}\n`),
    flush: () => text.drain(),
  };
}

/**
 * Writes one JSON array of records (a `.json` output, for the tools that import "JSON"), a record
 * per line. The closing `]` comes with `flush`: until the file is committed it is a temporary
 * file, so a failure never leaves a cut array in place.
 */
function createJsonArrayWriter(output: OutputFile): RecordWriter {
  const text = gatheredText(output);
  let opened = false;
  let closed = false;
  return {
    async write(record) {
      const separator = opened ? ',\n' : '[\n';
      opened = true;
      await text.add(`${separator}${toJsonText(record)}`);
    },
    async flush() {
      if (closed) return;
      closed = true;
      await text.add(opened ? '\n]\n' : '[]\n');
      await text.drain();
    },
  };
}

const NESTED = new Set(['normalizedData', 'normalizationMeta']);

type Column =
  | { kind: 'attribute'; key: string }
  | { kind: 'normalized'; key: string }
  | { kind: 'flags'; attribute: string }
  | { kind: 'meta' }
  | { kind: 'extra' };

/**
 * The CSV layout, spreadsheet-first: each attribute, right after it its normalized value (and
 * the values derived from it, which follow it in `normalized`: a city's department and DANE
 * code), then its flags; at the end the whole `normalizationMeta` as JSON and `_extra`.
 */
function csvLayout(attributes: readonly string[], normalized: readonly string[]): Column[] {
  const isAttribute = new Set(attributes);
  const columns: Column[] = [];
  for (const attribute of attributes) {
    columns.push({ kind: 'attribute', key: attribute });
    const at = normalized.indexOf(attribute);
    if (at < 0) continue;
    columns.push({ kind: 'normalized', key: attribute });
    for (let next = at + 1; next < normalized.length && !isAttribute.has(normalized[next] as string); next += 1) {
      columns.push({ kind: 'normalized', key: normalized[next] as string });
    }
    columns.push({ kind: 'flags', attribute });
  }
  columns.push({ kind: 'meta' }, { kind: 'extra' });
  return columns;
}

const headerOf = (column: Column): string => {
  switch (column.kind) {
    case 'attribute':
      return column.key;
    case 'normalized':
      return normalizedColumn(column.key);
    case 'flags':
      return flagsColumn(column.attribute);
    case 'meta':
      return META_COLUMN;
    case 'extra':
      return EXTRA_COLUMN;
  }
};

/**
 * Writes records as CSV (RFC 4180, UTF-8 with a byte-order mark so Excel reads the accents) in
 * the layout of `csvLayout`. Attributes no column was made for go, as JSON, to `_extra`: nothing
 * is lost, and reading the file back restores them. Formula-like cells are neutralized unless
 * turned off.
 */
export function createCsvWriter(output: OutputFile, options: CsvWriteOptions = {}): RecordWriter {
  const neutralize = options.neutralizeFormulas ?? true;
  const asCell = (value: unknown) => {
    const text = cellText(value);
    return neutralize ? neutralizeFormulaCell(text) : text;
  };
  let stringifier: Stringifier | undefined;
  let columns: Column[] = [];
  let placedAttributes = new Set<string>();
  let placedNormalized = new Set<string>();

  const start = (first: Record<string, unknown>) => {
    const attributes = options.columns?.attributes ?? Object.keys(first).filter((key) => !NESTED.has(key));
    const normalized = options.columns?.normalized ?? Object.keys((first.normalizedData ?? {}) as object);
    columns = csvLayout(attributes, normalized);
    placedAttributes = new Set(attributes);
    placedNormalized = new Set(columns.flatMap((column) => (column.kind === 'normalized' ? [column.key] : [])));
    output.stream.write('\uFEFF');
    const created = stringify({ ...RFC_4180, delimiter: options.delimiter ?? ',', header: true, columns: columns.map(headerOf) });
    created.pipe(output.stream, { end: false });
    return created;
  };

  return {
    async write(record) {
      stringifier ??= start(record);
      const normalizedData = (record.normalizedData ?? {}) as Record<string, unknown>;
      const meta = (record.normalizationMeta ?? undefined) as Record<string, { flags?: string[] }> | undefined;
      const extra: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(record)) if (!placedAttributes.has(key) && !NESTED.has(key)) extra[key] = value;
      for (const [key, value] of Object.entries(normalizedData)) if (!placedNormalized.has(key)) extra[normalizedColumn(key)] = value;
      const row = columns.map((column) => {
        switch (column.kind) {
          case 'attribute':
            return asCell(record[column.key]);
          case 'normalized':
            return asCell(normalizedData[column.key]);
          case 'flags':
            return (meta?.[column.attribute]?.flags ?? []).join(' ');
          case 'meta':
            return meta === undefined ? '' : toJsonText(meta);
          case 'extra':
            return Object.keys(extra).length > 0 ? toJsonText(extra) : '';
        }
      });
      if (!stringifier.write(row)) await once(stringifier, 'drain');
    },
    async flush() {
      // No record, but known columns (a CSV input with only a header): the header still says what the file holds.
      if (!stringifier && options.columns) stringifier = start({});
      if (!stringifier) return;
      const ended = once(stringifier, 'end');
      stringifier.end();
      await ended;
      if (output.stream.writableNeedDrain) await once(output.stream, 'drain');
    },
  };
}

export function createRecordWriter(output: OutputFile, format: RecordFormat, options: CsvWriteOptions = {}): RecordWriter {
  if (format === 'csv') return createCsvWriter(output, options);
  return format === 'json' ? createJsonArrayWriter(output) : createJsonLinesWriter(output);
}
