import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { InProcessTransport } from '#shared/stores/in-process-endpoints.ts';

/** What the SDK hands a request handler, as far as dynalite reads it. */
interface SdkHttpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * dynalite only checks that a request is signed, never the signature: an in-process request
 * carries a well-formed header naming no real key (the SDK's SigV4 signing is skipped).
 */
const IN_PROCESS_AUTHORIZATION = 'AWS4-HMAC-SHA256 Credential=local/20000101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=in-process';

const bodyBuffer = (body: unknown): Buffer => {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('in-process DynamoDB requests carry a string or bytes body');
};

/**
 * The SDK's transport to a dynalite server of this process without a socket: each request goes to
 * the server's own request listener (the very code an HTTP request reaches: validation, the
 * operation, the error bodies), its response comes back as the SDK would read it off the wire. Every
 * request is still serialized by the SDK and parsed by dynalite, so what the stores send and get is
 * what they send and get over HTTP; what goes is the TCP round trip, HTTP parsing and SigV4 signing,
 * most of the cost of a local request.
 */
export function inProcessDynaliteTransport(server: Server): InProcessTransport {
  const listener = server.listeners('request')[0] as ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  if (!listener) throw new Error('the dynalite server has no request listener');
  return {
    signer: { sign: async (request) => request },
    requestHandler: {
      handle: (request: SdkHttpRequest) =>
        new Promise((resolve, reject) => {
          const headers: Record<string, string> = { authorization: IN_PROCESS_AUTHORIZATION, 'x-amz-date': '20000101T000000Z' };
          for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
          const req = Object.assign(new EventEmitter(), { method: request.method, url: request.path || '/', headers });
          const responseHeaders: Record<string, string> = {};
          const res = {
            statusCode: 200,
            setHeader(name: string, value: string | number) {
              responseHeaders[name.toLowerCase()] = String(value);
            },
            end(body?: string | Buffer) {
              const bytes = body === undefined ? new Uint8Array() : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
              resolve({ response: { statusCode: res.statusCode, headers: responseHeaders, body: bytes } });
            },
          };
          try {
            listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
            const body = bodyBuffer(request.body);
            if (body.byteLength > 0) req.emit('data', body);
            req.emit('end');
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        }),
    } as InProcessTransport['requestHandler'],
  };
}
