import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ATHENA_RESULTS_PREFIX } from '#infra/constructs/analytics-bucket.ts';
import { CATALOG_COLUMNS, CRAWLED_TABLES, CRAWLER_CATALOG_ACTIONS } from '#infra/constructs/analytics-catalog.ts';
import type { AnalyticsFunctionName } from '#infra/constructs/analytics-function-access.ts';
import { CATALOG_TABLES } from '#shared/analytics/catalog-tables.ts';
import { NAMED_QUERIES } from '#shared/analytics/named-queries.ts';
import { placeholdersOf, renderStateMachine, STATE_MACHINES, type StateMachineDefinition } from '#state-machines/render-state-machine.ts';
import {
  ACCOUNT,
  allow,
  allStatements,
  expectNoWildcardsBeyondNecessity,
  grantsOf,
  join,
  PARTITION,
  policyOf,
  REGION,
  STATE_MACHINE_LOGS_AND_TRACING,
  XRAY_WRITE,
  type Statement,
} from './iam-statements.ts';
import { LAMBDA_TIMEOUT_SECONDS } from '#infra/lambda-timeouts.ts';
import { getAtt, logicalIdOf, ref, synthesize, synthesizeAnalytics } from './synth-stack.ts';

const CHILDREN = ['conversation-export', 'token-costs'] as const;
const MACHINES = ['analytics', ...CHILDREN] as const;
const FUNCTIONS: readonly AnalyticsFunctionName[] = ['export-conversations', 'convert-to-parquet', 'aggregate-token-costs'];

const synthesized = synthesizeAnalytics();
const { stack, json, template, normalization } = synthesized;
const id = (construct: unknown) => logicalIdOf(stack, construct);
const resourcesOf = (type: string) => Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);
const propertiesOf = (construct: unknown) => json.Resources[id(construct)]?.Properties ?? {};
const bucketArn = () => getAtt(id(stack.storage.bucket));
const objects = (key: string) => join(bucketArn(), `/${key}`);

/**
 * How the analytics stack reads a value of the normalization stack: the output CDK publishes for it,
 * read by `Fn::GetStackOutput` (the `weak` cross-stack references of cdk.json).
 */
function fromNormalizationStack(value: unknown, outputs = normalization.json.Outputs ?? {}) {
  const [outputName] =
    Object.entries(outputs).find(([name, output]) => name.startsWith('PublishOutput') && JSON.stringify(output.Value) === JSON.stringify(value)) ?? [];
  expect(outputName, `the normalization stack publishes ${JSON.stringify(value)}`).toBeDefined();
  return { 'Fn::GetStackOutput': { StackName: 'normflow-dev', Region: REGION, OutputName: outputName } };
}
const runsTableArn = () => fromNormalizationStack(getAtt(logicalIdOf(normalization.stack, normalization.stack.tables.tables.runs)));

