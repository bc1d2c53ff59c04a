import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { placeholdersOf, renderStateMachine, type StateMachineDefinition, type StateMachineName } from '#state-machines/render-state-machine.ts';
import { acknowledgeNagFinding } from './nag-acknowledgement.ts';
import { LOG_RETENTION } from './normflow-function.ts';

/**
 * An ASL file as the renderer reads it with every `${Placeholder}` kept for CloudFormation's
 * DefinitionSubstitutions, and the timeout it sets (every normflow state machine must set one).
 */
export function aslDefinition(name: StateMachineName): { definition: StateMachineDefinition; timeoutSeconds: number } {
  const definition = renderStateMachine(name, Object.fromEntries(placeholdersOf(name).map((placeholder) => [placeholder, `\${${placeholder}}`])));
  if (typeof definition.TimeoutSeconds !== 'number') throw new Error(`${name}: the ASL file must set TimeoutSeconds`);
  return { definition, timeoutSeconds: definition.TimeoutSeconds };
}

/** Physical name of a deployed state machine: fixed, so execution ARNs can be granted by name. */
export const stateMachineName = (stage: string, name: StateMachineName): string => `normflow-${stage}-${name}`;

export interface AslStateMachineProps {
  readonly name: StateMachineName;
  readonly stage: string;
  /** Construct id of the state machine's log group (kept stable: it names the CloudFormation resource). */
  readonly logGroupId: string;
  /** A value for every placeholder of the ASL file (ARNs, names), substituted by CloudFormation. */
  readonly substitutions: Readonly<Record<string, string>>;
  /** The Lambdas its Task states invoke: the only ones its role may invoke. */
  readonly invokes: readonly lambda.IFunction[];
}

/**
 * A standard state machine named `normflow-<stage>-<name>`, defined inline from its ASL file (the very
 * file the local runner executes), logging every event without execution data, traced by X-Ray.
 */
export function aslStateMachine(scope: Construct, id: string, props: AslStateMachineProps): sfn.StateMachine {
  const expected = placeholdersOf(props.name);
  const given = Object.keys(props.substitutions).sort();
  if (JSON.stringify(given) !== JSON.stringify(expected)) {
    throw new Error(`${props.name}: substitutions for ${given.join(', ')}, but the ASL file uses ${expected.join(', ')}`);
  }
  const logGroup = new logs.LogGroup(scope, props.logGroupId, {
    // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's log resource policy.
    logGroupName: `/aws/vendedlogs/states/${stateMachineName(props.stage, props.name)}`,
    retention: LOG_RETENTION,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stateMachine = new sfn.StateMachine(scope, id, {
    stateMachineName: stateMachineName(props.stage, props.name),
    stateMachineType: sfn.StateMachineType.STANDARD,
    // Inline (not an S3 asset), the ASL file as rendered for the local runner, values substituted by CloudFormation.
    definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(aslDefinition(props.name).definition)),
    definitionSubstitutions: { ...props.substitutions },
    tracingEnabled: true,
    // Level ALL without execution data: state inputs and outputs carry personal data and must not reach the logs.
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
  });
  if (props.invokes.length > 0) {
    stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: props.invokes.map((fn) => fn.functionArn) }),
    );
  }
  acknowledgeNagFinding(
    stateMachine.role,
    'AwsSolutions-IAM5[Resource::*]',
    'Step Functions logging and X-Ray tracing: logs:CreateLogDelivery/GetLogDelivery/UpdateLogDelivery/DeleteLogDelivery/ListLogDeliveries, ' +
      'logs:PutResourcePolicy/DescribeResourcePolicies/DescribeLogGroups and xray:PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets ' +
      'support no resource-level permissions, so they need Resource "*". Every other grant of this role names its resources.',
  );
  return stateMachine;
}
