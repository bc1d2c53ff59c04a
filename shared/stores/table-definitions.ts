import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
  KeySchemaElement,
} from '@aws-sdk/client-dynamodb';

/**
 * The one description of normflow's DynamoDB tables: the CDK stacks build them from it on AWS,
 * and the local runtime creates them from it in the embedded server, so both always agree.
 */

export type TableLogicalName = 'leads' | 'config' | 'runs' | 'valueCache' | 'decisions';

export interface SecondaryIndexDefinition {
  readonly indexName: string;
  readonly keySchema: readonly KeySchemaElement[];
}

export interface TableDefinition {
  readonly logicalName: TableLogicalName;
  /** Environment variable that holds the physical table name. */
  readonly tableNameEnvVar: string;
  readonly keySchema: readonly KeySchemaElement[];
  /** Only key attributes (of the table and its indexes), as DynamoDB requires. */
  readonly attributeDefinitions: readonly AttributeDefinition[];
  /** Every index projects all attributes. */
  readonly globalSecondaryIndexes?: readonly SecondaryIndexDefinition[];
  /** Number attribute holding an expiry in epoch seconds. */
  readonly timeToLiveAttribute?: string;
}

export const LEADS_TABLE: TableDefinition = {
  logicalName: 'leads',
  tableNameEnvVar: 'LEADS_TABLE',
  keySchema: [{ AttributeName: 'leadId', KeyType: 'HASH' }],
  attributeDefinitions: [{ AttributeName: 'leadId', AttributeType: 'S' }],
};

export const CONFIG_TABLE: TableDefinition = {
  logicalName: 'config',
  tableNameEnvVar: 'CONFIG_TABLE',
  keySchema: [{ AttributeName: 'configId', KeyType: 'HASH' }],
  attributeDefinitions: [{ AttributeName: 'configId', AttributeType: 'S' }],
};

/** Sparse index over run records only: one fixed partition, sorted by start time. */
export const RUNS_BY_START_INDEX = 'runsByStart';

/**
 * One table for everything a run keeps, told apart by `pk`/`sk`:
 * - lock:          pk `LOCK#<name>`   sk `LOCK`
 * - run record:    pk `RUN#<runId>`   sk `RUN`         (+ runIndexPk `RUNS`, runIndexSk `<startedAt>#<runId>`)
 * - batch lead ids pk `RUN#<runId>`   sk `BATCH#<index, zero-padded>`
 * - batch result:  pk `RUN#<runId>`   sk `RESULT#<index, zero-padded>`
 * - batch data:    pk `RUN#<runId>`   sk `DATA#<index, zero-padded>#<answers|normalized>` (gzipped JSON)
 * - model call:    pk `RUN#<runId>`   sk `IDEMPOTENCY#<index>` (in progress / completed with its result)
 * - batch spend:   pk `RUN#<runId>`   sk `USAGE#<index>`  (calls, tokens, cost, added per attempt)
 * Working data (BATCH#, DATA#, IDEMPOTENCY#, USAGE#) carries `expiresAt` (epoch seconds, the
 * table's TTL): Report deletes it, the TTL removes what a dead run left. Run records, batch results
 * (counts only) and the lock (whose `expiresAt` is an ISO string, which TTL ignores) stay.
 * A run's results come back in batch order from one Query on its partition; only run records
 * carry the index attributes, so the index lists runs latest first without scanning batches.
 */
export const RUNS_TABLE: TableDefinition = {
  logicalName: 'runs',
  tableNameEnvVar: 'RUNS_TABLE',
  keySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  attributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'runIndexPk', AttributeType: 'S' },
    { AttributeName: 'runIndexSk', AttributeType: 'S' },
  ],
  globalSecondaryIndexes: [
    {
      indexName: RUNS_BY_START_INDEX,
      keySchema: [
        { AttributeName: 'runIndexPk', KeyType: 'HASH' },
        { AttributeName: 'runIndexSk', KeyType: 'RANGE' },
      ],
    },
  ],
  timeToLiveAttribute: 'expiresAt',
};

export const VALUE_CACHE_TABLE: TableDefinition = {
  logicalName: 'valueCache',
  tableNameEnvVar: 'VALUE_CACHE_TABLE',
  keySchema: [{ AttributeName: 'cacheKey', KeyType: 'HASH' }],
  attributeDefinitions: [{ AttributeName: 'cacheKey', AttributeType: 'S' }],
  timeToLiveAttribute: 'expiresAt',
};

/**
 * A data steward's value-level decisions: `decisionKey` is `<field kind>|<folded input>` (see
 * `shared/engine/steward-decisions.ts`); the pipeline reads them by key, the CLI writes them.
 */
export const DECISIONS_TABLE: TableDefinition = {
  logicalName: 'decisions',
  tableNameEnvVar: 'DECISIONS_TABLE',
  keySchema: [{ AttributeName: 'decisionKey', KeyType: 'HASH' }],
  attributeDefinitions: [{ AttributeName: 'decisionKey', AttributeType: 'S' }],
};

export const TABLE_DEFINITIONS: Readonly<Record<TableLogicalName, TableDefinition>> = {
  leads: LEADS_TABLE,
  config: CONFIG_TABLE,
  runs: RUNS_TABLE,
  valueCache: VALUE_CACHE_TABLE,
  decisions: DECISIONS_TABLE,
};

export function createTableInput(definition: TableDefinition, tableName: string): CreateTableCommandInput {
  const indexes: GlobalSecondaryIndex[] | undefined = definition.globalSecondaryIndexes?.map((index) => ({
    IndexName: index.indexName,
    KeySchema: index.keySchema.map((key) => ({ ...key })),
    Projection: { ProjectionType: 'ALL' },
  }));
  return {
    TableName: tableName,
    KeySchema: definition.keySchema.map((key) => ({ ...key })),
    AttributeDefinitions: definition.attributeDefinitions.map((attribute) => ({ ...attribute })),
    BillingMode: 'PAY_PER_REQUEST',
    ...(indexes ? { GlobalSecondaryIndexes: indexes } : {}),
  };
}
