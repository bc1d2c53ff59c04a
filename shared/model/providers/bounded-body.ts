import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * A model answer is read up to a byte cap and no further: a server that never stops answering (or
 * answers gigabytes) is cut off at the cap instead of growing the process until the time-out.
 */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLarge';
  readonly bytesRead: number;

  constructor(maxBytes: number, bytesRead: number) {
    super(`the answer passed ${maxBytes} bytes and was cut off`);
    this.bytesRead = bytesRead;
  }
}

export function findResponseTooLarge(error: unknown): ResponseTooLargeError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    if (current instanceof ResponseTooLargeError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The body of a fetch response as text, at most `maxBytes`; the stream is cancelled (connection closed) past it. */
export async function readBoundedText(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(maxBytes, 0);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(maxBytes, total);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/** A pass-through that fails with ResponseTooLargeError once more than `maxBytes` went through. */
function byteCap(maxBytes: number): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      total += chunk.byteLength;
      if (total > maxBytes) callback(new ResponseTooLargeError(maxBytes, total));
      else callback(null, chunk);
    },
  });
}

/**
 * The SDK's HTTP handler with every response body capped: the SDK collects the whole body before
 * parsing it, so the cap must sit below it, on the socket's stream.
 */
export class BoundedNodeHttpHandler extends NodeHttpHandler {
  readonly #maxBytes: number;

  constructor(options: ConstructorParameters<typeof NodeHttpHandler>[0] & { maxResponseBytes: number }) {
    const { maxResponseBytes, ...handlerOptions } = options as { maxResponseBytes: number } & Record<string, unknown>;
    super(handlerOptions);
    this.#maxBytes = maxResponseBytes;
  }

  override async handle(...args: Parameters<NodeHttpHandler['handle']>): ReturnType<NodeHttpHandler['handle']> {
    const output = await super.handle(...args);
    const body = output.response.body as Readable | undefined;
    if (body && typeof body.pipe === 'function') {
      const declared = Number(output.response.headers['content-length']);
      if (Number.isFinite(declared) && declared > this.#maxBytes) {
        body.destroy();
        throw new ResponseTooLargeError(this.#maxBytes, 0);
      }
      const capped = byteCap(this.#maxBytes);
      // The socket is closed as soon as the cap is passed (or the reader gives up).
      capped.once('error', () => body.destroy());
      body.once('error', (error) => capped.destroy(error));
      output.response.body = body.pipe(capped);
    }
    return output;
  }
}
