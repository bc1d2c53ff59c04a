import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { STREAM_FILTER_PATTERN } from '#shared/pipeline/stream-changes.ts';
import { acknowledgeNagFinding } from './nag-acknowledgement.ts';
import type { NormflowFunction } from './normflow-function.ts';

/**
 * Records per Pipe batch and how long the Pipe gathers them: a lead written at t reaches the state
 * machine by t + ~1 s (the stream) + ≤ 20 s (the window) + the enrichment, well within a minute; a
 * batch of 1,000 ids is ~40 KB of execution input (the limit is 256 KB).
 */
export const STREAM_BATCH_SIZE = 1_000;
export const STREAM_BATCHING_WINDOW_SECONDS = 20;
/** A batch the Pipe could not deliver after this many attempts goes to the dead-letter queue. */
export const STREAM_RETRY_ATTEMPTS = 10;

export interface StreamTriggerProps {
  readonly stage: string;
  readonly streamArn: string;
  readonly enrichment: NormflowFunction;
  readonly stateMachine: sfn.IStateMachine;
  readonly alarmTopic: sns.ITopic;
}

/**
 * Near-real-time normalization: the leads table's stream → an EventBridge Pipe (inserts and edits
 * only) → the enrichment Lambda (leads whose configured fields changed, as `[{leadIds}]`; nothing
 * else starts an execution) → the normalize-leads state machine, started without waiting. Such runs
 * take no lock. Batches the Pipe cannot deliver go to a dead-letter queue that raises an alarm.
 */
export class StreamTrigger extends Construct {
  readonly pipe: pipes.CfnPipe;
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: StreamTriggerProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeNagFinding(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the leads stream Pipe; a dead-letter queue needs no dead-letter queue of its own.',
    );

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com'),
      description: `normflow ${props.stage}: the leads stream Pipe reads the stream, invokes the enrichment, starts normalize-leads, writes its dead letters`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], resources: [props.streamArn] }),
    );
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }));
    acknowledgeNagFinding(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'dynamodb:ListStreams, which EventBridge Pipes needs on a DynamoDB stream source, supports no resource-level permissions, so it needs Resource "*"; every other grant of this role names its resource.',
    );
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.enrichment.function.functionArn] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [props.stateMachine.stateMachineArn] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));

    this.pipe = new pipes.CfnPipe(this, 'Pipe', {
      name: `normflow-${props.stage}-leads-stream`,
      description: 'normflow: inserts and edits of configured lead fields → normalize-leads within a minute',
      roleArn: this.role.roleArn,
      source: props.streamArn,
      sourceParameters: {
        filterCriteria: { filters: [{ pattern: JSON.stringify(STREAM_FILTER_PATTERN) }] },
        dynamoDbStreamParameters: {
          startingPosition: 'LATEST',
          batchSize: STREAM_BATCH_SIZE,
          maximumBatchingWindowInSeconds: STREAM_BATCHING_WINDOW_SECONDS,
          maximumRetryAttempts: STREAM_RETRY_ATTEMPTS,
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
      },
      enrichment: props.enrichment.function.functionArn,
      target: props.stateMachine.stateMachineArn,
      // Standard workflows are started asynchronously: the Pipe does not wait for the run.
      targetParameters: { stepFunctionStateMachineParameters: { invocationType: 'FIRE_AND_FORGET' } },
    });
    this.pipe.node.addDependency(this.role);

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmName: `normflow-${props.stage}-leads-stream-dead-letters`,
      alarmDescription: 'Stream batches the Pipe could not deliver: their leads were not normalized in near real time (the nightly run takes them if they are in the index, else replay the messages or run with leadIds).',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
  }
}
