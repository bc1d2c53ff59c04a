import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FUNCTION_ACCESS, type FunctionName } from '#infra/constructs/function-access.ts';
import { RUN_METRICS } from '#infra/constructs/pipeline-monitoring.ts';
import { LAMBDA_TIMEOUT_SECONDS } from '#infra/lambda-timeouts.ts';
import { renderStateMachine, placeholdersOf, STATE_MACHINES, type StateMachineDefinition } from '#state-machines/render-state-machine.ts';
import { CONFIG_ID } from '#shared/pipeline/pipeline-types.ts';
import { TABLE_DEFINITIONS, type TableLogicalName } from '#shared/stores/table-definitions.ts';
import { getAtt, logicalIdOf, ref, synthesize } from './synth-stack.ts';

const ASL_FILE = new URL('../../state-machines/normalize-leads.asl.json', import.meta.url);
const TASK_FUNCTIONS = STATE_MACHINES['normalize-leads'].functions;
const ALL_FUNCTIONS = Object.keys(FUNCTION_ACCESS) as FunctionName[];

const resourcesOf = (json: ReturnType<typeof synthesize>['json'], type: string) =>
  Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);

/** Every state of a definition, Map item processors included, by name. */
function allStates(definition: { States: Record<string, unknown> }): Map<string, Record<string, unknown>> {
  const states = new Map<string, Record<string, unknown>>();
  for (const [name, state] of Object.entries(definition.States) as Array<[string, Record<string, unknown> & { ItemProcessor?: { States: Record<string, unknown> } }]>) {
    states.set(name, state);
    if (state.ItemProcessor) for (const [nested, value] of allStates(state.ItemProcessor)) states.set(nested, value);
  }
  return states;
}

describe('tables from shared/stores/table-definitions.ts', () => {
  const { stack, json, template } = synthesize();

  it.each(Object.values(TABLE_DEFINITIONS))('$logicalName: keys, indexes and TTL as defined', (definition) => {
    const logicalId = logicalIdOf(stack, stack.tables.tables[definition.logicalName]);
    const table = json.Resources[logicalId];
    expect(table?.Type).toBe('AWS::DynamoDB::Table');
    const properties = table?.Properties ?? {};
    expect(properties.KeySchema).toEqual(definition.keySchema);
    expect(properties.AttributeDefinitions).toEqual(expect.arrayContaining([...definition.attributeDefinitions]));
    expect(properties.AttributeDefinitions).toHaveLength(definition.attributeDefinitions.length);
    expect(properties.GlobalSecondaryIndexes).toEqual(
      definition.globalSecondaryIndexes?.map((index) => ({
        IndexName: index.indexName,
        KeySchema: index.keySchema,
        Projection: { ProjectionType: index.projection ?? 'ALL' },
      })),
    );
    expect(properties.TimeToLiveSpecification).toEqual(
      definition.timeToLiveAttribute ? { AttributeName: definition.timeToLiveAttribute, Enabled: true } : undefined,
    );
  });

  it('creates all five, on demand, with point-in-time recovery, KMS encryption, and RETAIN', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 5);
    for (const [, table] of resourcesOf(json, 'AWS::DynamoDB::Table')) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('creates the leads table keyed by leadId when no existing one is named', () => {
    expect(stack.tables.leadsTableCreated).toBe(true);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'leadId', KeyType: 'HASH' }],
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'leadId', AttributeType: 'S' }]),
      // The stream near-real-time runs read: both images, to tell an edit of a configured field from any other write.
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('gives the leads table no stream when near-real-time runs are turned off', () => {
    const off = synthesize({ nearRealTime: 'false' });
    const leads = off.json.Resources[logicalIdOf(off.stack, off.stack.tables.tables.leads)]?.Properties;
    expect(leads).not.toHaveProperty('StreamSpecification');
  });

  it('imports an existing leads table by name instead of creating one', () => {
    const imported = synthesize({ leadsTableName: 'CrmLeads' });
    expect(imported.stack.tables.leadsTableCreated).toBe(false);
    imported.template.resourceCountIs('AWS::DynamoDB::Table', 4);
    imported.template.allResourcesProperties('AWS::DynamoDB::Table', {
      KeySchema: Match.not(Match.arrayWith([{ AttributeName: 'leadId', KeyType: 'HASH' }])),
    });
    for (const [, fn] of resourcesOf(imported.json, 'AWS::Lambda::Function')) {
      const variables = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
      if ('LEADS_TABLE' in variables) expect(variables.LEADS_TABLE).toBe('CrmLeads');
    }
  });
});

