import type { Stack } from 'aws-cdk-lib';
import { expect } from 'vitest';
import { ref, type SynthesizedTemplate } from './synth-stack.ts';

export interface Statement {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
  Condition?: unknown;
}

export const XRAY_WRITE: Statement = { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' };

/** What every state machine's role needs for log delivery and X-Ray (none of these has resource-level permissions). */
export const STATE_MACHINE_LOGS_AND_TRACING: Statement[] = [
  {
    Action: [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ],
    Effect: 'Allow',
    Resource: '*',
  },
  { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'], Effect: 'Allow', Resource: '*' },
];

/** The only actions that may carry Resource "*": none of them supports resource-level permissions. */
export const ACTIONS_WITHOUT_RESOURCE_LEVEL = new Set([...STATE_MACHINE_LOGS_AND_TRACING.flatMap((statement) => actionsOf(statement)), 'dynamodb:ListStreams']);

export const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
export const PARTITION = { Ref: 'AWS::Partition' };
export const REGION = { Ref: 'AWS::Region' };
export const ACCOUNT = { Ref: 'AWS::AccountId' };

export const allow = (Action: string | string[], Resource: unknown, Condition?: unknown): Statement => ({
  Action,
  Effect: 'Allow',
  Resource,
  ...(Condition === undefined ? {} : { Condition }),
});

/** The statements of the one policy attached to a role. */
export function policyOf({ json, stack }: SynthesizedTemplate<Stack>, roleLogicalId: string): Statement[] {
  const policies = Object.values(json.Resources).filter(
    (resource) =>
      resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.Roles) === JSON.stringify([ref(roleLogicalId)]),
  );
  expect(policies, `${stack.stackName}: one policy for ${roleLogicalId}`).toHaveLength(1);
  return (policies[0]?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
}

/** Every statement of every policy in a template, inline role policies included. */
export function allStatements({ json }: SynthesizedTemplate<Stack>): Statement[] {
  return Object.values(json.Resources).flatMap((resource) => {
    if (resource.Type === 'AWS::IAM::Policy') return (resource.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
    if (resource.Type === 'AWS::IAM::Role') {
      return ((resource.Properties?.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>).flatMap((policy) => policy.PolicyDocument.Statement);
    }
    return [];
  });
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/**
 * A policy as the set of single grants it makes (effect, action, resource, condition), sorted: the
 * same permissions whether CDK merged statements (the `minimizePolicies` feature flag) or not.
 */
export function grantsOf(statements: readonly Statement[]): string[] {
  return statements
    .flatMap((statement) =>
      actionsOf(statement).flatMap((action) =>
        resourcesOf(statement).map((resource) => JSON.stringify([statement.Effect, action, resource, statement.Condition ?? null])),
      ),
    )
    .sort();
}

/** No wildcard action anywhere, and Resource "*" only on actions that support no resource-level permissions. */
export function expectNoWildcardsBeyondNecessity(statements: readonly Statement[]): void {
  expect(statements.length).toBeGreaterThan(0);
  for (const statement of statements) {
    for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*/);
    if (resourcesOf(statement).includes('*')) {
      for (const action of actionsOf(statement)) expect(ACTIONS_WITHOUT_RESOURCE_LEVEL, action).toContain(action);
    }
  }
}
