import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { InProcessDynamoDb } from '#shared/stores/in-process-endpoints.ts';
import { base64Of, withLeavesReplaced } from './json-forms.ts';
import { EngineError } from './engine-errors.ts';

/**
 * The engine over DynamoDB's HTTP protocol (JSON 1.0, `X-Amz-Target: DynamoDB_20120810.<Operation>`),
 * for what reaches the store from outside this process: Lambda bundles run as child processes in
 * tests, a recording or metering proxy. Byte values travel base64-encoded and dates as epoch
 * seconds, as on the wire to AWS; signatures are not checked (the server listens on loopback only).
 */
const isBase64Value = (value: unknown): value is { B: string } =>
  value !== null && typeof value === 'object' && typeof (value as { B?: unknown }).B === 'string' && Object.keys(value).length === 1;

const isBase64Set = (value: unknown): value is { BS: string[] } =>
  value !== null && typeof value === 'object' && Array.isArray((value as { BS?: unknown }).BS) && Object.keys(value).length === 1;

/** The request with its base64 byte values decoded, as the SDK would hand them over. */
function decodeBytes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeBytes);
  if (value === null || typeof value !== 'object') return value;
  if (isBase64Value(value)) return { B: new Uint8Array(Buffer.from(value.B, 'base64')) };
  if (isBase64Set(value)) return { BS: value.BS.map((member) => new Uint8Array(Buffer.from(member, 'base64'))) };
  return Object.fromEntries(Object.entries(value).map(([name, member]) => [name, decodeBytes(member)]));
}

/** The answer as the wire carries it: bytes base64-encoded, dates in epoch seconds. */
const onTheWire = (value: unknown): unknown =>
  withLeavesReplaced(value, (leaf) => (leaf instanceof Uint8Array ? base64Of(leaf) : leaf instanceof Date ? leaf.getTime() / 1000 : undefined));

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const ERROR_NAMESPACE: Readonly<Record<string, string>> = {
  ValidationException: 'com.amazon.coral.validate',
  UnknownOperationException: 'com.amazon.coral.service',
  SerializationException: 'com.amazon.coral.service',
};

/** The request body as JSON: one that is not is the client's error (400, as DynamoDB answers), not a server error the SDK would retry. */
function parseBody(text: string): unknown {
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new EngineError('SerializationException', 'The request body is not valid JSON');
  }
}

export function serveOverHttp(engine: InProcessDynamoDb): Server {
  return createServer((request, response) => {
    void (async () => {
      const send = (status: number, body: unknown) => {
        // A body of known length, as DynamoDB answers (a proxy in front may forward it as it is).
        const text = Buffer.from(JSON.stringify(onTheWire(body)), 'utf8');
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': text.length, 'x-amzn-requestid': 'embedded' });
        response.end(text);
      };
      try {
        const target = String(request.headers['x-amz-target'] ?? '');
        const operation = target.slice(target.indexOf('.') + 1);
        const text = await bodyOf(request);
        if (operation === '') throw new EngineError('UnknownOperationException', 'The request names no operation (its X-Amz-Target header is missing)');
        const input = decodeBytes(parseBody(text)) as Record<string, unknown>;
        send(200, engine.handle(operation, input));
      } catch (error) {
        const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'InternalServerError';
        const namespace = ERROR_NAMESPACE[code] ?? 'com.amazonaws.dynamodb.v20120810';
        const item = (error as { item?: unknown }).item;
        send(code === 'InternalServerError' ? 500 : 400, { __type: `${namespace}#${code}`, message: error instanceof Error ? error.message : String(error), ...(item ? { Item: item } : {}) });
      }
    })();
  });
}
