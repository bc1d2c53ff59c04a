import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_DEFINITIONS, type TableDefinition, type TableLogicalName } from '#shared/stores/table-definitions.ts';

const ATTRIBUTE_TYPES: Record<string, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

function attribute(definition: TableDefinition, name: string | undefined): dynamodb.Attribute {
  const declared = definition.attributeDefinitions.find((candidate) => candidate.AttributeName === name);
  const type = declared?.AttributeType ? ATTRIBUTE_TYPES[declared.AttributeType] : undefined;
  if (!name || !type) throw new Error(`table ${definition.logicalName}: key attribute ${name ?? '(none)'} has no definition`);
  return { name, type };
}

function keysOf(definition: TableDefinition, keySchema: TableDefinition['keySchema']) {
  const partition = keySchema.find((key) => key.KeyType === 'HASH');
  const sort = keySchema.find((key) => key.KeyType === 'RANGE');
  return {
    partitionKey: attribute(definition, partition?.AttributeName),
    ...(sort ? { sortKey: attribute(definition, sort.AttributeName) } : {}),
  };
}

/**
 * A table as `shared/stores/table-definitions.ts` describes it (keys, indexes, TTL), with what every
 * normflow table gets on AWS: on-demand billing, point-in-time recovery, KMS encryption, and RETAIN
 * so that deleting the stack never deletes data.
 */
export function tableFromDefinition(scope: Construct, id: string, definition: TableDefinition, stream?: dynamodb.StreamViewType): dynamodb.Table {
  const table = new dynamodb.Table(scope, id, {
    ...(stream ? { stream } : {}),
    ...keysOf(definition, definition.keySchema),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(definition.timeToLiveAttribute ? { timeToLiveAttribute: definition.timeToLiveAttribute } : {}),
  });
  for (const index of definition.globalSecondaryIndexes ?? []) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      ...keysOf(definition, index.keySchema),
      projectionType: index.projection === 'KEYS_ONLY' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL,
    });
  }
  return table;
}

export interface PipelineTablesProps {
  /** An existing leads table to import by name; unset creates one. */
  readonly leadsTableName?: string;
  /** The imported table's stream, when it has one. */
  readonly leadsTableStreamArn?: string;
  /** Whether the leads table this stack creates gets a stream (NEW_AND_OLD_IMAGES) for near-real-time runs. */
  readonly leadsStream: boolean;
}

/** The five tables of the pipeline, by the logical names the stores use. */
export class PipelineTables extends Construct {
  readonly tables: Readonly<Record<TableLogicalName, dynamodb.ITable>>;
  /** True when the leads table was created by this stack (false: imported). */
  readonly leadsTableCreated: boolean;
  /** The leads table's stream, if it has one (created with it, or named for an imported table). */
  readonly leadsStreamArn: string | undefined;

  constructor(scope: Construct, id: string, props: PipelineTablesProps) {
    super(scope, id);
    this.leadsTableCreated = props.leadsTableName === undefined;
    const leads =
      props.leadsTableName === undefined
        ? tableFromDefinition(this, 'Leads', TABLE_DEFINITIONS.leads, props.leadsStream ? dynamodb.StreamViewType.NEW_AND_OLD_IMAGES : undefined)
        : dynamodb.Table.fromTableAttributes(this, 'Leads', {
            tableName: props.leadsTableName,
            ...(props.leadsTableStreamArn ? { tableStreamArn: props.leadsTableStreamArn } : {}),
          });
    this.leadsStreamArn = leads.tableStreamArn;
    this.tables = {
      leads,
      config: tableFromDefinition(this, 'Config', TABLE_DEFINITIONS.config),
      runs: tableFromDefinition(this, 'Runs', TABLE_DEFINITIONS.runs),
      valueCache: tableFromDefinition(this, 'ValueCache', TABLE_DEFINITIONS.valueCache),
      decisions: tableFromDefinition(this, 'Decisions', TABLE_DEFINITIONS.decisions),
    };
  }

  /** Environment variable → physical table name, the names `shared/runtime/pipeline-environment.ts` reads. */
  environment(): Record<string, string> {
    return Object.fromEntries(
      Object.values(TABLE_DEFINITIONS).map((definition) => [definition.tableNameEnvVar, this.tables[definition.logicalName].tableName]),
    );
  }
}
