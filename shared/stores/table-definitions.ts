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
  /** What the index carries besides its keys: every attribute (the default) or the keys only. */
  readonly projection?: 'ALL' | 'KEYS_ONLY';
}

export interface TableDefinition {
  readonly logicalName: TableLogicalName;
  /** Environment variable that holds the physical table name. */
  readonly tableNameEnvVar: string;
  readonly keySchema: readonly KeySchemaElement[];
  /** Only key attributes (of the table and its indexes), as DynamoDB requires. */
  readonly attributeDefinitions: readonly AttributeDefinition[];
  readonly globalSecondaryIndexes?: readonly SecondaryIndexDefinition[];
  /** Number attribute holding an expiry in epoch seconds. */
  readonly timeToLiveAttribute?: string;
}

/** Sparse index of the leads a scheduled run will find due: only leads normalization stamped. */
export const DUE_LEADS_INDEX = 'dueLeads';

/**
 * The leads, keyed by `leadId`. Normalization stamps each lead it writes with `dueShard` (a hash of
 * the id) and `dueAt` (when it is due again), and removes them from a poisoned lead: the index of
 * due leads holds only those, keys only, so a night reads what is due, not the table.
 */
export const LEADS_TABLE: TableDefinition = {
  logicalName: 'leads',
  tableNameEnvVar: 'LEADS_TABLE',
  keySchema: [{ AttributeName: 'leadId', KeyType: 'HASH' }],
  attributeDefinitions: [
    { AttributeName: 'leadId', AttributeType: 'S' },
    { AttributeName: 'dueShard', AttributeType: 'S' },
    { AttributeName: 'dueAt', AttributeType: 'S' },
  ],
  globalSecondaryIndexes: [
    {
      indexName: DUE_LEADS_INDEX,
      keySchema: [
        { AttributeName: 'dueShard', KeyType: 'HASH' },
        { AttributeName: 'dueAt', KeyType: 'RANGE' },
      ],
      projection: 'KEYS_ONLY',
    },
  ],
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
 * - model answers: pk `RUN#<runId>`   sk `DATA#<index, zero-padded>#answers` (gzipped JSON)
 * - model call:    pk `RUN#<runId>`   sk `IDEMPOTENCY#<index>` (in progress / completed with its result)
 * - batch spend:   pk `RUN#<runId>`   sk `USAGE#<index>`  (calls, tokens, cost, added per attempt)
 * - a lead retried alone: the batch's sort key + `#L<position>` (model call, spend, answers, result)
 * - run plan:      pk `RUN#<runId>`   sk `PLAN`        (mode, segments, cap, reserved leads, allocated batches)
 * - segment:       pk `RUN#<runId>`   sk `SEGMENT#<n, zero-padded>` (cursor, done, totals, pending page)
 * - model pacing:  pk `RATE#<modelId>` sk `RATE`       (when the next call may start; version)
 * A run's working items (BATCH#, DATA#, IDEMPOTENCY#, USAGE#, RESULT#, PLAN, SEGMENT#) carry
 * `expiresAt` (epoch seconds, the table's TTL): FinishPage deletes a page's batch items once they are
 * added to its segment's totals, Report deletes the plan, the segments and what a dead page left when
 * the run is done, and the TTL removes what a dead run left. Run records (their totals), the pacing
 * item and the lock (whose `expiresAt` is an ISO string, which TTL ignores) stay.
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
    Projection: { ProjectionType: index.projection ?? 'ALL' },
  }));
  return {
    TableName: tableName,
    KeySchema: definition.keySchema.map((key) => ({ ...key })),
    AttributeDefinitions: definition.attributeDefinitions.map((attribute) => ({ ...attribute })),
    BillingMode: 'PAY_PER_REQUEST',
    ...(indexes ? { GlobalSecondaryIndexes: indexes } : {}),
  };
}
