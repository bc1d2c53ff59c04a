import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { foldedDecisionKey, type StewardValue } from '#shared/engine/steward-decisions.ts';
import { FIELD_KINDS, type CityCode, type FieldKind } from '#shared/rules/rule-result.ts';
import { batchGetAll } from './dynamodb-batches.ts';
import type { RetryPolicy } from '#shared/retry/retry-with-backoff.ts';
import { scanPages } from './dynamodb-table-pages.ts';
import type { DecisionStore, StewardDecision } from './store-ports.ts';

export interface DynamoDbDecisionStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  unprocessedRetry?: RetryPolicy;
}

function decisionFromItem(item: Record<string, unknown>): StewardDecision | undefined {
  const { kind, foldedInput, input, value, city, field, decidedAt, decidedBy } = item;
  if (!(FIELD_KINDS as readonly unknown[]).includes(kind) || typeof foldedInput !== 'string' || !(typeof value === 'string' || value === null)) {
    return undefined;
  }
  return {
    kind: kind as FieldKind,
    foldedInput,
    input: String(input ?? foldedInput),
    value,
    ...(city ? { city: city as CityCode } : {}),
    field: String(field ?? ''),
    decidedAt: String(decidedAt ?? ''),
    ...(typeof decidedBy === 'string' ? { decidedBy } : {}),
  };
}

/** The decisions table: the pipeline only reads it by key (BatchGetItem), the CLI writes it. */
export function createDynamoDbDecisionStore(options: DynamoDbDecisionStoreOptions): DecisionStore {
  const { client, tableName, unprocessedRetry } = options;
  const retry = unprocessedRetry ? { retry: unprocessedRetry } : {};
  return {
    async lookup(keys: readonly string[]): Promise<Map<string, StewardValue>> {
      const found = new Map<string, StewardValue>();
      if (keys.length === 0) return found;
      for (const item of await batchGetAll(client, tableName, [...new Set(keys)].map((decisionKey) => ({ decisionKey })), retry)) {
        const decision = decisionFromItem(item);
        if (decision) found.set(String(item.decisionKey), { value: decision.value, ...(decision.city ? { city: decision.city } : {}) });
      }
      return found;
    },

    async put(decision: StewardDecision): Promise<void> {
      await client.send(
        new PutCommand({ TableName: tableName, Item: { decisionKey: foldedDecisionKey(decision.kind, decision.foldedInput), ...decision } }),
      );
    },

    async remove(kind: FieldKind, foldedInput: string): Promise<StewardDecision | undefined> {
      const output = await client.send(
        new DeleteCommand({ TableName: tableName, Key: { decisionKey: foldedDecisionKey(kind, foldedInput) }, ReturnValues: 'ALL_OLD' }),
      );
      return output.Attributes ? decisionFromItem(output.Attributes) : undefined;
    },

    async list(): Promise<StewardDecision[]> {
      const decisions: StewardDecision[] = [];
      for await (const page of scanPages({ client, tableName })) {
        for (const item of page) {
          const decision = decisionFromItem(item);
          if (decision) decisions.push(decision);
        }
      }
      return decisions.sort((a, b) => a.decidedAt.localeCompare(b.decidedAt) || a.foldedInput.localeCompare(b.foldedInput));
    },
  };
}
