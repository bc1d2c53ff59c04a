import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createDynamoDbClients } from '#shared/stores/dynamodb-client.ts';
import { registerInProcessEndpoint, type InProcessDynamoDb } from '#shared/stores/in-process-endpoints.ts';
import { migrateDynaliteStore } from './dynalite-store-migration.ts';
import { DynamoDbEngine } from './dynamodb-engine/dynamodb-engine.ts';
import { serveOverHttp } from './dynamodb-engine/http-front.ts';
import { openStoreJournal, type StoreJournal } from './dynamodb-engine/store-journal.ts';

export interface EmbeddedDynamoDb {
  endpoint: string;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  /** Items copied from a store of an earlier version (`migrateFrom`) when this one was opened. */
  migratedItems: number | undefined;
  /** Stops the server and, with a data directory, writes what is pending and unlocks it. */
  close(): Promise<void>;
}

export interface EmbeddedDynamoDbOptions {
  /** Where the tables are kept between processes; in memory only without it. */
  dataDir?: string;
  /** A store written by an earlier normflow (dynalite's LevelDB), copied in when `dataDir` holds nothing yet. */
  migrateFrom?: string;
}

/**
 * normflow's embedded DynamoDB (dynamodb-engine/): in this process, in memory, kept in `dataDir`
 * by a journal of changes. Clients of this process reach it without a socket or serialization;
 * other processes (Lambda bundles in tests, proxies) over HTTP on a free port of 127.0.0.1.
 */
export async function startEmbeddedDynamoDb(options: EmbeddedDynamoDbOptions = {}): Promise<EmbeddedDynamoDb> {
  const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
  let journal: StoreJournal | undefined;
  const engine = new DynamoDbEngine((change) => journal?.record(change));
  let migratedItems: number | undefined;
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    let empty = true;
    const opened = await openStoreJournal(dataDir, (change) => {
      empty = false;
      engine.replay(change);
    });
    if (empty && options.migrateFrom !== undefined) {
      try {
        // Copied with the journal detached, then written to it as one snapshot: a copy cut short (an
        // error, Ctrl-C) leaves the journal empty, so the next start copies again instead of keeping part.
        migratedItems = await migrateDynaliteStore(path.resolve(options.migrateFrom), engine, path.join(dataDir, 'migrating'));
        if (migratedItems !== undefined) opened.rewrite(engine.snapshot());
      } catch (error) {
        opened.close(() => [], 0);
        throw error;
      }
    }
    journal = opened;
  }
  let closed = false;
  // Clients made before close() keep this store (in-process endpoints): after it they are refused,
  // rather than change tables no journal keeps any more.
  const served: InProcessDynamoDb = {
    handle(operation, input) {
      if (closed) throw new Error(`the embedded DynamoDB${dataDir === undefined ? '' : ` of ${dataDir}`} is closed`);
      return engine.handle(operation, input);
    },
  };
  const server = serveOverHttp(served);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const unregister = registerInProcessEndpoint(endpoint, served);
  const { client, documentClient } = createDynamoDbClients({ endpoint, maxAttempts: 2 });

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    client,
    documentClient,
    migratedItems,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        closed = true;
        unregister();
        client.destroy();
        server.closeAllConnections();
        server.close((error) => {
          try {
            journal?.close(() => engine.snapshot(), engine.storedBytes());
          } catch (closeError) {
            reject(closeError instanceof Error ? closeError : new Error(String(closeError)));
            return;
          }
          if (error) reject(error);
          else resolve();
        });
      });
      return closing;
    },
  };
}