describe('Lambdas: one per Task, bundled from the handler files the local runtime runs', () => {
  const { stack, json, template } = synthesize();

  it('has exactly one function per Task function plus the cost kill switch and the stream enrichment, and no other', () => {
    template.resourceCountIs('AWS::Lambda::Function', ALL_FUNCTIONS.length);
    expect(Object.keys(stack.functions).sort()).toEqual([...new Set(Object.values(TASK_FUNCTIONS)), 'cost-kill-switch', 'stream-changes'].sort());
  });

  it.each(ALL_FUNCTIONS)('%s is bundled from its own file under functions/, which exports the handler', async (name) => {
    const entry = stack.functions[name].entry;
    expect(entry).toBe(resolve(process.cwd(), 'functions', `${name}.ts`));
    expect(existsSync(entry)).toBe(true);
    const module = (await import(`#functions/${name}.ts`)) as { handler: unknown };
    expect(typeof module.handler).toBe('function');
  });

  it.each(ALL_FUNCTIONS)('%s: deployed with the timeout the local runtime holds its invocations to', (name) => {
    const properties = json.Resources[logicalIdOf(stack, stack.functions[name].function)]?.Properties;
    expect(properties?.Timeout).toBe(LAMBDA_TIMEOUT_SECONDS[name]);
  });

  it.each(ALL_FUNCTIONS)('%s: Node.js 22 on arm64, X-Ray, its own log group with retention', (name) => {
    const fn = stack.functions[name];
    const properties = json.Resources[logicalIdOf(stack, fn.function)]?.Properties;
    expect(properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: ref(logicalIdOf(stack, fn.logGroup)) },
      Role: getAtt(logicalIdOf(stack, fn.role)),
    });
    expect(json.Resources[logicalIdOf(stack, fn.logGroup)]?.Properties).toMatchObject({ RetentionInDays: 90 });
  });

  it('gives every Task Lambda the environment the local runtime sets, the Bedrock provider and the run timeout', () => {
    const tableRef = (logicalName: TableLogicalName) => ref(logicalIdOf(stack, stack.tables.tables[logicalName]));
    for (const name of Object.values(TASK_FUNCTIONS)) {
      const properties = json.Resources[logicalIdOf(stack, stack.functions[name].function)]?.Properties;
      expect(properties?.Environment).toEqual({
        Variables: {
          LEADS_TABLE: tableRef('leads'),
          CONFIG_TABLE: tableRef('config'),
          RUNS_TABLE: tableRef('runs'),
          VALUE_CACHE_TABLE: tableRef('valueCache'),
          DECISIONS_TABLE: tableRef('decisions'),
          NORMFLOW_PROVIDER: 'bedrock',
          NORMFLOW_ALLOWED_MODEL_IDS: 'anthropic.claude-3-haiku-20240307-v1:0',
          RUN_TIMEOUT_SECONDS: '86400',
          NORMFLOW_DUE_SELECTION: 'index',
          NORMFLOW_CONFIG_DEFAULTS: '{"model":{"modelId":"anthropic.claude-3-haiku-20240307-v1:0"}}',
          POWERTOOLS_SERVICE_NAME: 'normflow',
          POWERTOOLS_METRICS_NAMESPACE: 'normflow',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      });
    }
  });

  it('passes the model id from context into the config defaults layer', () => {
    const custom = synthesize({ modelId: 'amazon.nova-lite-v1:0' });
    const properties = custom.json.Resources[logicalIdOf(custom.stack, custom.stack.functions['invoke-model'].function)]?.Properties;
    expect((properties?.Environment as { Variables: Record<string, unknown> }).Variables.NORMFLOW_CONFIG_DEFAULTS).toBe(
      '{"model":{"modelId":"amazon.nova-lite-v1:0"}}',
    );
  });

  it('gives the kill switch only the config table and the Powertools settings', () => {
    const properties = json.Resources[logicalIdOf(stack, stack.functions['cost-kill-switch'].function)]?.Properties;
    expect(properties?.Environment).toEqual({
      Variables: {
        CONFIG_TABLE: ref(logicalIdOf(stack, stack.tables.tables.config)),
        POWERTOOLS_SERVICE_NAME: 'normflow',
        POWERTOOLS_METRICS_NAMESPACE: 'normflow',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
  });
});

describe('state machine: the rendered ASL file, inline', () => {
  const { stack, json } = synthesize();
  const [[, machine] = ['', undefined]] = resourcesOf(json, 'AWS::StepFunctions::StateMachine');
  const properties = machine?.Properties ?? {};
  const keptPlaceholders = Object.fromEntries(placeholdersOf('normalize-leads').map((placeholder) => [placeholder, `\${${placeholder}}`]));
  const aslFile = JSON.parse(readFileSync(ASL_FILE, 'utf8')) as StateMachineDefinition;

  it('is defined inline (DefinitionString), not from an S3 asset', () => {
    expect(typeof properties.DefinitionString).toBe('string');
    expect(properties).not.toHaveProperty('DefinitionS3Location');
    expect(properties).not.toHaveProperty('Definition');
  });

  it('equals the ASL file as the renderer reads it, placeholders left for CloudFormation', () => {
    const deployed = JSON.parse(properties.DefinitionString as string) as StateMachineDefinition;
    expect(deployed).toEqual(renderStateMachine('normalize-leads', keptPlaceholders));
    expect(deployed).toEqual(aslFile);
  });

  it('keeps every state, its Retry and its Catch exactly', () => {
    const deployed = allStates(JSON.parse(properties.DefinitionString as string) as StateMachineDefinition);
    const original = allStates(aslFile);
    expect([...deployed.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [name, state] of original) {
      expect(deployed.get(name)?.Retry, `${name} Retry`).toEqual(state.Retry);
      expect(deployed.get(name)?.Catch, `${name} Catch`).toEqual(state.Catch);
    }
  });

  it('substitutes each Task state\'s placeholder with the ARN of the Lambda built from its handler file', () => {
    const deployed = allStates(JSON.parse(properties.DefinitionString as string) as StateMachineDefinition);
    const substitutions = properties.DefinitionSubstitutions as Record<string, unknown>;
    expect(Object.keys(substitutions).sort()).toEqual(placeholdersOf('normalize-leads'));
    const tasks = [...deployed].filter(([, state]) => state.Type === 'Task');
    const placeholders = new Set(tasks.map(([, state]) => /^\$\{(\w+)\}$/.exec((state.Parameters as { FunctionName: string }).FunctionName)?.[1]));
    expect([...placeholders].sort()).toEqual(Object.keys(TASK_FUNCTIONS).sort());
    for (const [stateName, state] of tasks) {
      const placeholder = /^\$\{(\w+)\}$/.exec((state.Parameters as { FunctionName: string }).FunctionName)?.[1] as keyof typeof TASK_FUNCTIONS;
      const functionName = TASK_FUNCTIONS[placeholder];
      expect(functionName, stateName).toBeDefined();
      expect(substitutions[placeholder], stateName).toEqual(getAtt(logicalIdOf(stack, stack.functions[functionName].function)));
      expect(stack.functions[functionName].entry, stateName).toBe(resolve(process.cwd(), 'functions', `${functionName}.ts`));
    }
  });

  it('keeps the ASL timeout, and every Task Lambda\'s run lock expires with it', () => {
    expect(aslFile.TimeoutSeconds).toBe(86_400);
    expect(stack.timeoutSeconds).toBe(aslFile.TimeoutSeconds);
    for (const name of Object.values(TASK_FUNCTIONS)) {
      const variables = (json.Resources[logicalIdOf(stack, stack.functions[name].function)]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.RUN_TIMEOUT_SECONDS).toBe(String(aslFile.TimeoutSeconds));
    }
  });

  it('logs level ALL without execution data to its own log group, and traces with X-Ray', () => {
    expect(properties.StateMachineType).toBe('STANDARD');
    const logGroupId = logicalIdOf(stack, stack.node.findChild('StateMachineLogs'));
    expect(properties.LoggingConfiguration).toEqual({
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: getAtt(logGroupId) } }],
      IncludeExecutionData: false,
      Level: 'ALL',
    });
    expect(properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(json.Resources[logGroupId]?.Properties).toMatchObject({
      LogGroupName: '/aws/vendedlogs/states/normflow-dev-normalize-leads',
      RetentionInDays: 90,
    });
  });
});

describe('schedule: EventBridge Scheduler, 02:00 America/Bogota', () => {
  const { stack, template } = synthesize();

  it('starts the state machine with input {} at 02:00 Bogotá time, retrying into a dead-letter queue', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'America/Bogota',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: ref(logicalIdOf(stack, stack.stateMachine)),
        Input: '{}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: getAtt(logicalIdOf(stack, stack.scheduleDeadLetterQueue)) },
        RoleArn: Match.anyValue(),
      },
    });
  });

  it('keeps the dead-letter queue encrypted, TLS-only, for 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    });
  });

  it('takes the expression, time zone and state from context', () => {
    synthesize({ scheduleExpression: 'cron(30 23 ? * SUN *)', scheduleTimeZone: 'UTC', scheduleEnabled: 'false' }).template.hasResourceProperties(
      'AWS::Scheduler::Schedule',
      { ScheduleExpression: 'cron(30 23 ? * SUN *)', ScheduleExpressionTimezone: 'UTC', State: 'DISABLED' },
    );
  });
});

