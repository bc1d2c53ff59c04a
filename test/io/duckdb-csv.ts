import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Reads a CSV file with DuckDB's own parser (strict RFC 4180: a second, independent reader of
 * what normflow writes). Every value as text; an empty cell is null.
 */
export async function readCsvWithDuckDb(path: string, delimiter = ','): Promise<{ columns: string[]; rows: Array<Array<string | null>> }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const escaped = (text: string) => text.replaceAll("'", "''");
    const reader = await connection.runAndReadAll(
      `SELECT * FROM read_csv('${escaped(path)}', header = true, all_varchar = true, delim = '${escaped(delimiter)}', quote = '"', escape = '"', strict_mode = true, null_padding = false)`,
    );
    return { columns: reader.columnNames(), rows: reader.getRowsJson() as Array<Array<string | null>> };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
