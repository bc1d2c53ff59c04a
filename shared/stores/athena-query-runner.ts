import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { AthenaQueryError } from '#shared/errors/normflow-errors.ts';

export interface QueryResult {
  columns: string[];
  rows: Array<Array<string | null>>;
}

/**
 * Runs one SQL statement on Athena in a workgroup (whose enforced settings choose the results
 * location and the bytes-scanned cutoff): start, poll with capped backoff, page through results.
 */
export async function runAthenaQuery(options: {
  client: AthenaClient;
  workgroup: string;
  sql: string;
  database?: string;
  sleep?: (ms: number) => Promise<void>;
  maxWaitMs?: number;
}): Promise<QueryResult> {
  const { client, workgroup, sql } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = await client.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: workgroup,
      ...(options.database ? { QueryExecutionContext: { Database: options.database } } : {}),
    }),
  );
  const id = started.QueryExecutionId;
  if (!id) throw new AthenaQueryError('Athena returned no query execution id');

  let delay = 250;
  let waited = 0;
  for (;;) {
    const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = QueryExecution?.Status?.State;
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED') {
      throw new AthenaQueryError(`query ${id} ${state}: ${QueryExecution?.Status?.StateChangeReason ?? 'no reason given'}`);
    }
    if (waited >= (options.maxWaitMs ?? 600_000)) throw new AthenaQueryError(`query ${id} still ${state} after ${waited} ms`);
    await sleep(delay);
    waited += delay;
    delay = Math.min(delay * 2, 5_000);
  }

  const result: QueryResult = { columns: [], rows: [] };
  let nextToken: string | undefined;
  let firstPage = true;
  do {
    const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: nextToken }));
    if (firstPage) result.columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((column) => column.Name ?? '');
    const rows = (page.ResultSet?.Rows ?? []).map((row) => (row.Data ?? []).map((datum) => datum.VarCharValue ?? null));
    // The first row of the first page repeats the column names.
    result.rows.push(...(firstPage ? rows.slice(1) : rows));
    firstPage = false;
    nextToken = page.NextToken;
  } while (nextToken);
  return result;
}
