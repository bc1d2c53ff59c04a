import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { LocalStoreInUseError } from '#shared/errors/normflow-errors.ts';
import { createDynamoDbClients } from '#shared/stores/dynamodb-client.ts';
import { registerInProcessEndpoint } from '#shared/stores/in-process-endpoints.ts';
import { inProcessDynaliteTransport } from './in-process-dynalite.ts';

export interface EmbeddedDynamoDb {
  endpoint: string;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  /** Stops the server and, with a data directory, flushes and unlocks it. */
  close(): Promise<void>;
}

interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}

// The LevelDB binding dynalite itself uses (resolved from dynalite, so the versions always match).
const { Level } = createRequire(createRequire(import.meta.url).resolve('dynalite'))('level') as {
  Level: new (location: string) => LevelDatabase;
};

const isLockedError = (error: unknown): boolean =>
  error instanceof Error && (error.cause as { code?: unknown } | undefined)?.code === 'LEVEL_LOCKED';

/**
 * dynalite opens its LevelDB lazily and, when the directory is locked by another process, fails
 * later with an uncaught error that kills this process. So the lock is tested first by opening
 * the directory briefly ourselves (a start in the same few milliseconds can still slip through).
 */
async function assertDataDirFree(dataDir: string): Promise<void> {
  const probe = new Level(dataDir);
  try {
    await probe.open();
  } catch (error) {
    if (isLockedError(error)) throw new LocalStoreInUseError(`another normflow process is using ${dataDir}; wait for it to finish`, { cause: error });
    throw error;
  }
  await probe.close();
}

/**
 * A DynamoDB-compatible server in this process (dynalite), on a free port of 127.0.0.1: in
 * memory, or persisted in `dataDir`. Tables are ACTIVE as soon as they are created.
 */
export async function startEmbeddedDynamoDb(options: { dataDir?: string } = {}): Promise<EmbeddedDynamoDb> {
  const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    await assertDataDirFree(dataDir);
  }
  const server = dynalite({
    ...(dataDir === undefined ? {} : { path: dataDir }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  // Clients of this process reach the store without a socket; other processes (and proxies) over HTTP.
  const unregister = registerInProcessEndpoint(endpoint, inProcessDynaliteTransport(server));
  const { client, documentClient } = createDynamoDbClients({ endpoint, maxAttempts: 2 });

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    client,
    documentClient,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        unregister();
        client.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      return closing;
    },
  };
}
