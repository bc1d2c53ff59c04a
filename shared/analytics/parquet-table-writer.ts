import { fileWriter, ParquetWriter } from 'hyparquet-writer';

/** Column types the analytics tables use; DATE values are `YYYY-MM-DD` strings or Dates. */
export type ParquetColumnType = 'STRING' | 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'DATE' | 'TIMESTAMP';

export interface ParquetColumn {
  name: string;
  type: ParquetColumnType;
}

const SCHEMA_ELEMENTS: Record<ParquetColumnType, Record<string, unknown>> = {
  STRING: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  INT32: { type: 'INT32' },
  INT64: { type: 'INT64' },
  DOUBLE: { type: 'DOUBLE' },
  BOOLEAN: { type: 'BOOLEAN' },
  DATE: { type: 'INT32', converted_type: 'DATE' },
  TIMESTAMP: { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' },
};

function toParquetValue(type: ParquetColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'DATE':
      return value instanceof Date ? value : new Date(`${String(value).slice(0, 10)}T00:00:00Z`);
    case 'TIMESTAMP':
      return value instanceof Date ? value : new Date(typeof value === 'number' ? value : String(value));
    case 'INT64':
      return BigInt(Math.trunc(Number(value)));
    case 'INT32':
      return Math.trunc(Number(value));
    case 'DOUBLE':
      return Number(value);
    case 'BOOLEAN':
      return Boolean(value);
    case 'STRING':
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/**
 * Writes a typed Parquet file row group by row group, so memory holds one group, not the table.
 * Every column is nullable; zero stays zero (never NULL).
 */
export class ParquetTableWriter {
  private readonly writer: ParquetWriter;
  private readonly columns: readonly ParquetColumn[];
  private readonly rowGroupSize: number;
  private buffered: Array<Record<string, unknown>> = [];
  rows = 0;

  constructor(path: string, columns: readonly ParquetColumn[], options: { rowGroupSize?: number } = {}) {
    this.columns = columns;
    this.rowGroupSize = options.rowGroupSize ?? 10_000;
    this.writer = new ParquetWriter({
      writer: fileWriter(path),
      schema: [
        { name: 'root', num_children: columns.length },
        ...columns.map((column) => ({ name: column.name, repetition_type: 'OPTIONAL', ...SCHEMA_ELEMENTS[column.type] })),
      ] as never,
    });
  }

  async write(row: Record<string, unknown>): Promise<void> {
    this.buffered.push(row);
    this.rows += 1;
    if (this.buffered.length >= this.rowGroupSize) await this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    this.writer.finish();
  }

  private async flush(): Promise<void> {
    if (this.buffered.length === 0) return;
    const rows = this.buffered;
    this.buffered = [];
    await this.writer.write({
      columnData: this.columns.map((column) => ({
        name: column.name,
        data: rows.map((row) => toParquetValue(column.type, row[column.name])),
      })) as never,
      rowGroupSize: rows.length,
    });
  }
}
