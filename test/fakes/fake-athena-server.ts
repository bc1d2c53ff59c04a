import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAthenaOptions {
  /** States GetQueryExecution reports, one per poll; the last repeats. */
  states: Array<'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED'>;
  reason?: string;
  columns: string[];
  rows: string[][];
  pageSize?: number;
}

/** Amazon Athena's JSON 1.1 wire protocol, just StartQueryExecution / GetQueryExecution / GetQueryResults. */
export async function startFakeAthenaServer(options: FakeAthenaOptions) {
  const received: Array<{ target: string; body: Record<string, unknown> }> = [];
  let polls = 0;
  const pageSize = options.pageSize ?? 2;
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '').replace('AmazonAthena.', '');
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      received.push({ target, body });
      const send = (payload: unknown) => {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(payload));
      };
      if (target === 'StartQueryExecution') return send({ QueryExecutionId: 'q-1' });
      if (target === 'GetQueryExecution') {
        const state = options.states[Math.min(polls++, options.states.length - 1)];
        return send({ QueryExecution: { QueryExecutionId: 'q-1', Status: { State: state, StateChangeReason: options.reason } } });
      }
      if (target === 'GetQueryResults') {
        const allRows = [options.columns, ...options.rows];
        const start = Number(body.NextToken ?? 0);
        const page = allRows.slice(start, start + pageSize);
        const next = start + pageSize < allRows.length ? String(start + pageSize) : undefined;
        return send({
          ResultSet: {
            Rows: page.map((row) => ({ Data: row.map((value) => ({ VarCharValue: value })) })),
            ResultSetMetadata: { ColumnInfo: options.columns.map((name) => ({ Name: name, Type: 'varchar' })) },
          },
          ...(next ? { NextToken: next } : {}),
        });
      }
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'InvalidRequestException' });
      response.end(JSON.stringify({ message: `unsupported ${target}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
