import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CATALOG_TABLES, type CatalogTable } from '#shared/analytics/catalog-tables.ts';
import { NAMED_QUERIES } from '#shared/analytics/named-queries.ts';
import { EXCHANGE_PARQUET_COLUMNS, USER_PARQUET_COLUMNS } from '#shared/analytics/parquet-conversion.ts';
import type { ParquetColumn, ParquetColumnType } from '#shared/analytics/parquet-table-writer.ts';
import { BY_MODEL_DAY_COLUMNS, BY_USER_DAY_COLUMNS, CONVERSATION_COLUMNS, NORMALIZATION_COLUMNS } from '#shared/analytics/token-cost-schema.ts';
import { ATHENA_RESULTS_PREFIX, bucketWildcardFinding } from './analytics-bucket.ts';
import { acknowledgeNagFinding } from './nag-acknowledgement.ts';

/** The columns each catalog table's Parquet files are written with (the writers' own column lists). */
export const CATALOG_COLUMNS: Readonly<Record<string, readonly ParquetColumn[]>> = {
  users: USER_PARQUET_COLUMNS,
  exchanges: EXCHANGE_PARQUET_COLUMNS,
  token_costs: CONVERSATION_COLUMNS,
  token_costs_by_user_day: BY_USER_DAY_COLUMNS,
  token_costs_by_model_day: BY_MODEL_DAY_COLUMNS,
  normalization_costs: NORMALIZATION_COLUMNS,
};

/** Which crawler catalogs which tables: the conversation export's and the token costs'. */
export const CRAWLED_TABLES = {
  conversations: ['users', 'exchanges'],
  'token-costs': ['token_costs', 'token_costs_by_user_day', 'token_costs_by_model_day', 'normalization_costs'],
} as const;
export type CrawlerName = keyof typeof CRAWLED_TABLES;

/** The Hive partition folder every table writes (`dt=YYYY-MM-DD/`). */
const PARTITION_KEY = { name: 'dt', type: 'string' } as const;

const GLUE_TYPES: Record<ParquetColumnType, string> = {
  STRING: 'string',
  INT32: 'int',
  INT64: 'bigint',
  DOUBLE: 'double',
  BOOLEAN: 'boolean',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
};

/** Catalog actions a crawler needs to read its tables and add their new partitions (never create or delete a table). */
export const CRAWLER_CATALOG_ACTIONS = [
  'glue:GetDatabase',
  'glue:GetTable',
  'glue:GetTables',
  'glue:UpdateTable',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:BatchGetPartition',
  'glue:CreatePartition',
  'glue:BatchCreatePartition',
  'glue:UpdatePartition',
  'glue:BatchUpdatePartition',
] as const;

/** Where Glue crawlers write their logs (a log group Glue creates, shared by the account's crawlers). */
const CRAWLER_LOG_GROUP = '/aws-glue/crawlers';

export interface AnalyticsCatalogProps {
  readonly stage: string;
  readonly bucket: s3.IBucket;
  readonly bytesScannedCutoffPerQuery: number;
}

/**
 * The SQL side on AWS: a Glue database whose tables are declared here, with the names and columns
 * the code writes (`CATALOG_TABLES`, the writers' column lists), one crawler per pipeline that adds
 * the new `dt=` partitions of its tables, and an Athena workgroup with the named queries.
 *
 * The tables are declared rather than left for the crawlers to create: a crawler names a table after
 * its folder, so `token-costs/conversations/` would become `conversations`, not `token_costs`. The
 * crawlers therefore target the catalog tables (each table's location is its prefix) and keep the
 * declared schemas (UpdateBehavior LOG); new partitions are added whatever the schema change policy.
 */
export class AnalyticsCatalog extends Construct {
  readonly databaseName: string;
  readonly database: glue.CfnDatabase;
  readonly tables: Readonly<Record<string, glue.CfnTable>>;
  readonly crawlers: Readonly<Record<CrawlerName, TableCrawler>>;
  readonly workgroup: athena.CfnWorkGroup;
  readonly namedQueries: Readonly<Record<string, athena.CfnNamedQuery>>;