describe('state machines: the three rendered ASL files, inline', () => {
  it.each(MACHINES)('%s: defined inline, equal to the ASL file with its placeholders left for CloudFormation', (name) => {
    const properties = propertiesOf(stack.stateMachines[name]);
    expect(properties).not.toHaveProperty('DefinitionS3Location');
    const deployed = JSON.parse(properties.DefinitionString as string) as StateMachineDefinition;
    const kept = Object.fromEntries(placeholdersOf(name).map((placeholder) => [placeholder, `\${${placeholder}}`]));
    expect(deployed).toEqual(renderStateMachine(name, kept));
    expect(deployed).toEqual(JSON.parse(readFileSync(new URL(`../../state-machines/${name}.asl.json`, import.meta.url), 'utf8')));
    expect(Object.keys(properties.DefinitionSubstitutions as object).sort()).toEqual(placeholdersOf(name));
  });

  it('conversation-export: its two Lambdas and the conversations crawler by name', () => {
    expect(propertiesOf(stack.stateMachines['conversation-export']).DefinitionSubstitutions).toEqual({
      ExportConversationsFunctionArn: getAtt(id(stack.functions['export-conversations'].function)),
      ConvertToParquetFunctionArn: getAtt(id(stack.functions['convert-to-parquet'].function)),
      ConversationsCrawlerName: 'normflow-dev-conversations',
    });
  });

  it('token-costs: its Lambda and the token-costs crawler by name', () => {
    expect(propertiesOf(stack.stateMachines['token-costs']).DefinitionSubstitutions).toEqual({
      AggregateTokenCostsFunctionArn: getAtt(id(stack.functions['aggregate-token-costs'].function)),
      TokenCostsCrawlerName: 'normflow-dev-token-costs',
    });
  });

  it('analytics: the two children by ARN', () => {
    expect(propertiesOf(stack.stateMachines.analytics).DefinitionSubstitutions).toEqual({
      ConversationExportStateMachineArn: ref(id(stack.stateMachines['conversation-export'])),
      TokenCostsStateMachineArn: ref(id(stack.stateMachines['token-costs'])),
    });
  });

  it('maps every Task placeholder of the children to the Lambda STATE_MACHINES names', () => {
    for (const child of CHILDREN) {
      const substitutions = propertiesOf(stack.stateMachines[child]).DefinitionSubstitutions as Record<string, unknown>;
      for (const [placeholder, fn] of Object.entries(STATE_MACHINES[child].functions) as Array<[string, AnalyticsFunctionName]>) {
        expect(substitutions[placeholder], `${child} ${placeholder}`).toEqual(getAtt(id(stack.functions[fn].function)));
      }
    }
  });

  it.each(MACHINES)('%s: standard, named normflow-dev-%s, logs ALL without execution data to its own log group, traced; timeout from the ASL', (name) => {
    const properties = propertiesOf(stack.stateMachines[name]);
    expect(properties).toMatchObject({ StateMachineName: `normflow-dev-${name}`, StateMachineType: 'STANDARD', TracingConfiguration: { Enabled: true } });
    const logging = properties.LoggingConfiguration as { Destinations: Array<{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string, string] } } }> };
    expect(logging).toMatchObject({ IncludeExecutionData: false, Level: 'ALL' });
    const logGroupId = logging.Destinations[0]?.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0] ?? '';
    expect(json.Resources[logGroupId]?.Properties).toEqual({ LogGroupName: `/aws/vendedlogs/states/normflow-dev-${name}`, RetentionInDays: 90, Tags: expect.any(Array) as unknown });
    expect(JSON.parse(properties.DefinitionString as string)).toMatchObject({ TimeoutSeconds: name === 'analytics' ? 7200 : 3600 });
  });
});

describe('schedule: EventBridge Scheduler, 23:30 America/Bogota', () => {
  it('starts the analytics state machine with input {} at 23:30 Bogotá time, retrying into a dead-letter queue', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 23 * * ? *)',
      ScheduleExpressionTimezone: 'America/Bogota',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: ref(id(stack.stateMachines.analytics)),
        Input: '{}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: getAtt(id(stack.scheduleDeadLetterQueue)) },
        RoleArn: Match.anyValue(),
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
  });

  it('takes the expression, the shared time zone and the enabled flag from context', () => {
    synthesizeAnalytics({ analyticsScheduleExpression: 'cron(0 22 ? * MON-FRI *)', scheduleTimeZone: 'UTC', scheduleEnabled: 'false' }).template.hasResourceProperties(
      'AWS::Scheduler::Schedule',
      { ScheduleExpression: 'cron(0 22 ? * MON-FRI *)', ScheduleExpressionTimezone: 'UTC', State: 'DISABLED' },
    );
  });
});

