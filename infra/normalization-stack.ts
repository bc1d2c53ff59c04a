import { CfnOutput, Duration, RemovalPolicy, Stack, TimeZone, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { renderStateMachine, STATE_MACHINES } from '#state-machines/render-state-machine.ts';
import type { DeploymentParameters } from './deployment-parameters.ts';
import type { FunctionName } from './constructs/function-access.ts';
import { acknowledgeNagFinding } from './constructs/nag-acknowledgement.ts';
import { LOG_RETENTION, modelGrantFor, NormflowFunction } from './constructs/normflow-function.ts';
import { METRICS_NAMESPACE, PipelineMonitoring, SERVICE_NAME } from './constructs/pipeline-monitoring.ts';
import { PipelineTables } from './constructs/pipeline-tables.ts';

const STATE_MACHINE = 'normalize-leads';
type TaskFunctionName = (typeof STATE_MACHINES)[typeof STATE_MACHINE]['functions'][keyof (typeof STATE_MACHINES)[typeof STATE_MACHINE]['functions']];

/** Per Task Lambda: what it does, how long it may take (the model call alone may take up to 300 s), and its memory. */
const TASK_FUNCTIONS: Record<TaskFunctionName, { description: string; timeout: Duration; memorySize: number }> = {
  'load-config': { description: 'LoadConfig: validates the input, merges the config item over the defaults', timeout: Duration.seconds(30), memorySize: 512 },
  'select-leads': { description: 'SelectLeads: run lock, due leads (scan), batches of ids', timeout: Duration.minutes(15), memorySize: 1024 },
  'invoke-model': { description: 'InvokeModel: rules and value cache, one Bedrock Converse call per batch', timeout: Duration.minutes(6), memorySize: 1024 },
  'post-process': { description: 'PostProcess: guardrails on the answers, merged with the rules values', timeout: Duration.minutes(5), memorySize: 1024 },
  'write-results': { description: 'WriteResults: one conditional UpdateItem per lead', timeout: Duration.minutes(5), memorySize: 1024 },
  'record-batch-failure': { description: 'RecordBatchFailure: marks a batch failed by error name', timeout: Duration.minutes(1), memorySize: 512 },
  'report-run': { description: 'Report: run record, EMF metrics, lock release', timeout: Duration.minutes(5), memorySize: 1024 },
};

export interface NormalizationStackProps extends StackProps {
  readonly parameters: DeploymentParameters;
}

/**
 * The normalize-leads pipeline on AWS: the tables, one Lambda per Task state, the state machine
 * rendered from the very ASL file the local runner executes, the nightly schedule, and its alarms.
 */
export class NormalizationStack extends Stack {
  readonly tables: PipelineTables;
  readonly functions: Readonly<Record<FunctionName, NormflowFunction>>;
  readonly stateMachine: sfn.StateMachine;
  readonly timeoutSeconds: number;
  readonly schedule: scheduler.Schedule;
  readonly scheduleDeadLetterQueue: sqs.Queue;
  readonly monitoring: PipelineMonitoring;

  constructor(scope: Construct, id: string, props: NormalizationStackProps) {
    super(scope, id, props);
    const { parameters } = props;

    this.tables = new PipelineTables(this, 'Tables', parameters.leadsTableName ? { leadsTableName: parameters.leadsTableName } : {});

    // Kept as ${Placeholder}: CloudFormation substitutes the function ARNs (DefinitionSubstitutions).
    const placeholders = STATE_MACHINES[STATE_MACHINE].functions;
    const definition = renderStateMachine(
      STATE_MACHINE,
      Object.fromEntries(Object.keys(placeholders).map((placeholder) => [placeholder, `\${${placeholder}}`])),
    );
    if (typeof definition.TimeoutSeconds !== 'number') throw new Error(`${STATE_MACHINE}: the ASL file must set TimeoutSeconds`);
    this.timeoutSeconds = definition.TimeoutSeconds;

    const powertools = {
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    const pipelineEnvironment = {
      ...this.tables.environment(),
      NORMFLOW_PROVIDER: 'bedrock',
      // The run lock expires with the execution.
      RUN_TIMEOUT_SECONDS: String(this.timeoutSeconds),
      NORMFLOW_CONFIG_DEFAULTS: JSON.stringify({ model: { modelId: parameters.modelId } }),
      ...powertools,
    };
    const modelGrant = modelGrantFor(this, parameters.modelId);
    const taskFunctions = Object.fromEntries(
      Object.entries(TASK_FUNCTIONS).map(([name, settings]) => [
        name,
        new NormflowFunction(this, pascalCase(name), {
          name: name as TaskFunctionName,
          ...settings,
          environment: pipelineEnvironment,
          tables: this.tables.tables,
          ...(name === 'invoke-model' ? { modelGrant } : {}),
        }),
      ]),
    ) as Record<TaskFunctionName, NormflowFunction>;

    const killSwitch = new NormflowFunction(this, 'CostKillSwitch', {
      name: 'cost-kill-switch',
      description: 'Cost kill switch: sets enabled = false in the config table when the daily cost alarm fires',
      timeout: Duration.seconds(30),
      memorySize: 256,
      environment: { CONFIG_TABLE: this.tables.tables.config.tableName, ...powertools },
      tables: this.tables.tables,
    });
    this.functions = { ...taskFunctions, 'cost-kill-switch': killSwitch };

    this.stateMachine = this.buildStateMachine(parameters.stage, JSON.stringify(definition), taskFunctions);

    this.scheduleDeadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeNagFinding(
      this.scheduleDeadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the EventBridge Scheduler target; a dead-letter queue needs no dead-letter queue of its own.',
    );
    this.schedule = new scheduler.Schedule(this, 'NightlyRun', {
      description: `normflow ${parameters.stage}: starts normalize-leads with input {} (${parameters.scheduleExpression}, ${parameters.scheduleTimeZone})`,
      // Evaluated in the named time zone by EventBridge Scheduler, never hand-converted to UTC.
      schedule: scheduler.ScheduleExpression.expression(parameters.scheduleExpression, TimeZone.of(parameters.scheduleTimeZone)),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({}),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.scheduleDeadLetterQueue,
      }),
      enabled: parameters.scheduleEnabled,
    });

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      stage: parameters.stage,
      stateMachine: this.stateMachine,
      timeoutSeconds: this.timeoutSeconds,
      dailyCostBudgetUSD: parameters.dailyCostBudgetUSD,
      ...(parameters.alarmEmail ? { alarmEmail: parameters.alarmEmail } : {}),
      killSwitch: killSwitch.function,
      scheduleDeadLetterQueue: this.scheduleDeadLetterQueue,
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, fn]) => [name, fn.function])),
    });

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn, description: 'npx normflow run --aws --state-machine-arn <this>' });
    new CfnOutput(this, 'LeadsTableName', { value: this.tables.tables.leads.tableName });
    new CfnOutput(this, 'ConfigTableName', { value: this.tables.tables.config.tableName, description: 'item configId = "normalization-settings" holds the config' });
    new CfnOutput(this, 'RunsTableName', { value: this.tables.tables.runs.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }

  private buildStateMachine(stage: string, definitionString: string, taskFunctions: Record<TaskFunctionName, NormflowFunction>): sfn.StateMachine {
    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's log resource policy.
      logGroupName: `/aws/vendedlogs/states/normflow-${stage}-${STATE_MACHINE}`,
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const arns = Object.fromEntries(
      Object.entries(STATE_MACHINES[STATE_MACHINE].functions).map(([placeholder, name]) => [placeholder, taskFunctions[name].function.functionArn]),
    );
    const stateMachine = new sfn.StateMachine(this, 'NormalizeLeads', {
      stateMachineName: `normflow-${stage}-${STATE_MACHINE}`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      // Inline (not an S3 asset), the ASL file as rendered for the local runner, ARNs substituted by CloudFormation.
      definitionBody: sfn.DefinitionBody.fromString(definitionString),
      definitionSubstitutions: arns,
      tracingEnabled: true,
      // Level ALL without execution data: state inputs and outputs carry lead values (personal data) and must not reach the logs.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: Object.values(arns) }),
    );
    acknowledgeNagFinding(
      stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Step Functions logging and X-Ray tracing: logs:CreateLogDelivery/GetLogDelivery/UpdateLogDelivery/DeleteLogDelivery/ListLogDeliveries, ' +
        'logs:PutResourcePolicy/DescribeResourcePolicies/DescribeLogGroups and xray:PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets ' +
        'support no resource-level permissions, so they need Resource "*". Lambda invocation is limited to the pipeline\'s own functions.',
    );
    return stateMachine;
  }
}

const pascalCase = (name: string): string => name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