describe('alarms → SNS topic, cost kill switch, dashboard', () => {
  const { stack, json, template } = synthesize();
  const topic = ref(logicalIdOf(stack, stack.monitoring.topic));
  const alarmProperties = (alarm: keyof typeof stack.monitoring.alarms) =>
    json.Resources[logicalIdOf(stack, stack.monitoring.alarms[alarm])]?.Properties ?? {};
  const normflowMetric = { Namespace: 'normflow', Dimensions: [{ Name: 'service', Value: 'normflow' }] };

  it('NormalizationErrors summed over 1 hour above 5 → topic', () => {
    expect(alarmProperties('normalizationErrors')).toMatchObject({
      ...normflowMetric,
      MetricName: 'NormalizationErrors',
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
    });
  });

  it('any failed or timed-out execution → topic', () => {
    const machine = ref(logicalIdOf(stack, stack.stateMachine));
    const statesMetric = (id: string, metricName: string) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: 'AWS/States', MetricName: metricName, Dimensions: [{ Name: 'StateMachineArn', Value: machine }] },
        Period: 300,
        Stat: 'Sum',
      },
      ReturnData: false,
    });
    expect(alarmProperties('failedExecutions')).toMatchObject({
      Metrics: [
        { Expression: 'FILL(failed, 0) + FILL(timedOut, 0)', ReturnData: true },
        statesMetric('failed', 'ExecutionsFailed'),
        statesMetric('timedOut', 'ExecutionsTimedOut'),
      ],
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
    });
  });

  it('run Duration above 80% of the state machine timeout → topic', () => {
    expect(alarmProperties('runDuration')).toMatchObject({
      ...normflowMetric,
      MetricName: 'Duration',
      Statistic: 'Maximum',
      Period: 3600,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0.8 * 86_400 * 1000,
      AlarmActions: [topic],
    });
  });

  it('in-flight spend (BatchCostUSD, per model call) summed over a day above the budget → topic and the kill switch, and says so', () => {
    const properties = alarmProperties('dailyCost');
    expect(properties).toMatchObject({
      ...normflowMetric,
      MetricName: 'BatchCostUSD',
      Statistic: 'Sum',
      Period: 86_400,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5,
      TreatMissingData: 'notBreaching',
    });
    const killSwitch = getAtt(logicalIdOf(stack, stack.functions['cost-kill-switch'].function));
    expect(properties.AlarmActions).toEqual(expect.arrayContaining([topic, killSwitch]));
    expect(properties.AlarmActions).toHaveLength(2);
    expect(properties.AlarmDescription).toMatch(/kill switch/i);
    expect(properties.AlarmDescription).toContain(`enabled = false in the config table item "${CONFIG_ID}"`);
    expect(synthesize({ dailyCostBudgetUSD: '12.5' }).template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'BatchCostUSD', Threshold: 12.5 } })).not.toEqual({});
  });

  it('lets only the cost alarm invoke the kill switch', () => {
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(logicalIdOf(stack, stack.functions['cost-kill-switch'].function)),
      Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: getAtt(logicalIdOf(stack, stack.monitoring.alarms.dailyCost)),
    });
  });

  it('alarms when the schedule dead-letters an execution', () => {
    expect(alarmProperties('scheduleDeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(logicalIdOf(stack, stack.scheduleDeadLetterQueue), 'QueueName') }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [topic],
    });
  });

  it('sends every alarm to the topic, which only accepts TLS publishers', () => {
    // Five of the pipeline, one of the stream Pipe's dead-letter queue.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.arrayWith([topic]) });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
  });

  it('subscribes the alarm e-mail only when one is given', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    synthesize({ alarmEmail: 'ops@example.com' }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('has a dashboard with every pipeline metric and the executions', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [[, dashboard] = ['', undefined]] = resourcesOf(json, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard?.Properties?.DashboardBody);
    for (const metric of [...RUN_METRICS, 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsSucceeded', 'ExecutionsStarted']) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
    expect(body).toContain('\\"normflow\\",\\"');
    expect(body).toContain('\\"service\\",\\"normflow\\"');
  });

  it('outputs the state machine ARN for `normflow run --aws`', () => {
    template.hasOutput('StateMachineArn', { Value: ref(logicalIdOf(stack, stack.stateMachine)) });
  });
});
