/**
 * Meters DynamoDB request units the way DynamoDB bills them, for the benchmarks: an HTTP proxy in
 * front of the embedded server. Point the Lambdas' endpoint at it.
 * - GetItem, PutItem, UpdateItem, BatchGetItem, BatchWriteItem: the proxy asks for
 *   `ReturnConsumedCapacity: TOTAL` and reads what the server computed (1 KB per write unit, 4 KB
 *   per read unit, half for an eventually consistent read, larger of old and new item on a write).
 * - Scan: billed on the size of every item evaluated, returned or not, which the answer does not
 *   carry: `ScannedCount` × the average item size of the table (given at the end), per request
 *   rounded up to 4 KB, halved (eventually consistent).
 * - Query: the items returned (the pipeline's queries filter nothing), per request rounded up to 4 KB.
 * Index writes are not metered (the embedded server does not count them): the projection adds the
 * index of due leads' writes itself.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

type AttributeValue = { S?: string; N?: string; B?: string; BOOL?: boolean; NULL?: boolean; M?: Record<string, AttributeValue>; L?: AttributeValue[]; SS?: string[]; NS?: string[] };

/** An item's size as DynamoDB counts it: attribute names plus values (numbers ~1 byte per 2 digits + 1). */
export function dynamoItemBytes(item: Record<string, AttributeValue>): number {
  const valueBytes = (value: AttributeValue): number => {
    if (value.S !== undefined) return Buffer.byteLength(value.S);
    if (value.N !== undefined) return Math.ceil(value.N.replace(/[-.]/g, '').length / 2) + 1;
    if (value.B !== undefined) return Buffer.from(value.B, 'base64').byteLength;
    if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
    if (value.M) return 3 + Object.entries(value.M).reduce((sum, [name, nested]) => sum + Buffer.byteLength(name) + 1 + valueBytes(nested), 0);
    if (value.L) return 3 + value.L.reduce((sum, nested) => sum + 1 + valueBytes(nested), 0);
    if (value.SS) return value.SS.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    if (value.NS) return value.NS.reduce((sum, text) => sum + Math.ceil(text.length / 2) + 1, 0);
    return 0;
  };
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

export interface CapacityTotals {
  readUnits: number;
  writeUnits: number;
  /** Read units of Scan requests alone (what a sparse index of due leads replaces). */
  scanReadUnits: number;
  requests: number;
}

export interface CapacityMeter {
  url: string;
  /** Totals, Scan read units computed with each table's average item size. */
  totals(averageItemBytes: (tableName: string) => number): CapacityTotals;
  close(): Promise<void>;
}

const METERED_BY_SERVER = new Set(['GetItem', 'PutItem', 'UpdateItem', 'BatchGetItem', 'BatchWriteItem']);

export function startCapacityMeter(target: URL): Promise<CapacityMeter> {
  let serverUnits = { read: 0, write: 0 };
  let queryReadUnits = 0;
  let requests = 0;
  const scanned: Array<{ table: string; count: number }> = [];

  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const operation = String(incoming.headers['x-amz-target'] ?? '').split('.').at(-1) ?? '';
      let body = Buffer.concat(chunks);
      const parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      if (METERED_BY_SERVER.has(operation)) body = Buffer.from(JSON.stringify({ ...parsed, ReturnConsumedCapacity: 'TOTAL' }));
      const headers = { ...incoming.headers, 'content-length': String(body.byteLength) };
      const forwarded = request({ host: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers }, (response) => {
        const answer: Buffer[] = [];
        response.on('data', (chunk: Buffer) => answer.push(chunk));
        response.on('end', () => {
          const payload = Buffer.concat(answer);
          requests += 1;
          meter(operation, parsed, payload);
          outgoing.writeHead(response.statusCode ?? 500, { ...response.headers, 'content-length': String(payload.byteLength) });
          outgoing.end(payload);
        });
      });
      forwarded.end(body);
    });
  });

  function meter(operation: string, requestBody: Record<string, unknown>, payload: Buffer): void {
    const answer = JSON.parse(payload.toString('utf8') || '{}') as {
      ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }>;
      ScannedCount?: number;
      Items?: Array<Record<string, AttributeValue>>;
    };
    if (METERED_BY_SERVER.has(operation)) {
      const consumed = [answer.ConsumedCapacity ?? []].flat().reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
      if (operation.startsWith('Get') || operation === 'BatchGetItem') serverUnits.read += consumed;
      else serverUnits.write += consumed;
    } else if (operation === 'Scan') {
      scanned.push({ table: String(requestBody.TableName), count: answer.ScannedCount ?? 0 });
    } else if (operation === 'Query') {
      const bytes = (answer.Items ?? []).reduce((sum, item) => sum + dynamoItemBytes(item), 0);
      queryReadUnits += Math.max(1, Math.ceil(bytes / 4096)) * (requestBody.ConsistentRead ? 1 : 0.5);
    }
  }

  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        totals(averageItemBytes) {
          const scanReadUnits = scanned.reduce((sum, scan) => sum + Math.max(1, Math.ceil((scan.count * averageItemBytes(scan.table)) / 4096)) * 0.5, 0);
          return { readUnits: serverUnits.read + queryReadUnits + scanReadUnits, writeUnits: serverUnits.write, scanReadUnits, requests };
        },
        close: () => {
          serverUnits = { read: 0, write: 0 };
          return new Promise<void>((done) => server.close(() => done()));
        },
      }),
    ),
  );
}
