/**
 * A tiny S3 on 127.0.0.1 for the real `@aws-sdk/client-s3` (path-style, `forcePathStyle: true`):
 * PutObject, GetObject, HeadObject, ListObjectsV2 (paged) and multipart upload, objects in memory.
 * Bodies arrive whole (`Upload` sends buffered parts), so `aws-chunked` streaming is not decoded.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeS3Object {
  body: Buffer;
  contentType: string | undefined;
}

export interface FakeS3Server {
  url: string;
  /** `bucket/key` → object. */
  objects: Map<string, FakeS3Object>;
  /** Operations served, in order (`PutObject`, `UploadPart`, `ListObjectsV2` …). */
  operations: string[];
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const escapeXml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const etagOf = (body: Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;

function sendXml(response: ServerResponse, status: number, xml: string, headers: Record<string, string> = {}): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  response.writeHead(status, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)), ...headers });
  response.end(body);
}

const sendError = (response: ServerResponse, status: number, code: string, method: string | undefined) => {
  if (method === 'HEAD') {
    response.writeHead(status).end();
    return;
  }
  sendXml(response, status, `<Error><Code>${code}</Code><Message>${code}</Message><RequestId>${randomUUID()}</RequestId></Error>`);
};

export async function startFakeS3Server(options: { buckets: string[]; listPageSize?: number }): Promise<FakeS3Server> {
  const objects = new Map<string, FakeS3Object>();
  const uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
  const operations: string[] = [];
  const buckets = new Set(options.buckets);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const [, bucket = '', ...keyParts] = url.pathname.split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    const query = url.searchParams;
    const method = request.method;
    if (!buckets.has(bucket)) return sendError(response, 404, 'NoSuchBucket', method);
    const body = await readBody(request);
    const objectId = `${bucket}/${key}`;

    if (method === 'GET' && key === '' && query.get('list-type') === '2') {
      operations.push('ListObjectsV2');
      const prefix = query.get('prefix') ?? '';
      const pageSize = Math.min(Number(query.get('max-keys') ?? 1000), options.listPageSize ?? 1000);
      const matching = [...objects.keys()]
        .filter((id) => id.startsWith(`${bucket}/${prefix}`))
        .map((id) => id.slice(bucket.length + 1))
        .sort();
      const after = query.get('continuation-token');
      const start = after === null ? 0 : matching.findIndex((candidate) => candidate > Buffer.from(after, 'base64url').toString());
      const page = start < 0 ? [] : matching.slice(start, start + pageSize);
      const truncated = start >= 0 && start + pageSize < matching.length;
      const contents = page
        .map((objectKey) => `<Contents><Key>${escapeXml(objectKey)}</Key><Size>${objects.get(`${bucket}/${objectKey}`)?.body.length ?? 0}</Size></Contents>`)
        .join('');
      const next = truncated ? `<NextContinuationToken>${Buffer.from(page.at(-1) ?? '').toString('base64url')}</NextContinuationToken>` : '';
      return sendXml(
        response,
        200,
        `<ListBucketResult><Name>${bucket}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${pageSize}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`,
      );
    }
    if (method === 'PUT' && query.has('uploadId')) {
      operations.push('UploadPart');
      const upload = uploads.get(query.get('uploadId') ?? '');
      if (!upload) return sendError(response, 404, 'NoSuchUpload', method);
      upload.parts.set(Number(query.get('partNumber')), body);
      response.writeHead(200, { etag: etagOf(body) }).end();
      return;
    }
    if (method === 'PUT') {
      operations.push('PutObject');
      objects.set(objectId, { body, contentType: request.headers['content-type'] });
      response.writeHead(200, { etag: etagOf(body) }).end();
      return;
    }
    if (method === 'POST' && query.has('uploads')) {
      operations.push('CreateMultipartUpload');
      const uploadId = randomUUID();
      uploads.set(uploadId, { key, parts: new Map() });
      return sendXml(response, 200, `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`);
    }
    if (method === 'POST' && query.has('uploadId')) {
      operations.push('CompleteMultipartUpload');
      const uploadId = query.get('uploadId') ?? '';
      const upload = uploads.get(uploadId);
      if (!upload) return sendError(response, 404, 'NoSuchUpload', method);
      const numbers = [...body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((match) => Number(match[1]));
      const joined = Buffer.concat(numbers.map((number) => upload.parts.get(number) ?? Buffer.alloc(0)));
      objects.set(objectId, { body: joined, contentType: undefined });
      uploads.delete(uploadId);
      return sendXml(response, 200, `<CompleteMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${escapeXml(key)}</Key><ETag>${etagOf(joined)}</ETag></CompleteMultipartUploadResult>`);
    }
    if (method === 'DELETE' && query.has('uploadId')) {
      operations.push('AbortMultipartUpload');
      uploads.delete(query.get('uploadId') ?? '');
      response.writeHead(204).end();
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      operations.push(method === 'GET' ? 'GetObject' : 'HeadObject');
      const object = objects.get(objectId);
      if (!object) return sendError(response, 404, 'NoSuchKey', method);
      response.writeHead(200, {
        'content-length': String(object.body.length),
        'content-type': object.contentType ?? 'application/octet-stream',
        etag: etagOf(object.body),
      });
      response.end(method === 'GET' ? object.body : undefined);
      return;
    }
    sendError(response, 405, 'MethodNotAllowed', method);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => sendError(response, 500, 'InternalError', request.method));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    operations,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
