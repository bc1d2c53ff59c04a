import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { AthenaQueryError } from '#shared/errors/normflow-errors.ts';
import { NO_JITTER, withRetry, type RetryPolicy } from '#shared/retry/retry-with-backoff.ts';

export interface QueryResult {
  columns: string[];
  rows: Array<Array<string | null>>;
}

/** How a running query is polled: 250 ms doubling to 5 s, without jitter (one poller, no crowd). */
const POLL: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 250, maxDelayMs: 5_000, random: NO_JITTER };

/** Thrown by a poll that found the query not finished yet, so that the retry loop polls again. */
class QueryStillRunning extends Error {
  readonly state: string | undefined;

  constructor(state: string | undefined) {
    super(`query still ${state}`);
    this.state = state;
  }
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
  const started = await client.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: workgroup,
      ...(options.database ? { QueryExecutionContext: { Database: options.database } } : {}),
    }),
  );
  const id = started.QueryExecutionId;
  if (!id) throw new AthenaQueryError('Athena returned no query execution id');

  const maxWaitMs = options.maxWaitMs ?? 600_000;
  let waited = 0;
  try {
    await withRetry(
      async () => {
        const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
        const state = QueryExecution?.Status?.State;
        if (state === 'FAILED' || state === 'CANCELLED') {
          throw new AthenaQueryError(`query ${id} ${state}: ${QueryExecution?.Status?.StateChangeReason ?? 'no reason given'}`);
        }
        if (state !== 'SUCCEEDED') throw new QueryStillRunning(state);
      },
      {
        ...POLL,
        ...(options.sleep ? { sleep: options.sleep } : {}),
        retryOn: (error) => error instanceof QueryStillRunning && waited < maxWaitMs,
        onRetry: (_error, _attempt, delayMs) => (waited += delayMs),
      },
    );
  } catch (error) {
    if (error instanceof QueryStillRunning) throw new AthenaQueryError(`query ${id} still ${error.state} after ${waited} ms`);
    throw error;
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
