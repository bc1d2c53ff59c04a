/**
 * The analytics bucket: S3 on AWS, a folder locally. Files move whole between a local path and a
 * key (Lambdas write to /tmp first and upload in a stream), so no file is ever held in memory.
 */
export interface ObjectStore {
  /** Uploads (streams) a local file to `key`. */
  putFile(key: string, localPath: string, contentType?: string): Promise<void>;
  /** Downloads `key` to a local file; false when it does not exist. */
  getFile(key: string, localPath: string): Promise<boolean>;
  putText(key: string, text: string, contentType?: string): Promise<void>;
  getText(key: string): Promise<string | undefined>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Where `key` lives for a SQL engine: an `s3://` URI or an absolute local path. */
  locationOf(key: string): string;
}