  constructor(scope: Construct, id: string, props: AnalyticsCatalogProps) {
    super(scope, id);
    const { account } = Stack.of(this);
    this.databaseName = `normflow_${props.stage.replace(/-/g, '_')}_analytics`;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: { name: this.databaseName, description: 'normflow analytics: chatbot users and exchanges, token costs' },
    });

    const crawled: readonly string[] = Object.values(CRAWLED_TABLES).flat().sort();
    const names = CATALOG_TABLES.map((table) => table.name);
    if (JSON.stringify(crawled) !== JSON.stringify([...names].sort()) || names.some((name) => !CATALOG_COLUMNS[name])) {
      throw new Error(`every catalog table (${names.join(', ')}) needs its columns and exactly one crawler`);
    }
    this.tables = Object.fromEntries(CATALOG_TABLES.map((table) => [table.name, this.declareTable(table, props.bucket)]));

    this.crawlers = {
      conversations: new TableCrawler(this, 'ConversationsCrawler', { ...props, name: 'conversations', catalog: this }),
      'token-costs': new TableCrawler(this, 'TokenCostsCrawler', { ...props, name: 'token-costs', catalog: this }),
    };

    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: `normflow-${props.stage}-analytics`,
      description: `normflow ${props.stage}: queries over ${this.databaseName}, results encrypted in the analytics bucket`,
      state: 'ENABLED',
      workGroupConfiguration: {
        // Clients cannot override the results location, its encryption or the scan limit.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'AUTO' },
        resultConfiguration: {
          outputLocation: props.bucket.s3UrlForObject(ATHENA_RESULTS_PREFIX),
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
          expectedBucketOwner: account,
        },
      },
    });

    this.namedQueries = Object.fromEntries(
      NAMED_QUERIES.map((query) => {
        const namedQuery = new athena.CfnNamedQuery(this, `Query-${query.name}`, {
          name: query.name,
          description: query.description,
          database: this.database.ref,
          queryString: query.sql,
          workGroup: this.workgroup.ref,
        });
        return [query.name, namedQuery];
      }),
    );
  }

  /** A declared table's name as a reference, so whatever uses it is created after it. */
  tableRef(name: string): string {
    const table = this.tables[name];
    if (!table) throw new Error(`no catalog table ${name}`);
    return table.ref;
  }

  private declareTable(table: CatalogTable, bucket: s3.IBucket): glue.CfnTable {
    const columns = CATALOG_COLUMNS[table.name] ?? [];
    return new glue.CfnTable(this, `Table-${table.name}`, {
      catalogId: Stack.of(this).account,
      databaseName: this.database.ref,
      tableInput: {
        name: table.name,
        description: table.description,
        tableType: 'EXTERNAL_TABLE',
        parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
        partitionKeys: [PARTITION_KEY],
        storageDescriptor: {
          // Its prefix in the bucket, below which the dt= folders are.
          location: bucket.s3UrlForObject(table.prefix),
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          columns: columns.map((column) => ({ name: column.name, type: GLUE_TYPES[column.type] })),
        },
      },
    });
  }
}

interface TableCrawlerProps {
  readonly stage: string;
  readonly bucket: s3.IBucket;
  readonly name: CrawlerName;
  readonly catalog: AnalyticsCatalog;
}

/** A Glue crawler over some catalog tables, with a role that may read only their prefixes and update only them. */
export class TableCrawler extends Construct {
  readonly crawlerName: string;
  readonly crawlerArn: string;
  readonly role: iam.Role;
  readonly crawler: glue.CfnCrawler;

  constructor(scope: Construct, id: string, props: TableCrawlerProps) {
    super(scope, id);
    const { partition, region, account } = Stack.of(this);
    const tableNames: readonly string[] = CRAWLED_TABLES[props.name];
    const tables = CATALOG_TABLES.filter((table) => tableNames.includes(table.name));
    const { databaseName } = props.catalog;
    this.crawlerName = `normflow-${props.stage}-${props.name}`;
    this.crawlerArn = `arn:${partition}:glue:${region}:${account}:crawler/${this.crawlerName}`;

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: `normflow ${this.crawlerName} crawler: reads ${tables.map((table) => table.prefix).join(', ')}; adds partitions to ${tableNames.join(', ')}`,
    });
    const catalogArn = (resource: string) => `arn:${partition}:glue:${region}:${account}:${resource}`;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...CRAWLER_CATALOG_ACTIONS],
        resources: [
          catalogArn('catalog'),
          catalogArn(`database/${databaseName}`),
          ...tableNames.map((table) => catalogArn(`table/${databaseName}/${table}`)),
        ],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: tables.map((table) => props.bucket.arnForObjects(`${table.prefix}*`)),
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        // The table folders only, with or without their trailing slash.
        conditions: { StringLike: { 's3:prefix': tables.flatMap((table) => [table.prefix.replace(/\/$/, ''), `${table.prefix}*`]) } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`arn:${partition}:logs:${region}:${account}:log-group:${CRAWLER_LOG_GROUP}:*`],
      }),
    );
    acknowledgeNagFinding(
      this.role,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${CRAWLER_LOG_GROUP}:*]`,
      `Glue writes every crawler run to a new log stream of the ${CRAWLER_LOG_GROUP} log group, named at run time; the grant is limited to that one log group.`,
    );
    for (const table of tables) {
      acknowledgeNagFinding(
        this.role,
        bucketWildcardFinding(props.bucket, `${table.prefix}*`),
        `The crawler reads the Parquet files of the ${table.name} table, one new dt= partition folder a day, so only the table's own prefix ${table.prefix} is granted, by wildcard.`,
      );
    }

    this.crawler = new glue.CfnCrawler(this, 'Crawler', {
      name: this.crawlerName,
      role: this.role.roleArn,
      description: `normflow ${props.stage}: adds the new dt= partitions of ${tableNames.join(', ')}`,
      databaseName: props.catalog.database.ref,
      targets: {
        catalogTargets: [{ databaseName: props.catalog.database.ref, tables: tableNames.map((table) => props.catalog.tableRef(table)) }],
      },
      // Catalog targets require DeleteBehavior LOG; LOG on updates keeps the declared schemas.
      schemaChangePolicy: { updateBehavior: 'LOG', deleteBehavior: 'LOG' },
      recrawlPolicy: { recrawlBehavior: 'CRAWL_EVERYTHING' },
      configuration: JSON.stringify({ Version: 1.0, CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } } }),
    });
    acknowledgeNagFinding(
      this.crawler,
      'AwsSolutions-GL1',
      'The crawler logs hold table, partition and schema names only, never a row: there is nothing in them for a customer-managed key to protect, and a Glue security configuration would need one.',
    );
  }
}
