import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAnalyticsConfig } from '#shared/analytics/analytics-config.ts';
import { exportConversations } from '#shared/analytics/conversation-export.ts';
import { convertToParquet } from '#shared/analytics/parquet-conversion.ts';
import { createS3ObjectStore } from '#shared/stores/s3-object-store.ts';
import { startFakeS3Server, type FakeS3Server } from '#test/fakes/fake-s3-server.ts';
import { conversation, inPages, register } from './conversation-items.ts';

const BUCKET = 'analytics-test';
let fake: FakeS3Server;
let client: S3Client;
let folder: string;

beforeAll(async () => {
  fake = await startFakeS3Server({ buckets: [BUCKET], listPageSize: 2 });
  client = new S3Client({
    endpoint: fake.url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  folder = await mkdtemp(join(tmpdir(), 's3-object-store-'));
});
afterAll(async () => {
  client.destroy();
  await fake.close();
  await rm(folder, { recursive: true, force: true });
});
beforeEach(() => {
  fake.objects.clear();
  fake.operations.length = 0;
});

const store = () => createS3ObjectStore({ client, bucket: BUCKET });

describe('S3 object store (against a local fake S3)', () => {
  it('uploads a small file in one PUT and downloads it to a file, byte for byte', async () => {
    const source = join(folder, 'small.csv');
    const content = 'usuario_id,pregunta\r\nu1,"Opción A | ""B"""\r\n';
    await writeFile(source, content);
    await store().putFile('conversations/users/dt=2025-02-01/users.csv', source, 'text/csv; charset=utf-8');
    expect(fake.operations).toEqual(['PutObject']);
    expect(fake.objects.get(`${BUCKET}/conversations/users/dt=2025-02-01/users.csv`)?.contentType).toBe('text/csv; charset=utf-8');

    const target = join(folder, 'nested', 'down.csv');
    expect(await store().getFile('conversations/users/dt=2025-02-01/users.csv', target)).toBe(true);
    expect(await readFile(target, 'utf8')).toBe(content);
  });

  it('uploads a file bigger than a part as a multipart upload', async () => {
    const source = join(folder, 'big.bin');
    const content = randomBytes(11 * 1024 * 1024);
    await writeFile(source, content);
    await store().putFile('big/part-0.parquet', source);
    expect(fake.operations.filter((operation) => operation === 'UploadPart')).toHaveLength(3);
    expect(fake.operations).toContain('CreateMultipartUpload');
    expect(fake.operations).toContain('CompleteMultipartUpload');
    expect(fake.objects.get(`${BUCKET}/big/part-0.parquet`)?.body.equals(content)).toBe(true);
  });

  it('reports a missing key as false / undefined, not an error', async () => {
    expect(await store().getFile('missing.csv', join(folder, 'missing.csv'))).toBe(false);
    expect(await store().getText('missing.csv')).toBeUndefined();
  });

  it('puts and gets text (UTF-8)', async () => {
    await store().putText('notes/ñandú.txt', 'año | "comillas"\n👍');
    expect(await store().getText('notes/ñandú.txt')).toBe('año | "comillas"\n👍');
  });

  it('lists every key under a prefix across pages, sorted', async () => {
    const keys = ['p/b.csv', 'p/a.csv', 'p/dt=2025-01-02/x.csv', 'p/dt=2025-01-01/x.csv', 'p/c.csv', 'other/z.csv'];
    for (const key of keys) await store().putText(key, key);
    expect(await store().list('p/')).toEqual(['p/a.csv', 'p/b.csv', 'p/c.csv', 'p/dt=2025-01-01/x.csv', 'p/dt=2025-01-02/x.csv']);
    expect(fake.operations.filter((operation) => operation === 'ListObjectsV2')).toHaveLength(3);
    expect(await store().list('none/')).toEqual([]);
  });

  it('locates keys as s3:// URIs', () => {
    expect(store().locationOf('conversations/parquet/users/dt=2025-02-01/part-0.parquet')).toBe(
      's3://analytics-test/conversations/parquet/users/dt=2025-02-01/part-0.parquet',
    );
  });

  it('carries a whole export and conversion through the bucket', async () => {
    const user = 'a0000000-0000-4000-a000-000000000001';
    const items = [
      register(user, '2025-01-01T00:00:00.000Z', { nombre: 'Ana', ciudad: 'Cali' }),
      conversation(user, '2025-01-02T10:00:00.000Z', [['user', 'hola | qué tal'], ['bot', 'bien']]),
    ];
    const config = parseAnalyticsConfig({});
    await exportConversations({ pages: inPages(items, 1), config, runDate: '2025-02-01', store: store(), workDir: folder });
    const summary = await convertToParquet({ config, runDate: '2025-02-01', store: store(), workDir: folder });
    expect(summary.rows).toEqual({ exchanges: 1, users: 1 });
    expect(await store().list('conversations/')).toEqual([
      'conversations/exchanges/dt=2025-02-01/exchanges.csv',
      'conversations/parquet/exchanges/dt=2025-02-01/part-0.parquet',
      'conversations/parquet/users/dt=2025-02-01/part-0.parquet',
      'conversations/users/dt=2025-02-01/users.csv',
    ]);
    expect(fake.objects.get(`${BUCKET}/conversations/parquet/users/dt=2025-02-01/part-0.parquet`)?.body.subarray(0, 4).toString()).toBe('PAR1');
  });
});
