import { describe, expect, it } from 'vitest';
import { FUNCTION_ACCESS, type FunctionName } from '#infra/constructs/function-access.ts';
import type { TableLogicalName } from '#shared/stores/table-definitions.ts';
import {
  ACCOUNT,
  actionsOf,
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
import { getAtt, logicalIdOf, ref, synthesize } from './synth-stack.ts';

describe('IAM: exact statements per role (default deployment: leads table created)', () => {
  const synthesized = synthesize();
  const { stack } = synthesized;
  const table = (logicalName: TableLogicalName) => getAtt(logicalIdOf(stack, stack.tables.tables[logicalName]));
  const logs = (name: FunctionName): Statement => ({
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Effect: 'Allow',
    Resource: getAtt(logicalIdOf(stack, stack.functions[name].logGroup)),
  });
  const haikuArn = join('arn:', PARTITION, ':bedrock:', REGION, '::foundation-model/anthropic.claude-3-haiku-20240307-v1:0');

  const expected: Record<FunctionName, Statement[]> = {
    'load-config': [logs('load-config'), allow('dynamodb:GetItem', table('config')), XRAY_WRITE],
    'plan-run': [
      logs('plan-run'),
      allow('dynamodb:Scan', table('leads')),
      allow(['dynamodb:GetItem', 'dynamodb:PutItem'], table('runs')),
      XRAY_WRITE,
    ],
    'select-page': [
      logs('select-page'),
      allow('dynamodb:Scan', table('leads')),
      allow(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'], table('runs')),
      allow('dynamodb:Query', join(table('leads'), '/index/dueLeads')),
      XRAY_WRITE,
    ],
    'finish-page': [logs('finish-page'), allow(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'], table('runs')), XRAY_WRITE],
    'invoke-model': [
      logs('invoke-model'),
      allow('dynamodb:BatchGetItem', table('leads')),
      allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], table('runs')),
      allow('dynamodb:BatchGetItem', table('valueCache')),
      allow('dynamodb:BatchGetItem', table('decisions')),
      allow('bedrock:InvokeModel', haikuArn),
      XRAY_WRITE,
    ],
    'write-results': [
      logs('write-results'),
      allow(['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], table('leads')),
      allow(['dynamodb:GetItem', 'dynamodb:PutItem'], table('runs')),
      allow(['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'], table('valueCache')),
      allow('dynamodb:BatchGetItem', table('decisions')),
      XRAY_WRITE,
    ],
    'split-batch': [logs('split-batch'), allow(['dynamodb:GetItem', 'dynamodb:PutItem'], table('runs')), XRAY_WRITE],
    'record-lead-failure': [
      logs('record-lead-failure'),
      allow(['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], table('leads')),
      allow(['dynamodb:GetItem', 'dynamodb:PutItem'], table('runs')),
      XRAY_WRITE,
    ],
    'record-batch-failure': [logs('record-batch-failure'), allow(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'], table('runs')), XRAY_WRITE],
    'report-run': [logs('report-run'), allow(['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'], table('runs')), XRAY_WRITE],
    'release-run-lock': [logs('release-run-lock'), allow('dynamodb:UpdateItem', table('runs')), XRAY_WRITE],
    'cost-kill-switch': [logs('cost-kill-switch'), allow('dynamodb:UpdateItem', table('config')), XRAY_WRITE],
    'stream-changes': [logs('stream-changes'), allow('dynamodb:GetItem', table('config')), XRAY_WRITE],
  };

  it.each(Object.keys(expected) as FunctionName[])('%s: exactly its log group, its table actions, and X-Ray', (name) => {
    expect(grantsOf(policyOf(synthesized, logicalIdOf(stack, stack.functions[name].role)))).toEqual(grantsOf(expected[name]));
  });

  it.each(Object.keys(expected) as FunctionName[])('%s: a role of its own, assumed by Lambda only, with no managed policy', (name) => {
    const role = synthesized.json.Resources[logicalIdOf(stack, stack.functions[name].role)]?.Properties ?? {};
    expect(role.AssumeRolePolicyDocument).toEqual({
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      Version: '2012-10-17',
    });
    expect(role).not.toHaveProperty('ManagedPolicyArns');
    expect(role).not.toHaveProperty('Policies');
  });

  it('lets the state machine invoke only its own Task Lambdas, unqualified, plus log delivery and X-Ray', () => {
    const taskFunctionArns = (
      ['load-config', 'plan-run', 'select-page', 'finish-page', 'invoke-model', 'write-results', 'split-batch', 'record-lead-failure', 'record-batch-failure', 'report-run', 'release-run-lock'] as const
    ).map((name) => getAtt(logicalIdOf(stack, stack.functions[name].function)));
    const [defaultPolicy, ...others] = Object.entries(synthesized.json.Resources).filter(
      ([id, resource]) =>
        resource.Type === 'AWS::IAM::Policy' &&
        !id.includes('DistributedMapPolicy') &&
        JSON.stringify(resource.Properties?.Roles) === JSON.stringify([ref(logicalIdOf(stack, stack.stateMachine.role))]),
    );
    expect(others).toEqual([]);
    expect(grantsOf((defaultPolicy?.[1].Properties?.PolicyDocument as { Statement: Statement[] }).Statement)).toEqual(
      grantsOf([...STATE_MACHINE_LOGS_AND_TRACING, allow('lambda:InvokeFunction', taskFunctionArns)]),
    );
  });

  it('lets the Distributed Map start, describe, stop and redrive child executions of this state machine only', () => {
    const machine = ref(logicalIdOf(stack, stack.stateMachine));
    const executions = join('arn:', PARTITION, ':states:', REGION, ':', ACCOUNT, ':execution:normflow-dev-normalize-leads:*');
    const mapRuns = join('arn:', PARTITION, ':states:', REGION, ':', ACCOUNT, ':execution:normflow-dev-normalize-leads/Segments:*');
    const [policy] = Object.entries(synthesized.json.Resources).filter(([id, resource]) => resource.Type === 'AWS::IAM::Policy' && id.includes('DistributedMapPolicy'));
    const statements = (policy?.[1].Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(grantsOf(statements)).toEqual(
      grantsOf([allow('states:StartExecution', machine), allow(['states:DescribeExecution', 'states:StopExecution'], executions), allow('states:RedriveExecution', mapRuns)]),
    );
  });

  it('lets the scheduler start only this state machine and write only to its dead-letter queue', () => {
    const [scheduleRole] = Object.entries(synthesized.json.Resources).filter(
      ([, resource]) =>
        resource.Type === 'AWS::IAM::Role' && JSON.stringify(resource.Properties?.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    );
    expect(scheduleRole).toBeDefined();
    expect(grantsOf(policyOf(synthesized, scheduleRole?.[0] ?? ''))).toEqual(
      grantsOf([
        allow('states:StartExecution', ref(logicalIdOf(stack, stack.stateMachine))),
        allow('sqs:SendMessage', getAtt(logicalIdOf(stack, stack.scheduleDeadLetterQueue))),
      ]),
    );
  });

  it('grants no DeleteItem, no wildcard action, and Resource "*" only to actions that require it', () => {
    const statements = allStatements(synthesized);
    expectNoWildcardsBeyondNecessity(statements);
    expect(statements.flatMap(actionsOf)).not.toContain('dynamodb:DeleteItem');
    expect(Object.values(FUNCTION_ACCESS).flatMap((access) => Object.values(access.tables).flat())).not.toContain('dynamodb:DeleteItem');
  });
});

describe('IAM with an imported leads table and an inference profile', () => {
  const profileId = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
  const synthesized = synthesize({ leadsTableName: 'CrmLeads', modelId: profileId, alarmEmail: 'ops@example.com' });
  const { stack } = synthesized;
  const importedLeadsArn = join('arn:', PARTITION, ':dynamodb:', REGION, ':', ACCOUNT, ':table/CrmLeads');

  it('grants the leads actions on the named table in the deploying account and region', () => {
    const leadsGrants = (name: FunctionName) =>
      grantsOf(policyOf(synthesized, logicalIdOf(stack, stack.functions[name].role))).filter((grant) => grant.includes('table/CrmLeads'));
    const leads = (action: string) => JSON.stringify(['Allow', action, importedLeadsArn, null]);
    expect(leadsGrants('write-results')).toEqual([leads('dynamodb:BatchGetItem'), leads('dynamodb:UpdateItem')]);
    expect(leadsGrants('record-lead-failure')).toEqual([leads('dynamodb:BatchGetItem'), leads('dynamodb:UpdateItem')]);
    expect(leadsGrants('plan-run')).toEqual([leads('dynamodb:Scan')]);
    // The index of due leads is this stack's: an imported table has none, and its runs scan (the grant names a missing index).
    expect(leadsGrants('select-page')).toEqual([leads('dynamodb:Scan'), JSON.stringify(['Allow', 'dynamodb:Query', join('arn:', PARTITION, ':dynamodb:', REGION, ':', ACCOUNT, ':table/CrmLeads/index/dueLeads'), null])].sort());
    expect(leadsGrants('invoke-model')).toEqual([leads('dynamodb:BatchGetItem')]);
    expect(leadsGrants('load-config')).toEqual([]);
  });

  it('allows InvokeModel on the profile, and on its model in any region only through that profile', () => {
    const profileArn = join('arn:', PARTITION, ':bedrock:', REGION, ':', ACCOUNT, `:inference-profile/${profileId}`);
    const bedrock = policyOf(synthesized, logicalIdOf(stack, stack.functions['invoke-model'].role)).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('bedrock:')),
    );
    expect(grantsOf(bedrock)).toEqual(grantsOf([
      { Action: 'bedrock:InvokeModel', Effect: 'Allow', Resource: profileArn },
      {
        Action: 'bedrock:InvokeModel',
        Effect: 'Allow',
        Resource: join('arn:', PARTITION, ':bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0'),
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
      },
    ]));
  });

  it('gives no other role any Bedrock action', () => {
    const others = Object.entries(stack.functions).filter(([name]) => name !== 'invoke-model');
    for (const [name, fn] of others) {
      const actions = policyOf(synthesized, logicalIdOf(stack, fn.role)).flatMap(actionsOf);
      expect(actions.filter((action) => action.startsWith('bedrock:')), name).toEqual([]);
    }
  });
});
