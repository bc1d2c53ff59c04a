import { describe, expect, it } from 'vitest';
import { STREAM_BATCH_SIZE, STREAM_BATCHING_WINDOW_SECONDS, STREAM_RETRY_ATTEMPTS } from '#infra/constructs/stream-trigger.ts';
import { STREAM_FILTER_PATTERN } from '#shared/pipeline/stream-changes.ts';
import { allow, grantsOf, policyOf } from './iam-statements.ts';
import { getAtt, logicalIdOf, ref, synthesize } from './synth-stack.ts';

const IMPORTED_STREAM = 'arn:aws:dynamodb:us-east-1:123456789012:table/CrmLeads/stream/2025-01-01T00:00:00.000';

const pipesOf = (json: ReturnType<typeof synthesize>['json']) => Object.values(json.Resources).filter((resource) => resource.Type === 'AWS::Pipes::Pipe');
const dueSelectionOf = ({ json, stack }: ReturnType<typeof synthesize>) =>
  (json.Resources[logicalIdOf(stack, stack.functions['plan-run'].function)]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables.NORMFLOW_DUE_SELECTION;

describe('near-real-time: the leads stream → EventBridge Pipe → normalize-leads', () => {
  const synthesized = synthesize();
  const { stack, json } = synthesized;
  const trigger = stack.streamTrigger;

  it('pipes inserts and edits from the leads table\'s stream through the enrichment to the state machine, without waiting', () => {
    expect(trigger).toBeDefined();
    const [pipe] = pipesOf(json);
    expect(pipe?.Properties).toEqual({
      Name: 'normflow-dev-leads-stream',
      Description: expect.any(String),
      RoleArn: getAtt(logicalIdOf(stack, trigger?.role ?? stack)),
      Source: getAtt(logicalIdOf(stack, stack.tables.tables.leads), 'StreamArn'),
      SourceParameters: {
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify(STREAM_FILTER_PATTERN) }] },
        DynamoDBStreamParameters: {
          StartingPosition: 'LATEST',
          BatchSize: STREAM_BATCH_SIZE,
          MaximumBatchingWindowInSeconds: STREAM_BATCHING_WINDOW_SECONDS,
          MaximumRetryAttempts: STREAM_RETRY_ATTEMPTS,
          DeadLetterConfig: { Arn: getAtt(logicalIdOf(stack, trigger?.deadLetterQueue ?? stack)) },
        },
      },
      Enrichment: getAtt(logicalIdOf(stack, stack.functions['stream-changes'].function)),
      Target: ref(logicalIdOf(stack, stack.stateMachine)),
      TargetParameters: { StepFunctionStateMachineParameters: { InvocationType: 'FIRE_AND_FORGET' } },
      Tags: { project: 'normflow', stage: 'dev' },
    });
    expect(STREAM_FILTER_PATTERN).toEqual({ eventName: ['INSERT', 'MODIFY'] });
    // Stream latency + window + enrichment stays within a minute.
    expect(STREAM_BATCHING_WINDOW_SECONDS).toBeLessThanOrEqual(30);
  });

  it('lets the Pipe read only the stream, invoke only the enrichment, start only this state machine, write only its dead letters', () => {
    expect(grantsOf(policyOf(synthesized, logicalIdOf(stack, trigger?.role ?? stack)))).toEqual(
      grantsOf([
        allow(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], getAtt(logicalIdOf(stack, stack.tables.tables.leads), 'StreamArn')),
        allow('dynamodb:ListStreams', '*'),
        allow('lambda:InvokeFunction', getAtt(logicalIdOf(stack, stack.functions['stream-changes'].function))),
        allow('states:StartExecution', ref(logicalIdOf(stack, stack.stateMachine))),
        allow('sqs:SendMessage', getAtt(logicalIdOf(stack, trigger?.deadLetterQueue ?? stack))),
      ]),
    );
    const role = json.Resources[logicalIdOf(stack, trigger?.role ?? stack)]?.Properties;
    expect(role?.AssumeRolePolicyDocument).toMatchObject({ Statement: [{ Principal: { Service: 'pipes.amazonaws.com' } }] });
  });

  it('alarms on the Pipe\'s dead letters, and has scheduled runs read the index of due leads', () => {
    expect(json.Resources[logicalIdOf(stack, trigger?.deadLetterAlarm ?? stack)]?.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      AlarmActions: [ref(logicalIdOf(stack, stack.monitoring.topic))],
    });
    expect(dueSelectionOf(synthesized)).toBe('index');
  });

  it('is absent with -c nearRealTime=false: no Pipe, no stream, nights scan', () => {
    const off = synthesize({ nearRealTime: 'false' });
    expect(off.stack.streamTrigger).toBeUndefined();
    expect(pipesOf(off.json)).toEqual([]);
    expect(dueSelectionOf(off)).toBe('scan');
  });

  it('is absent on an imported table without a stream, and reads the stream named for one that has it (no index: nights scan)', () => {
    const imported = synthesize({ leadsTableName: 'CrmLeads' });
    expect(pipesOf(imported.json)).toEqual([]);
    expect(dueSelectionOf(imported)).toBe('scan');
    const withStream = synthesize({ leadsTableName: 'CrmLeads', leadsTableStreamArn: IMPORTED_STREAM });
    expect(pipesOf(withStream.json).map((pipe) => pipe.Properties?.Source)).toEqual([IMPORTED_STREAM]);
    expect(dueSelectionOf(withStream)).toBe('scan');
  });
});
