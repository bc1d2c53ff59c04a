import type { LocalEnvironment } from '#infra/local/local-runtime.ts';
import { createDynamoDbConfigStore } from '#shared/stores/dynamodb-config-store.ts';
import { createDynamoDbDecisionStore } from '#shared/stores/dynamodb-decision-store.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { createDynamoDbValueCache } from '#shared/stores/dynamodb-value-cache.ts';
import { TABLE_DEFINITIONS, type TableLogicalName } from '#shared/stores/table-definitions.ts';

/** The local tables as stores, for the commands that read, seed, review or erase them directly. */
export function localStores(local: LocalEnvironment) {
  const client = local.db.documentClient;
  const tableName = (name: TableLogicalName): string => local.env[TABLE_DEFINITIONS[name].tableNameEnvVar] ?? '';
  return {
    leads: createDynamoDbLeadStore({ client, tableName: tableName('leads') }),
    runs: createDynamoDbRunStore({ client, tableName: tableName('runs') }),
    config: createDynamoDbConfigStore({ client, tableName: tableName('config') }),
    decisions: createDynamoDbDecisionStore({ client, tableName: tableName('decisions') }),
    valueCache: createDynamoDbValueCache({ client, tableName: tableName('valueCache') }),
  };
}
