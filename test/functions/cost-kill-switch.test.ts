import type { Context } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alarmEventSchema, alarmTransitions, handler } from '#functions/cost-kill-switch.ts';
import { CONFIG_ID } from '#shared/pipeline/pipeline-types.ts';
import { logger } from '#shared/runtime/observability.ts';
import { createDynamoDbConfigStore } from '#shared/stores/dynamodb-config-store.ts';
import { TEST_TABLES, useEmbeddedDb } from '#test/stores/embedded-test-db.ts';

const embedded = useEmbeddedDb();
const configStore = () => createDynamoDbConfigStore({ client: embedded().documentClient, tableName: TEST_TABLES.config });

const context = { functionName: 'cost-kill-switch', awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/** What a CloudWatch alarm's Lambda action sends. */
const lambdaActionEvent = (state: string) => ({
  source: 'aws.cloudwatch',
  alarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:normflow-dev-daily-cost',
  accountId: '000000000000',
  time: '2025-01-01T12:00:00.000+0000',
  region: 'us-east-1',
  alarmData: {
    alarmName: 'normflow-dev-daily-cost',
    state: { value: state, reason: 'Threshold Crossed', timestamp: '2025-01-01T12:00:00.000+0000' },
    previousState: { value: 'OK', reason: '', timestamp: '2025-01-01T00:00:00.000+0000' },
    configuration: { metrics: [] },
  },
});

/** The same alarm through an SNS subscription. */
const snsEvent = (state: string) => ({
  Records: [
    {
      EventSource: 'aws:sns',
      Sns: { Message: JSON.stringify({ AlarmName: 'normflow-dev-daily-cost', NewStateValue: state, OldStateValue: 'OK' }) },
    },
  ],
});

describe('cost kill switch handler', () => {
  beforeAll(() => {
    Object.assign(process.env, {
      CONFIG_TABLE: TEST_TABLES.config,
      DYNAMODB_ENDPOINT: embedded().endpoint,
      AWS_REGION: 'local',
    });
    logger.setLogLevel('SILENT');
  });

  beforeEach(async () => {
    await configStore().putConfig(CONFIG_ID, { enabled: true, batchSize: 20, llmMode: 'always' });
  });

  it('sets enabled = false on the alarm action going to ALARM, keeping the rest of the config', async () => {
    await expect(handler(lambdaActionEvent('ALARM'), context)).resolves.toEqual({ disabled: true });
    expect(await configStore().getConfig(CONFIG_ID)).toEqual({ enabled: false, batchSize: 20, llmMode: 'always' });
  });

  it('does the same for the alarm delivered through SNS', async () => {
    await expect(handler(snsEvent('ALARM'), context)).resolves.toEqual({ disabled: true });
    expect(await configStore().getConfig(CONFIG_ID)).toMatchObject({ enabled: false, batchSize: 20 });
  });

  it.each(['OK', 'INSUFFICIENT_DATA'])('leaves the config alone when the alarm goes to %s', async (state) => {
    await expect(handler(lambdaActionEvent(state), context)).resolves.toEqual({ disabled: false });
    expect(await configStore().getConfig(CONFIG_ID)).toMatchObject({ enabled: true });
  });

  it('rejects an event that is not an alarm, by the payload error name', async () => {
    await expect(handler({ hello: 'world' }, context)).rejects.toMatchObject({ name: 'Payload.Invalid' });
    expect(await configStore().getConfig(CONFIG_ID)).toMatchObject({ enabled: true });
  });

  it('reads the alarm name and state from both event shapes', () => {
    expect(alarmTransitions(alarmEventSchema.parse(lambdaActionEvent('ALARM')))).toEqual([{ alarmName: 'normflow-dev-daily-cost', state: 'ALARM' }]);
    expect(alarmTransitions(alarmEventSchema.parse(snsEvent('OK')))).toEqual([{ alarmName: 'normflow-dev-daily-cost', state: 'OK' }]);
  });
});