describe('bucket: encrypted, private, TLS only, kept, expiring old partitions', () => {
  const bucket = () => json.Resources[id(stack.storage.bucket)];
  const accessLogs = () => json.Resources[id(stack.storage.accessLogs)];
  const PRIVATE = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };
  const SSE_S3 = { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] };

  it('creates the analytics bucket and its access-log bucket, both SSE-S3, private, owner-enforced, unversioned, RETAIN', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
    for (const resource of [bucket(), accessLogs()]) {
      expect(resource?.Properties).toMatchObject({
        BucketEncryption: SSE_S3,
        PublicAccessBlockConfiguration: PRIVATE,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
      expect(resource?.Properties).not.toHaveProperty('VersioningConfiguration');
      expect(resource?.DeletionPolicy).toBe('Retain');
      expect(resource?.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('logs server access to the access-log bucket', () => {
    expect(bucket()?.Properties?.LoggingConfiguration).toEqual({ DestinationBucketName: ref(id(stack.storage.accessLogs)), LogFilePrefix: 'analytics-bucket/' });
  });

  it('denies every request without TLS on both buckets', () => {
    for (const target of [stack.storage.bucket, stack.storage.accessLogs]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(id(target)),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('expires the export and token-cost prefixes after 730 days, Athena results after 30, stale uploads after 1', () => {
    expect((bucket()?.Properties?.LifecycleConfiguration as { Rules: unknown[] }).Rules).toEqual([
      { Id: 'expire-conversations', Prefix: 'conversations/', ExpirationInDays: 730, Status: 'Enabled' },
      { Id: 'expire-token-costs', Prefix: 'token-costs/', ExpirationInDays: 730, Status: 'Enabled' },
      { Id: 'expire-athena-results', Prefix: ATHENA_RESULTS_PREFIX, ExpirationInDays: 30, Status: 'Enabled' },
      { Id: 'abort-incomplete-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
    ]);
    expect(accessLogs()?.Properties?.LifecycleConfiguration).toEqual({ Rules: [{ Id: 'expire-access-logs', ExpirationInDays: 730, Status: 'Enabled' }] });
  });

  it('takes the retention from context', () => {
    const custom = synthesizeAnalytics({ partitionRetentionDays: '400' });
    const rules = (custom.json.Resources[logicalIdOf(custom.stack, custom.stack.storage.bucket)]?.Properties?.LifecycleConfiguration as { Rules: Array<{ Prefix?: string; ExpirationInDays?: number }> }).Rules;
    expect(rules.filter((rule) => rule.Prefix !== ATHENA_RESULTS_PREFIX && rule.ExpirationInDays !== undefined).map((rule) => rule.ExpirationInDays)).toEqual([400, 400]);
  });

  it('refuses a config whose prefixes would leave the catalog tables behind', () => {
    expect(() => synthesize({ conversationsTableName: 'conv', chatTableName: 'chat', analyticsConfig: { exportPrefix: 'chatbot/' } })).toThrow(
      /catalog table users reads conversations\/parquet\/users\/, outside the configured exportPrefix/,
    );
  });
});

describe('Lambdas: the three analytics handlers', () => {
  const configContext = { filters: { excludeCityPatterns: ['prueba*'] }, tokenizer: 'chars/4' };

  it('has exactly the three functions of the analytics state machines', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    expect(Object.keys(stack.functions).sort()).toEqual(CHILDREN.flatMap((child) => Object.values(STATE_MACHINES[child].functions)).sort());
  });

  it.each(FUNCTIONS)('%s: bundled from its handler file; Node.js 22 on arm64, 15 minutes, X-Ray, its own log group', async (name) => {
    const fn = stack.functions[name];
    expect(fn.entry).toBe(resolve(process.cwd(), 'functions', `${name}.ts`));
    expect(existsSync(fn.entry)).toBe(true);
    expect(typeof ((await import(`#functions/${name}.ts`)) as { handler: unknown }).handler).toBe('function');
    expect(propertiesOf(fn.function)).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 900,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: ref(id(fn.logGroup)) },
      Role: getAtt(id(fn.role)),
    });
    expect(propertiesOf(fn.logGroup)).toMatchObject({ RetentionInDays: 90 });
    // The local runtime holds its invocations to the same.
    expect(LAMBDA_TIMEOUT_SECONDS[name]).toBe(900);
  });

  it('sizes memory and /tmp for the tokenizer, the Parquet row groups and the staged files', () => {
    const sizes = Object.fromEntries(
      FUNCTIONS.map((name) => {
        const properties = propertiesOf(stack.functions[name].function);
        return [name, [properties.MemorySize, (properties.EphemeralStorage as { Size: number }).Size]];
      }),
    );
    expect(sizes).toEqual({ 'export-conversations': [1024, 2048], 'convert-to-parquet': [2048, 4096], 'aggregate-token-costs': [2048, 2048] });
  });

  it('gives each Lambda only the tables it reads, the bucket and the analytics config', () => {
    const custom = synthesizeAnalytics({ analyticsConfig: JSON.stringify(configContext) });
    const variables = (name: AnalyticsFunctionName) =>
      (custom.json.Resources[logicalIdOf(custom.stack, custom.stack.functions[name].function)]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    const common = {
      ANALYTICS_BUCKET: ref(logicalIdOf(custom.stack, custom.stack.storage.bucket)),
      ANALYTICS_CONFIG: JSON.stringify(configContext),
      POWERTOOLS_SERVICE_NAME: 'normflow',
      POWERTOOLS_METRICS_NAMESPACE: 'normflow',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    };
    const runsTableName = fromNormalizationStack(
      ref(logicalIdOf(custom.normalization.stack, custom.normalization.stack.tables.tables.runs)),
      custom.normalization.json.Outputs,
    );
    expect(variables('export-conversations')).toEqual({ CONVERSATIONS_TABLE: 'conv', ...common });
    expect(variables('convert-to-parquet')).toEqual(common);
    expect(variables('aggregate-token-costs')).toEqual({ CHAT_TABLE: 'chat', RUNS_TABLE: runsTableName, ...common });
  });

  it('passes ANALYTICS_CONFIG {} when the context gives none', () => {
    for (const name of FUNCTIONS) {
      expect((propertiesOf(stack.functions[name].function).Environment as { Variables: Record<string, unknown> }).Variables.ANALYTICS_CONFIG).toBe('{}');
    }
  });
});

describe('Glue: one database, the declared tables, two crawlers', () => {
  it('creates the database normflow_dev_analytics', () => {
    template.resourceCountIs('AWS::Glue::Database', 1);
    expect(propertiesOf(stack.catalog.database)).toEqual({
      CatalogId: ACCOUNT,
      DatabaseInput: { Name: 'normflow_dev_analytics', Description: expect.any(String) as unknown },
    });
    expect(stack.catalog.databaseName).toBe('normflow_dev_analytics');
  });

  it.each(CATALOG_TABLES)('declares $name at its prefix, partitioned by dt, with the columns its writer uses', (table) => {
    const columns = CATALOG_COLUMNS[table.name] ?? [];
    expect(columns.length).toBeGreaterThan(0);
    const glueType = { STRING: 'string', INT32: 'int', INT64: 'bigint', DOUBLE: 'double', BOOLEAN: 'boolean', DATE: 'date', TIMESTAMP: 'timestamp' } as const;
    expect(propertiesOf(stack.catalog.tables[table.name])).toEqual({
      CatalogId: ACCOUNT,
      DatabaseName: ref(id(stack.catalog.database)),
      TableInput: {
        Name: table.name,
        Description: table.description,
        TableType: 'EXTERNAL_TABLE',
        Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
        PartitionKeys: [{ Name: 'dt', Type: 'string' }],
        StorageDescriptor: {
          Location: join('s3://', ref(id(stack.storage.bucket)), `/${table.prefix}`),
          InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          Columns: columns.map((column) => ({ Name: column.name, Type: glueType[column.type] })),
        },
      },
    });
  });

  it('declares every catalog table and nothing else, each crawled by exactly one crawler', () => {
    template.resourceCountIs('AWS::Glue::Table', CATALOG_TABLES.length);
    expect(Object.values(CRAWLED_TABLES).flat().sort()).toEqual(CATALOG_TABLES.map((table) => table.name).sort());
  });

  it.each([
    ['conversations', ['users', 'exchanges']],
    ['token-costs', ['token_costs', 'token_costs_by_user_day', 'token_costs_by_model_day', 'normalization_costs']],
  ] as const)('crawler normflow-dev-%s: its tables as catalog targets, schemas kept, new partitions added', (name, tables) => {
    const crawler = stack.catalog.crawlers[name];
    expect(propertiesOf(crawler.crawler)).toEqual({
      Name: `normflow-dev-${name}`,
      Role: getAtt(id(crawler.role)),
      Description: `normflow dev: adds the new dt= partitions of ${tables.join(', ')}`,
      DatabaseName: ref(id(stack.catalog.database)),
      Targets: { CatalogTargets: [{ DatabaseName: ref(id(stack.catalog.database)), Tables: tables.map((table) => ref(id(stack.catalog.tables[table]))) }] },
      SchemaChangePolicy: { UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' },
      RecrawlPolicy: { RecrawlBehavior: 'CRAWL_EVERYTHING' },
      Configuration: JSON.stringify({ Version: 1, CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } } }),
      Tags: { project: 'normflow', stage: 'dev' },
    });
  });
});

describe('Athena: an enforced, encrypted, capped workgroup with the named queries', () => {
  it('enforces results in the bucket (SSE-S3), a 1 GB scan cutoff and the automatic engine version', () => {
    expect(propertiesOf(stack.catalog.workgroup)).toMatchObject({
      Name: 'normflow-dev-analytics',
      State: 'ENABLED',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 1024 ** 3,
        EngineVersion: { SelectedEngineVersion: 'AUTO' },
        ResultConfiguration: {
          OutputLocation: join('s3://', ref(id(stack.storage.bucket)), `/${ATHENA_RESULTS_PREFIX}`),
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          ExpectedBucketOwner: ACCOUNT,
        },
      },
    });
  });

  it('takes the cutoff from context', () => {
    const custom = synthesizeAnalytics({ athenaBytesScannedCutoffGB: '0.5' });
    expect(custom.json.Resources[logicalIdOf(custom.stack, custom.stack.catalog.workgroup)]?.Properties).toMatchObject({
      WorkGroupConfiguration: { BytesScannedCutoffPerQuery: 536_870_912 },
    });
  });

  it.each(NAMED_QUERIES)('saves the named query $name in the workgroup, over the database', (query) => {
    expect(propertiesOf(stack.catalog.namedQueries[query.name])).toEqual({
      Name: query.name,
      Description: query.description,
      QueryString: query.sql,
      Database: ref(id(stack.catalog.database)),
      WorkGroup: ref(id(stack.catalog.workgroup)),
    });
  });

  it('saves every named query and no other', () => {
    template.resourceCountIs('AWS::Athena::NamedQuery', NAMED_QUERIES.length);
  });
});

describe('IAM: exact statements per role', () => {
  const logsOf = (name: AnalyticsFunctionName): Statement =>
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], getAtt(id(stack.functions[name].logGroup)));
  const sourceTable = (name: string) => join('arn:', PARTITION, ':dynamodb:', REGION, ':', ACCOUNT, `:table/${name}`);
  const upload = ['s3:PutObject', 's3:AbortMultipartUpload'];
  const glue = (resource: string) => join('arn:', PARTITION, ':glue:', REGION, ':', ACCOUNT, `:${resource}`);
  const roleOf = (construct: { role: unknown }) => policyOf(synthesized, id(construct.role));

  const expectedLambdas: Record<AnalyticsFunctionName, Statement[]> = {
    'export-conversations': [
      logsOf('export-conversations'),
      allow('dynamodb:Scan', sourceTable('conv')),
      allow(upload, [objects('conversations/exchanges/dt=*/exchanges.csv'), objects('conversations/users/dt=*/users.csv')]),
      XRAY_WRITE,
    ],
    'convert-to-parquet': [
      logsOf('convert-to-parquet'),
      allow('s3:GetObject', [objects('conversations/exchanges/dt=*/exchanges.csv'), objects('conversations/users/dt=*/users.csv')]),
      allow(upload, [objects('conversations/parquet/exchanges/dt=*/part-0.parquet'), objects('conversations/parquet/users/dt=*/part-0.parquet')]),
      allow('s3:ListBucket', bucketArn()),
      XRAY_WRITE,
    ],
    'aggregate-token-costs': [
      logsOf('aggregate-token-costs'),
      allow('dynamodb:Scan', sourceTable('chat')),
      allow('dynamodb:Query', join(runsTableArn(), '/index/runsByStart')),
      allow(['s3:GetObject', 's3:PutObject'], objects('token-costs/_watermark.json')),
      allow('s3:GetObject', [objects('token-costs/conversations/dt=*/part-0.parquet'), objects('token-costs/normalization/dt=*/part-0.parquet')]),
      allow(upload, [
        objects('token-costs/conversations/dt=*/part-0.parquet'),
        objects('token-costs/by_user_day/dt=*/part-0.parquet'),
        objects('token-costs/by_model_day/dt=*/part-0.parquet'),
        objects('token-costs/normalization/dt=*/part-0.parquet'),
      ]),
      allow('s3:ListBucket', bucketArn()),
      XRAY_WRITE,
    ],
  };

  it.each(FUNCTIONS)('%s: its log group, the tables it reads, the keys it reads and writes, X-Ray', (name) => {
    expect(grantsOf(roleOf(stack.functions[name]))).toEqual(grantsOf(expectedLambdas[name]));
  });

  it.each(FUNCTIONS)('%s: a role of its own, assumed by Lambda only, with no managed or inline policy', (name) => {
    const role = propertiesOf(stack.functions[name].role);
    expect(role.AssumeRolePolicyDocument).toEqual({
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      Version: '2012-10-17',
    });
    expect(role).not.toHaveProperty('ManagedPolicyArns');
    expect(role).not.toHaveProperty('Policies');
  });

  it('reads the chatbot tables with Scan only, and writes no table at all', () => {
    const tableActions = allStatements(synthesized).flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action])).filter((action) => action.startsWith('dynamodb:'));
    expect([...new Set(tableActions)].sort()).toEqual(['dynamodb:Query', 'dynamodb:Scan']);
  });

  it.each([
    ['conversations', ['users', 'exchanges']],
    ['token-costs', ['token_costs', 'token_costs_by_user_day', 'token_costs_by_model_day', 'normalization_costs']],
  ] as const)('crawler %s: its catalog tables, its prefixes (read and list), the crawler log group', (name, tables) => {
    const crawled = CATALOG_TABLES.filter((table) => (tables as readonly string[]).includes(table.name));
    expect(grantsOf(roleOf(stack.catalog.crawlers[name]))).toEqual(
      grantsOf([
        allow([...CRAWLER_CATALOG_ACTIONS], [glue('catalog'), glue('database/normflow_dev_analytics'), ...tables.map((table) => glue(`table/normflow_dev_analytics/${table}`))]),
        allow('s3:GetObject', crawled.map((table) => objects(`${table.prefix}*`))),
        allow('s3:ListBucket', bucketArn(), { StringLike: { 's3:prefix': crawled.flatMap((table) => [table.prefix.slice(0, -1), `${table.prefix}*`]) } }),
        allow(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], join('arn:', PARTITION, ':logs:', REGION, ':', ACCOUNT, ':log-group:/aws-glue/crawlers:*')),
      ]),
    );
    expect(propertiesOf(stack.catalog.crawlers[name].role).AssumeRolePolicyDocument).toEqual({
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' } }],
      Version: '2012-10-17',
    });
  });

  it('conversation-export: invokes only its two Lambdas, starts and reads only its crawler', () => {
    expect(grantsOf(roleOf(stack.stateMachines['conversation-export']))).toEqual(
      grantsOf([
        ...STATE_MACHINE_LOGS_AND_TRACING,
        allow('lambda:InvokeFunction', [getAtt(id(stack.functions['export-conversations'].function)), getAtt(id(stack.functions['convert-to-parquet'].function))]),
        allow(['glue:StartCrawler', 'glue:GetCrawler'], glue('crawler/normflow-dev-conversations')),
      ]),
    );
  });

  it('token-costs: invokes only its Lambda, starts and reads only its crawler', () => {
    expect(grantsOf(roleOf(stack.stateMachines['token-costs']))).toEqual(
      grantsOf([
        ...STATE_MACHINE_LOGS_AND_TRACING,
        allow('lambda:InvokeFunction', getAtt(id(stack.functions['aggregate-token-costs'].function))),
        allow(['glue:StartCrawler', 'glue:GetCrawler'], glue('crawler/normflow-dev-token-costs')),
      ]),
    );
  });

  it('analytics: starts only the two children, follows and stops only their executions, manages only the .sync rule', () => {
    const executions = (child: string) => join('arn:', PARTITION, ':states:', REGION, ':', ACCOUNT, `:execution:normflow-dev-${child}:*`);
    expect(grantsOf(roleOf(stack.stateMachines.analytics))).toEqual(
      grantsOf([
        ...STATE_MACHINE_LOGS_AND_TRACING,
        allow('states:StartExecution', CHILDREN.map((child) => ref(id(stack.stateMachines[child])))),
        allow(['states:DescribeExecution', 'states:StopExecution'], CHILDREN.map(executions)),
        allow(['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], join('arn:', PARTITION, ':events:', REGION, ':', ACCOUNT, ':rule/StepFunctionsGetEventsForStepFunctionsExecutionRule')),
      ]),
    );
  });

  it('the scheduler starts only the parent and writes only to its dead-letter queue', () => {
    const [scheduleRole] = resourcesOf('AWS::IAM::Role').filter(([, resource]) => JSON.stringify(resource.Properties?.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'));
    expect(grantsOf(policyOf(synthesized, scheduleRole?.[0] ?? ''))).toEqual(
      grantsOf([allow('states:StartExecution', ref(id(stack.stateMachines.analytics))), allow('sqs:SendMessage', getAtt(id(stack.scheduleDeadLetterQueue)))]),
    );
  });

  it('has no role beyond these nine', () => {
    template.resourceCountIs('AWS::IAM::Role', FUNCTIONS.length + 2 + MACHINES.length + 1);
  });

  it('grants no wildcard action, and Resource "*" only to actions that require it', () => {
    expectNoWildcardsBeyondNecessity(allStatements(synthesized));
  });
});

describe('alarms → the normalization stack\'s alarm topic', () => {
  const topic = () => fromNormalizationStack(ref(logicalIdOf(normalization.stack, normalization.stack.monitoring.topic)));

  it.each(MACHINES)('%s: any failed or timed-out execution → topic', (name) => {
    const machine = ref(id(stack.stateMachines[name]));
    const statesMetric = (metricId: string, metricName: string) => ({
      Id: metricId,
      MetricStat: { Metric: { Namespace: 'AWS/States', MetricName: metricName, Dimensions: [{ Name: 'StateMachineArn', Value: machine }] }, Period: 300, Stat: 'Sum' },
      ReturnData: false,
    });
    expect(propertiesOf(stack.alarms[name])).toMatchObject({
      AlarmName: `normflow-dev-${name}-failed-executions`,
      Metrics: [
        { Expression: 'FILL(failed, 0) + FILL(timedOut, 0)', ReturnData: true },
        statesMetric('failed', 'ExecutionsFailed'),
        statesMetric('timedOut', 'ExecutionsTimedOut'),
      ],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic()],
    });
  });

  it('the schedule dead-letter queue holding a message → topic', () => {
    expect(propertiesOf(stack.alarms.scheduleDeadLetters)).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(id(stack.scheduleDeadLetterQueue), 'QueueName') }],
      Threshold: 0,
      AlarmActions: [topic()],
    });
  });

  it('has these four alarms only, and no topic of its own', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});

describe('outputs', () => {
  it('names the parent state machine, the bucket, the workgroup and the database', () => {
    template.hasOutput('AnalyticsStateMachineArn', { Value: ref(id(stack.stateMachines.analytics)) });
    template.hasOutput('AnalyticsBucketName', { Value: ref(id(stack.storage.bucket)) });
    template.hasOutput('AthenaWorkGroup', { Value: ref(id(stack.catalog.workgroup)) });
    template.hasOutput('GlueDatabase', { Value: 'normflow_dev_analytics' });
  });
});
