import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureSourceTable } from '#infra/local/local-analytics.ts';
import { batchPutAll } from '#shared/stores/dynamodb-batches.ts';

/** A chatbot conversations table in the embedded server, filled with `items`. */
export async function createConversationsTable(
  client: DynamoDBClient,
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  items: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  await ensureSourceTable(client, tableName);
  await batchPutAll(documentClient, tableName, items);
}
