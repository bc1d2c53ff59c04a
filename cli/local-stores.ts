import type { LocalEnvironment } from '#infra/local/local-runtime.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { createDynamoDbConfigStore } from '#shared/stores/dynamodb-config-store.ts';
import { createDynamoDbDecisionStore } from '#shared/stores/dynamodb-decision-store.ts';

/** The local tables as stores, for the commands that read or seed them directly. */
export function localStores(local: LocalEnvironment) {
  const client = local.db.documentClient;
  return {
    leads: createDynamoDbLeadStore({ client, tableName: local.env.LEADS_TABLE ?? '' }),
    runs: createDynamoDbRunStore({ client, tableName: local.env.RUNS_TABLE ?? '' }),
    config: createDynamoDbConfigStore({ client, tableName: local.env.CONFIG_TABLE ?? '' }),
    decisions: createDynamoDbDecisionStore({ client, tableName: local.env.DECISIONS_TABLE ?? '' }),
  };
}
