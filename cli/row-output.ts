import { once } from 'node:events';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { neutralizeFormulaCell, RFC_4180, toJsonText } from '#shared/io/csv-cells.ts';
import { openOutputFile, type OutputFile } from '#shared/io/output-file.ts';
import { STDIO } from '#shared/io/text-source.ts';
import type { QueryResult } from '#shared/stores/athena-query-runner.ts';

export const ROW_FORMATS = ['table', 'jsonl', 'csv'] as const;
export type RowFormat = (typeof ROW_FORMATS)[number];

export function parseRowFormat(value: string, formats: readonly RowFormat[] = ROW_FORMATS): RowFormat {
  if (!(formats as readonly string[]).includes(value)) throw new UsageError(`--format must be one of ${formats.join(', ')} (got "${value}")`);
  return value as RowFormat;
}

/** A command that writes rows: `--format` (a table by default) and the CSV formula switch. */
export const withRowOutputOptions = (command: Command): Command =>
  command
    .option('--format <format>', 'table | jsonl | csv', 'table')
    .option('--no-neutralize-formulas', 'CSV: write cells starting with = + - @ as they are (by default they get a leading \')');

export interface RowSink {
  write(row: Record<string, unknown>): Promise<void>;
}

export interface RowOutputOptions {
  format: RowFormat;
  columns: readonly string[];
  /** A file, or `-` (the default) for standard output. */
  output?: string;
  /** CSV: OWASP formula neutralization (a leading `'`), on unless turned off (`--no-neutralize-formulas`). */
  neutralizeFormulas?: boolean;
}

/** A cell of a table or CSV: text as is, a list of texts space-separated (flags), anything else as JSON. */
function cellText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return value.join(' ');
  return toJsonText(value);
}

/** Rows laid out as a text table, one row per line (line breaks inside a value show as ⏎). */
export function formatTable(result: QueryResult): string {
  const widths = result.columns.map((column, index) =>
    Math.min(60, Math.max(column.length, ...result.rows.map((row) => (row[index] ?? 'NULL').length))),
  );
  const shown = (cell: string | null) => (cell ?? 'NULL').replace(/\r?\n/g, '⏎').slice(0, 60);
  const line = (cells: Array<string | null>) => cells.map((cell, index) => shown(cell).padEnd(widths[index] ?? 0)).join(' | ');
  return [line(result.columns), widths.map((width) => '-'.repeat(width)).join('-+-'), ...result.rows.map(line), `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`].join('\n');
}

/** JSON lines and CSV stream as rows come; a table is laid out once every row is in. */
function rowSink(output: OutputFile, options: RowOutputOptions): { sink: RowSink; finish(): Promise<void> } {
  const { format, columns } = options;
  if (format === 'jsonl') {
    return { sink: { write: (row) => output.write(`${toJsonText(row)}\n`) }, finish: async () => undefined };
  }
  if (format === 'csv') {
    // As every CSV normflow writes (shared/io): RFC 4180, a BOM so Excel reads the accents, formula cells neutralized.
    const neutralize = options.neutralizeFormulas ?? true;
    output.stream.write('\uFEFF');
    const csv = stringify({ ...RFC_4180, header: true, columns: [...columns] });
    csv.pipe(output.stream, { end: false });
    return {
      sink: {
        async write(row) {
          const cells = columns.map((column) => {
            const text = cellText(row[column]) ?? '';
            return neutralize ? neutralizeFormulaCell(text) : text;
          });
          if (!csv.write(cells)) await once(csv, 'drain');
        },
      },
      async finish() {
        const ended = once(csv, 'end');
        csv.end();
        await ended;
      },
    };
  }
  const rows: Array<Array<string | null>> = [];
  return {
    sink: {
      async write(row) {
        rows.push(columns.map((column) => cellText(row[column])));
      },
    },
    finish: () => output.write(`${formatTable({ columns: [...columns], rows })}\n`),
  };
}

/**
 * Opens the output (a file is written to a temporary file renamed at the end, `-` is standard
 * output), lets `work` write its rows, and puts the file in place; on a failure the file asked
 * for is left as it was. Returns what `work` returned and the output's name.
 */
export async function writeRows<T>(options: RowOutputOptions, work: (sink: RowSink) => Promise<T>): Promise<{ result: T; name: string }> {
  const output = await openOutputFile(options.output ?? STDIO);
  try {
    const { sink, finish } = rowSink(output, options);
    const result = await work(sink);
    await finish();
    await output.commit();
    return { result, name: output.name };
  } catch (error) {
    await output.abort();
    throw error;
  }
}
