import { CfnOutput, Duration, Size, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { parseAnalyticsConfig, type AnalyticsConfig } from '#shared/analytics/analytics-config.ts';
import { CATALOG_TABLES } from '#shared/analytics/catalog-tables.ts';
import { RUNS_BY_START_INDEX } from '#shared/stores/table-definitions.ts';
import { STATE_MACHINES } from '#state-machines/render-state-machine.ts';
import { BYTES_PER_GB, type DeploymentParameters } from './deployment-parameters.ts';
import { AnalyticsBucket, bucketWildcardFinding } from './constructs/analytics-bucket.ts';
import { AnalyticsCatalog, type CrawlerName } from './constructs/analytics-catalog.ts';
import { analyticsFunctionAccess, type AnalyticsFunctionAccess, type AnalyticsFunctionName, type AnalyticsSourceTable } from './constructs/analytics-function-access.ts';
import { aslStateMachine, stateMachineName } from './constructs/asl-state-machine.ts';
import { acknowledgeNagFinding } from './constructs/nag-acknowledgement.ts';
import { NormflowFunction, type FunctionGrants } from './constructs/normflow-function.ts';
import { deadLettersAlarm, failedExecutionsAlarm, POWERTOOLS_ENVIRONMENT } from './constructs/pipeline-monitoring.ts';
import { scheduleStateMachine } from './constructs/state-machine-schedule.ts';
import { LAMBDA_TIMEOUT_SECONDS } from './lambda-timeouts.ts';

/** Per analytics Lambda: what it does, and room for its work (tokenizer, Parquet row groups, /tmp files). */
const ANALYTICS_FUNCTIONS: Record<AnalyticsFunctionName, { description: string; memorySize: number; ephemeralStorageSize: Size }> = {
  'export-conversations': {
    description: 'Export: conversations table (paged scan) to exchanges and users CSV in the run date\'s partition',
    memorySize: 1024,
    ephemeralStorageSize: Size.gibibytes(2),
  },
  'convert-to-parquet': {
    description: 'ConvertToParquet: the run date\'s CSV to typed Parquet with token counts',
    memorySize: 2048,
    ephemeralStorageSize: Size.gibibytes(4),
  },
  'aggregate-token-costs': {
    description: 'Aggregate: Bedrock chat items and normalize-leads runs since the watermark to token-cost partitions',
    memorySize: 2048,
    ephemeralStorageSize: Size.gibibytes(2),
  },
};

/** The environment variable each Lambda reads a source table's name from. */
const TABLE_VARIABLES: Record<Exclude<AnalyticsSourceTable, 'runsByStart'>, string> = {
  conversations: 'CONVERSATIONS_TABLE',
  chat: 'CHAT_TABLE',
};

type ChildName = 'conversation-export' | 'token-costs';
const CHILD_CRAWLERS: Record<ChildName, { placeholder: string; crawler: CrawlerName }> = {
  'conversation-export': { placeholder: 'ConversationsCrawlerName', crawler: 'conversations' },
  'token-costs': { placeholder: 'TokenCostsCrawlerName', crawler: 'token-costs' },
};
const CHILD_PLACEHOLDERS: Record<ChildName, string> = {
  'conversation-export': 'ConversationExportStateMachineArn',
  'token-costs': 'TokenCostsStateMachineArn',
};

/** The rule Step Functions manages for `.sync` integrations with child executions. */
const SYNC_EVENTS_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

export interface AnalyticsStackProps extends StackProps {
  readonly parameters: DeploymentParameters & { conversationsTableName: string; chatTableName: string };
  /** The normalize-leads runs table (its `runsByStart` index lists the runs whose model usage is costed). */
  readonly runsTable: dynamodb.ITable;
  /** Where the alarms go: the normalization stack's alarm topic. */
  readonly alarmTopic: sns.ITopic;
}

/**
 * Conversation analytics and token costs on AWS: the bucket, the three Lambdas, the two child state
 * machines and the parent that chains them (rendered from the ASL files the local runner executes),
 * the daily schedule, the Glue catalog and crawlers, the Athena workgroup, and alarms.
 */
export class AnalyticsStack extends Stack {
  readonly config: AnalyticsConfig;
  readonly sourceTables: Readonly<Record<Exclude<AnalyticsSourceTable, 'runsByStart'>, dynamodb.ITable>>;
  readonly storage: AnalyticsBucket;
  readonly catalog: AnalyticsCatalog;
  readonly functions: Readonly<Record<AnalyticsFunctionName, NormflowFunction<AnalyticsFunctionName>>>;
  readonly stateMachines: Readonly<Record<ChildName | 'analytics', sfn.StateMachine>>;
  readonly schedule: scheduler.Schedule;
  readonly scheduleDeadLetterQueue: sqs.Queue;
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { parameters } = props;
    this.config = parseAnalyticsConfig(parameters.analyticsConfig);
    for (const table of CATALOG_TABLES) {
      if (![this.config.exportPrefix, this.config.tokenCostsPrefix].some((prefix) => table.prefix.startsWith(prefix))) {
        throw new Error(`catalog table ${table.name} reads ${table.prefix}, outside the configured exportPrefix and tokenCostsPrefix: keep the default prefixes`);
      }
    }

    this.sourceTables = {
      // Imported by name: CloudFormation never modifies them, and the Lambdas may only scan them.
      conversations: dynamodb.Table.fromTableName(this, 'ConversationsTable', parameters.conversationsTableName),
      chat: dynamodb.Table.fromTableName(this, 'ChatTable', parameters.chatTableName),
    };
    this.storage = new AnalyticsBucket(this, 'Storage', {
      dataPrefixes: [this.config.exportPrefix, this.config.tokenCostsPrefix],
      retentionDays: parameters.partitionRetentionDays,
    });
    this.catalog = new AnalyticsCatalog(this, 'Catalog', {
      stage: parameters.stage,
      bucket: this.storage.bucket,
      bytesScannedCutoffPerQuery: Math.round(parameters.athenaBytesScannedCutoffGB * BYTES_PER_GB),
    });

    const access = analyticsFunctionAccess(this.config);
    this.functions = Object.fromEntries(
      (Object.keys(ANALYTICS_FUNCTIONS) as AnalyticsFunctionName[]).map((name) => [
        name,
        new NormflowFunction(this, pascalCase(name), {
          name,
          ...ANALYTICS_FUNCTIONS[name],
          timeout: Duration.seconds(LAMBDA_TIMEOUT_SECONDS[name]),
          environment: this.environmentOf(access[name], props.runsTable, parameters.analyticsConfig ?? {}),
          grants: this.grantsOf(name, access[name], props.runsTable),
        }),
      ]),
    ) as Record<AnalyticsFunctionName, NormflowFunction<AnalyticsFunctionName>>;

    const children = {
      'conversation-export': this.childStateMachine('conversation-export', 'ConversationExport', parameters.stage),
      'token-costs': this.childStateMachine('token-costs', 'TokenCosts', parameters.stage),
    };
    const parent = aslStateMachine(this, 'Analytics', {
      name: 'analytics',
      stage: parameters.stage,
      logGroupId: 'AnalyticsLogs',
      substitutions: Object.fromEntries(
        (Object.keys(children) as ChildName[]).map((child) => [CHILD_PLACEHOLDERS[child], children[child].stateMachineArn]),
      ),
      invokes: [],
    });
    this.grantSyncChildExecutions(parent, parameters.stage, children);
    this.stateMachines = { ...children, analytics: parent };

    const daily = scheduleStateMachine(this, {
      scheduleId: 'DailyRun',
      deadLetterQueueId: 'ScheduleDeadLetterQueue',
      description: `normflow ${parameters.stage}: starts analytics with input {} (${parameters.analyticsScheduleExpression}, ${parameters.scheduleTimeZone})`,
      stateMachine: parent,
      expression: parameters.analyticsScheduleExpression,
      timeZone: parameters.scheduleTimeZone,
      enabled: parameters.scheduleEnabled,
    });
    this.schedule = daily.schedule;
    this.scheduleDeadLetterQueue = daily.deadLetterQueue;

    const prefix = `normflow-${parameters.stage}`;
    this.alarms = {
      ...Object.fromEntries(
        (['analytics', 'conversation-export', 'token-costs'] as const).map((name) => [
          name,
          failedExecutionsAlarm(this, `${pascalCase(name)}FailedExecutions`, {
            alarmName: `${prefix}-${name}-failed-executions`,
            alarmDescription:
              name === 'analytics'
                ? 'An analytics execution failed or timed out (Analytics.ChildFailed: a child failed, the other one still ran). Open the child executions in the Step Functions console.'
                : `A ${name} execution failed or timed out. Open the execution in the Step Functions console to see the failing state.`,
            stateMachine: this.stateMachines[name],
          }),
        ]),
      ),
      scheduleDeadLetters: deadLettersAlarm(this, 'ScheduleDeadLetters', {
        alarmName: `${prefix}-analytics-schedule-dead-letters`,
        alarmDescription: 'The scheduler could not start the daily analytics execution after its retries; the event is in the dead-letter queue.',
        queue: this.scheduleDeadLetterQueue,
      }),
    };
    const notify = new actions.SnsAction(props.alarmTopic);
    for (const alarm of Object.values(this.alarms)) alarm.addAlarmAction(notify);

    new CfnOutput(this, 'AnalyticsStateMachineArn', { value: parent.stateMachineArn, description: 'starts conversation-export, then token-costs' });
    new CfnOutput(this, 'AnalyticsBucketName', { value: this.storage.bucket.bucketName });
    new CfnOutput(this, 'AthenaWorkGroup', { value: this.catalog.workgroup.ref, description: 'npx normflow sql --aws --workgroup <this> --database <GlueDatabase> "SELECT …"' });
    new CfnOutput(this, 'GlueDatabase', { value: this.catalog.databaseName });
  }

  private environmentOf(access: AnalyticsFunctionAccess, runsTable: dynamodb.ITable, analyticsConfig: Record<string, unknown>): Record<string, string> {
    const tables = Object.keys(access.tables) as AnalyticsSourceTable[];
    return {
      ...Object.fromEntries(
        tables.map((table) => (table === 'runsByStart' ? ['RUNS_TABLE', runsTable.tableName] : [TABLE_VARIABLES[table], this.sourceTables[table].tableName])),
      ),
      ANALYTICS_BUCKET: this.storage.bucket.bucketName,
      ANALYTICS_CONFIG: JSON.stringify(analyticsConfig),
      ...POWERTOOLS_ENVIRONMENT,
    };
  }

  /** Exactly the calls `analyticsFunctionAccess` lists, on the resources they name. */
  private grantsOf(name: AnalyticsFunctionName, access: AnalyticsFunctionAccess, runsTable: dynamodb.ITable): FunctionGrants {
    const { bucket } = this.storage;
    const statements: iam.PolicyStatement[] = [];
    for (const [table, tableActions] of Object.entries(access.tables) as Array<[AnalyticsSourceTable, readonly string[]]>) {
      const resource = table === 'runsByStart' ? `${runsTable.tableArn}/index/${RUNS_BY_START_INDEX}` : this.sourceTables[table].tableArn;
      statements.push(new iam.PolicyStatement({ actions: [...tableActions], resources: [resource] }));
    }
    for (const grant of access.objects) {
      statements.push(new iam.PolicyStatement({ actions: [...grant.actions], resources: grant.keys.map((key) => bucket.arnForObjects(key)) }));
    }
    if (access.readsMissingKeys) statements.push(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    const wildcardKeys = [...new Set(access.objects.flatMap((grant) => grant.keys).filter((key) => key.includes('*')))];
    return {
      statements,
      description: [
        ...(Object.keys(access.tables).length > 0 ? [`source tables ${Object.keys(access.tables).join(', ')}`] : []),
        `analytics bucket keys ${[...new Set(access.objects.flatMap((grant) => grant.keys))].join(', ')}`,
      ].join('; '),
      acknowledgements: wildcardKeys.map((key) => ({
        finding: bucketWildcardFinding(bucket, key),
        reason: `${name} writes or reads ${key} once per run date or day (the * is the YYYY-MM-DD of the dt= partition): the grant names the exact file of each partition, nothing else under the prefix.`,
      })),
    };
  }

  private childStateMachine(name: ChildName, id: string, stage: string): sfn.StateMachine {
    const crawler = this.catalog.crawlers[CHILD_CRAWLERS[name].crawler];
    const functions = Object.entries(STATE_MACHINES[name].functions) as Array<[string, AnalyticsFunctionName]>;
    const stateMachine = aslStateMachine(this, id, {
      name,
      stage,
      logGroupId: `${id}Logs`,
      substitutions: {
        ...Object.fromEntries(functions.map(([placeholder, fn]) => [placeholder, this.functions[fn].function.functionArn])),
        [CHILD_CRAWLERS[name].placeholder]: crawler.crawlerName,
      },
      invokes: functions.map(([, fn]) => this.functions[fn].function),
    });
    stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['glue:StartCrawler', 'glue:GetCrawler'], resources: [crawler.crawlerArn] }));
    return stateMachine;
  }

  /**
   * `states:startExecution.sync:2`: start only the two children, follow and stop only their
   * executions, and let Step Functions manage the EventBridge rule it waits on.
   */
  private grantSyncChildExecutions(parent: sfn.StateMachine, stage: string, children: Readonly<Record<ChildName, sfn.StateMachine>>): void {
    const { partition, region, account } = this;
    const childNames = Object.keys(children) as ChildName[];
    const executionsOf = (child: ChildName) => `arn:${partition}:states:${region}:${account}:execution:${stateMachineName(stage, child)}:*`;
    parent.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: childNames.map((child) => children[child].stateMachineArn) }));
    parent.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution', 'states:StopExecution'], resources: childNames.map(executionsOf) }));
    parent.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [`arn:${partition}:events:${region}:${account}:rule/${SYNC_EVENTS_RULE}`],
      }),
    );
    for (const child of childNames) {
      acknowledgeNagFinding(
        parent.role,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stateMachineName(stage, child)}:*]`,
        'startExecution.sync:2 follows (DescribeExecution) and on cancellation stops (StopExecution) the child executions it starts, whose names Step Functions picks at run time; the grant is limited to executions of this one child state machine.',
      );
    }
  }
}

const pascalCase = (name: string): string => name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
