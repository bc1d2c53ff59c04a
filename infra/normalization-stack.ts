import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { STATE_MACHINES } from '#state-machines/render-state-machine.ts';
import type { DeploymentParameters } from './deployment-parameters.ts';
import { aslDefinition, aslStateMachine } from './constructs/asl-state-machine.ts';
import type { FunctionName } from './constructs/function-access.ts';
import { deploymentModelEnvironment, deploymentModelGrant } from './constructs/model-grant.ts';
import { NormflowFunction } from './constructs/normflow-function.ts';
import { POWERTOOLS_ENVIRONMENT, PipelineMonitoring } from './constructs/pipeline-monitoring.ts';
import { PipelineTables } from './constructs/pipeline-tables.ts';
import { scheduleStateMachine } from './constructs/state-machine-schedule.ts';
import { StreamTrigger } from './constructs/stream-trigger.ts';
import { LAMBDA_TIMEOUT_SECONDS } from './lambda-timeouts.ts';

const STATE_MACHINE = 'normalize-leads';
type TaskFunctionName = (typeof STATE_MACHINES)[typeof STATE_MACHINE]['functions'][keyof (typeof STATE_MACHINES)[typeof STATE_MACHINE]['functions']];

/** Per Task Lambda: what it does and its memory (how long it may take: LAMBDA_TIMEOUT_SECONDS). */
export const TASK_FUNCTIONS: Record<TaskFunctionName, { description: string; memorySize: number }> = {
  'load-config': { description: 'LoadConfig: validates the input, merges the config item over the defaults', memorySize: 512 },
  'plan-run': { description: 'PlanRun: run lock, segments (a 1/256 sample sizes the parallel Scan)', memorySize: 1024 },
  'select-page': { description: 'SelectPage: a segment\'s next page of due leads (bounded scan), batches of ids', memorySize: 1024 },
  'finish-page': { description: 'FinishPage: page results into the segment totals, cursor moved on', memorySize: 512 },
  'invoke-model': { description: 'InvokeModel: rules and value cache, one Bedrock Converse call per batch', memorySize: 1024 },
  'write-results': { description: 'WriteResults: guardrails on the answers, merged with the rules values; one conditional UpdateItem per lead', memorySize: 1024 },
  'split-batch': { description: 'SplitBatch: a failed batch is retried lead by lead', memorySize: 512 },
  'record-lead-failure': { description: 'RecordLeadFailure: counts a lead that failed alone and stamps it (poisoned after K failures)', memorySize: 512 },
  'record-batch-failure': { description: 'RecordBatchFailure: marks a batch failed by error name', memorySize: 512 },
  'report-run': { description: 'Report: run record, EMF metrics, lock release', memorySize: 1024 },
  'release-run-lock': { description: 'ReleaseLockAfterFailure: a failed run gives its lock back', memorySize: 256 },
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
  /** Whether inserts and edits reach the state machine through the table's stream (see StreamTrigger). */
  readonly nearRealTime: boolean;
  readonly streamTrigger: StreamTrigger | undefined;

  constructor(scope: Construct, id: string, props: NormalizationStackProps) {
    super(scope, id, props);
    const { parameters } = props;

    this.tables = new PipelineTables(this, 'Tables', {
      ...(parameters.leadsTableName ? { leadsTableName: parameters.leadsTableName } : {}),
      ...(parameters.leadsTableStreamArn ? { leadsTableStreamArn: parameters.leadsTableStreamArn } : {}),
      leadsStream: parameters.nearRealTime,
    });
    // Near-real-time runs need the table's stream: always there on a table created here, on an imported one only if named.
    this.nearRealTime = parameters.nearRealTime && this.tables.leadsStreamArn !== undefined;

    this.timeoutSeconds = aslDefinition(STATE_MACHINE).timeoutSeconds;

    const pipelineEnvironment = {
      ...this.tables.environment(),
      // Provider, endpoint, region, key source and allowed model ids: deploy-time, never the config table's.
      ...deploymentModelEnvironment(parameters),
      // The run lock expires with the execution.
      RUN_TIMEOUT_SECONDS: String(this.timeoutSeconds),
      // The index of due leads exists on a table created here; with the stream bringing new and edited leads in, nights read it.
      NORMFLOW_DUE_SELECTION: this.nearRealTime && this.tables.leadsTableCreated ? 'index' : 'scan',
      ...POWERTOOLS_ENVIRONMENT,
    };
    const modelGrant = deploymentModelGrant(this, parameters);
    const taskFunctions = Object.fromEntries(
      Object.entries(TASK_FUNCTIONS).map(([name, settings]) => [
        name,
        new NormflowFunction(this, pascalCase(name), {
          name: name as TaskFunctionName,
          ...settings,
          timeout: Duration.seconds(LAMBDA_TIMEOUT_SECONDS[name as TaskFunctionName]),
          environment: pipelineEnvironment,
          tables: this.tables.tables,
          ...(name === 'invoke-model' ? { modelGrant } : {}),
        }),
      ]),
    ) as Record<TaskFunctionName, NormflowFunction>;

    const killSwitch = new NormflowFunction(this, 'CostKillSwitch', {
      name: 'cost-kill-switch',
      description: 'Cost kill switch: sets enabled = false in the config table when the daily cost alarm fires',
      timeout: Duration.seconds(LAMBDA_TIMEOUT_SECONDS['cost-kill-switch']),
      memorySize: 256,
      environment: { CONFIG_TABLE: this.tables.tables.config.tableName, ...POWERTOOLS_ENVIRONMENT },
      tables: this.tables.tables,
    });
    const streamChanges = new NormflowFunction(this, 'StreamChanges', {
      name: 'stream-changes',
      description: 'Leads stream Pipe enrichment: leads inserted or whose configured fields changed, as {leadIds}',
      timeout: Duration.seconds(LAMBDA_TIMEOUT_SECONDS['stream-changes']),
      memorySize: 512,
      environment: pipelineEnvironment,
      tables: this.tables.tables,
    });
    this.functions = { ...taskFunctions, 'cost-kill-switch': killSwitch, 'stream-changes': streamChanges };

    // The ASL keeps its ${Placeholder}s: CloudFormation substitutes the function ARNs (DefinitionSubstitutions).
    this.stateMachine = aslStateMachine(this, 'NormalizeLeads', {
      name: STATE_MACHINE,
      stage: parameters.stage,
      logGroupId: 'StateMachineLogs',
      substitutions: Object.fromEntries(
        Object.entries(STATE_MACHINES[STATE_MACHINE].functions).map(([placeholder, name]) => [placeholder, taskFunctions[name].function.functionArn]),
      ),
      invokes: Object.values(STATE_MACHINES[STATE_MACHINE].functions).map((name) => taskFunctions[name].function),
    });

    const nightly = scheduleStateMachine(this, {
      scheduleId: 'NightlyRun',
      deadLetterQueueId: 'ScheduleDeadLetterQueue',
      description: `normflow ${parameters.stage}: starts normalize-leads with input {} (${parameters.scheduleExpression}, ${parameters.scheduleTimeZone})`,
      stateMachine: this.stateMachine,
      expression: parameters.scheduleExpression,
      timeZone: parameters.scheduleTimeZone,
      enabled: parameters.scheduleEnabled,
    });
    this.schedule = nightly.schedule;
    this.scheduleDeadLetterQueue = nightly.deadLetterQueue;

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

    if (this.nearRealTime && this.tables.leadsStreamArn) {
      this.streamTrigger = new StreamTrigger(this, 'NearRealTime', {
        stage: parameters.stage,
        streamArn: this.tables.leadsStreamArn,
        enrichment: streamChanges,
        stateMachine: this.stateMachine,
        alarmTopic: this.monitoring.topic,
      });
    }

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn, description: 'npx normflow run --aws --state-machine-arn <this>' });
    new CfnOutput(this, 'LeadsTableName', { value: this.tables.tables.leads.tableName });
    new CfnOutput(this, 'ConfigTableName', { value: this.tables.tables.config.tableName, description: 'item configId = "normalization-settings" holds the config' });
    new CfnOutput(this, 'RunsTableName', { value: this.tables.tables.runs.tableName });
    new CfnOutput(this, 'DecisionsTableName', { value: this.tables.tables.decisions.tableName, description: 'a data steward\'s decisions (npx normflow review … --aws --decisions-table <this>)' });
    new CfnOutput(this, 'ValueCacheTableName', { value: this.tables.tables.valueCache.tableName, description: 'normflow cache clear --aws --cache-table <this>' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }
}

const pascalCase = (name: string): string => name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
