import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import { UsageError } from './cli-config.ts';
import { formatTable } from './sql-command.ts';

export const ROW_FORMATS = ['table', 'jsonl', 'csv'] as const;
export type RowFormat = (typeof ROW_FORMATS)[number];

export function parseRowFormat(value: string): RowFormat {
  if (!(ROW_FORMATS as readonly string[]).includes(value)) throw new UsageError(`--format must be one of ${ROW_FORMATS.join(', ')} (got "${value}")`);
  return value as RowFormat;
}

export interface RowSink {
  write(row: Record<string, unknown>): Promise<void>;
  /** Ends the output; returns the number of rows written. */
  close(): Promise<number>;
}

/** A cell of a table or CSV: text as is, a list of texts space-separated (flags), anything else as JSON. */
function cellText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return value.join(' ');
  return JSON.stringify(value);
}

/**
 * Rows to standard output: JSON lines and CSV stream (columns fixed by `columns`, nested values as
 * JSON), a table is laid out once every row is in.
 */
export function rowSink(format: RowFormat, columns: readonly string[], out: NodeJS.WritableStream = process.stdout): RowSink {
  let count = 0;
  if (format === 'jsonl') {
    return {
      async write(row) {
        count += 1;
        if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
      },
      close: async () => count,
    };
  }
  if (format === 'csv') {
    const csv = stringify({ header: true, columns: [...columns] });
    csv.pipe(out, { end: false });
    return {
      async write(row) {
        count += 1;
        if (!csv.write(columns.map((column) => cellText(row[column]) ?? ''))) await once(csv, 'drain');
      },
      async close() {
        const finished = once(csv, 'end');
        csv.end();
        await finished;
        return count;
      },
    };
  }
  const rows: Array<Array<string | null>> = [];
  return {
    async write(row) {
      count += 1;
      rows.push(columns.map((column) => cellText(row[column])));
    },
    async close() {
      out.write(`${formatTable({ columns: [...columns], rows })}\n`);
      return count;
    },
  };
}
