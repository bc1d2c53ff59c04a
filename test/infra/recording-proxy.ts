import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a handler's SDK client made, with the status the real (embedded or fake) service answered. */
export interface ForwardedRequest {
  method: string;
  /** Path and query, as sent. */
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
  status: number;
}

export interface RecordingProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 that forwards every request to `target` unchanged and reports it,
 * with the answer's status, once the answer is back: point an SDK client's endpoint at it to see
 * exactly the calls a handler makes at the wire. `beforeForward` runs (and is awaited) before each
 * request goes on: a test changes the data there between a handler's read and its write.
 */
export function startRecordingProxy(
  target: URL,
  onRequest: (forwarded: ForwardedRequest) => void,
  beforeForward: (sent: Pick<ForwardedRequest, 'headers' | 'body'>) => Promise<void> = async () => undefined,
): Promise<RecordingProxy> {
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', async () => {
      const body = Buffer.concat(chunks);
      await beforeForward({ headers: incoming.headers, body });
      const forwarded = request(
        { host: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers: incoming.headers },
        (response) => {
          onRequest({
            method: incoming.method ?? 'GET',
            url: new URL(incoming.url ?? '/', 'http://proxy'),
            headers: incoming.headers,
            body,
            status: response.statusCode ?? 500,
          });
          outgoing.writeHead(response.statusCode ?? 500, response.headers);
          response.pipe(outgoing);
        },
      );
      forwarded.end(body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    ),
  );
}

/** `<table>:dynamodb:<Operation>` for each table a DynamoDB request names (`<table>/index/<index>` for an index Query). */
export function dynamoDbCalls({ headers, body }: ForwardedRequest, tableLabel: (tableName: string) => string = (name) => name): string[] {
  const operation = String(headers['x-amz-target'] ?? '').split('.').at(-1) ?? '';
  const parsed = JSON.parse(body.toString('utf8') || '{}') as { TableName?: string; IndexName?: string; RequestItems?: Record<string, unknown> };
  const tableNames = parsed.TableName ? [parsed.TableName] : Object.keys(parsed.RequestItems ?? {});
  return tableNames.map((name) => `${tableLabel(name)}${parsed.IndexName ? `/index/${parsed.IndexName}` : ''}:dynamodb:${operation}`);
}

/** Calls observed through the proxies, attributed to the function running when each was made. */
export class CallLog<Name extends string> {
  readonly observed = new Map<Name, Set<string>>();
  /** Calls made while no function was running: each one is a test bug. */
  readonly unattributed: string[] = [];
  private current: Name | undefined;

  record(call: string): void {
    if (this.current === undefined) this.unattributed.push(call);
    else this.observed.set(this.current, (this.observed.get(this.current) ?? new Set()).add(call));
  }

  /** Attributes every call made during `work` to `name`. */
  async during<T>(name: Name, work: () => Promise<T>): Promise<T> {
    this.current = name;
    try {
      return await work();
    } finally {
      this.current = undefined;
    }
  }
}
