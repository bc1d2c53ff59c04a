import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ObjectStore } from './object-store.ts';

export interface S3ObjectStoreOptions {
  client: S3Client;
  bucket: string;
  /** Bytes per multipart part (S3's minimum, 5 MiB, by default); a smaller file goes in one PUT. */
  partSize?: number;
}

const isNoSuchKey = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound');

/** The analytics bucket on S3: files stream both ways (multipart upload, streamed download). */
export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
  const { client, bucket } = options;

  async function getBody(key: string) {
    try {
      const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return output.Body;
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw error;
    }
  }

  return {
    async putFile(key, localPath, contentType) {
      await new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: createReadStream(localPath), ...(contentType ? { ContentType: contentType } : {}) },
        ...(options.partSize === undefined ? {} : { partSize: options.partSize }),
        queueSize: 2,
        leavePartsOnError: false,
      }).done();
    },
    async getFile(key, localPath) {
      const body = await getBody(key);
      if (body === undefined) return false;
      await mkdir(dirname(localPath), { recursive: true });
      await pipeline(body as Readable, createWriteStream(localPath));
      return true;
    },
    async putText(key, text, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: contentType ?? 'text/plain; charset=utf-8' }),
      );
    },
    async getText(key) {
      const body = await getBody(key);
      return body === undefined ? undefined : body.transformToString('utf8');
    },
    async list(prefix) {
      const keys: string[] = [];
      let continuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(continuationToken ? { ContinuationToken: continuationToken } : {}),
          }),
        );
        for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (continuationToken);
      return keys.sort();
    },
    locationOf: (key) => `s3://${bucket}/${key}`,
  };
}
