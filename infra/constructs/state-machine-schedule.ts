import { Duration, TimeZone } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { acknowledgeNagFinding } from './nag-acknowledgement.ts';

export interface StateMachineScheduleProps {
  /** Construct ids of the schedule and its dead-letter queue (kept stable: they name the CloudFormation resources). */
  readonly scheduleId: string;
  readonly deadLetterQueueId: string;
  readonly description: string;
  readonly stateMachine: sfn.IStateMachine;
  /** EventBridge Scheduler expression, read in `timeZone`. */
  readonly expression: string;
  readonly timeZone: string;
  readonly enabled: boolean;
}

/**
 * An EventBridge Scheduler schedule that starts a state machine with input `{}`, retried 3 times
 * within an hour, and an encrypted, TLS-only dead-letter queue for the events that still fail.
 */
export function scheduleStateMachine(scope: Construct, props: StateMachineScheduleProps): { schedule: scheduler.Schedule; deadLetterQueue: sqs.Queue } {
  const deadLetterQueue = new sqs.Queue(scope, props.deadLetterQueueId, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledgeNagFinding(
    deadLetterQueue,
    'AwsSolutions-SQS3',
    'This queue is itself the dead-letter queue of the EventBridge Scheduler target; a dead-letter queue needs no dead-letter queue of its own.',
  );
  const schedule = new scheduler.Schedule(scope, props.scheduleId, {
    description: props.description,
    // Evaluated in the named time zone by EventBridge Scheduler, never hand-converted to UTC.
    schedule: scheduler.ScheduleExpression.expression(props.expression, TimeZone.of(props.timeZone)),
    target: new targets.StepFunctionsStartExecution(props.stateMachine, {
      input: scheduler.ScheduleTargetInput.fromObject({}),
      retryAttempts: 3,
      maxEventAge: Duration.hours(1),
      deadLetterQueue,
    }),
    enabled: props.enabled,
  });
  return { schedule, deadLetterQueue };
}
