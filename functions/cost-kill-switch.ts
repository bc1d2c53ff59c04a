import { z } from 'zod';
import { CONFIG_ID } from '#shared/pipeline/pipeline-types.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';
import { parseEnvironment } from '#shared/runtime/pipeline-environment.ts';
import { createDynamoDbClients } from '#shared/stores/dynamodb-client.ts';
import { createDynamoDbConfigStore } from '#shared/stores/dynamodb-config-store.ts';
import type { ConfigStore } from '#shared/stores/store-ports.ts';

/** A CloudWatch alarm's Lambda action: the new state is `alarmData.state.value`. */
const lambdaActionEvent = z.object({
  source: z.literal('aws.cloudwatch'),
  alarmArn: z.string(),
  alarmData: z.object({ alarmName: z.string(), state: z.object({ value: z.string() }) }),
});

/** The same alarm delivered through SNS: the state is in the JSON message's `NewStateValue`. */
const snsAlarmMessage = z.object({ AlarmName: z.string(), NewStateValue: z.string() });
const snsEvent = z.object({
  Records: z.array(z.object({ Sns: z.object({ Message: z.string() }) })).min(1),
});

export const alarmEventSchema = z.union([lambdaActionEvent, snsEvent]);

/** Alarm name and new state of every alarm the event carries. */
export function alarmTransitions(event: z.output<typeof alarmEventSchema>): Array<{ alarmName: string; state: string }> {
  if ('alarmData' in event) return [{ alarmName: event.alarmData.alarmName, state: event.alarmData.state.value }];
  return event.Records.map((record) => {
    const message = snsAlarmMessage.parse(JSON.parse(record.Sns.Message));
    return { alarmName: message.AlarmName, state: message.NewStateValue };
  });
}

const environmentSchema = z.object({
  CONFIG_TABLE: z.string().min(1),
  /** Local runs and tests only, as for the pipeline's Lambdas. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().optional(),
});

let configStore: ConfigStore | undefined;

function storeFromEnvironment(): ConfigStore {
  const env = parseEnvironment(environmentSchema, process.env, 'Invalid cost kill switch environment');
  const { documentClient } = createDynamoDbClients({ region: env.AWS_REGION, endpoint: env.DYNAMODB_ENDPOINT });
  return createDynamoDbConfigStore({ client: documentClient, tableName: env.CONFIG_TABLE });
}

/**
 * Cost kill switch: when the daily `EstimatedCostUSD` alarm goes to ALARM, `enabled = false` is set
 * on the config item, so every later run stops at LoadConfig until someone sets it back to true.
 */
export const handler = taskHandler(alarmEventSchema, async (event) => {
  const alarms = alarmTransitions(event).filter((alarm) => alarm.state === 'ALARM');
  if (alarms.length === 0) return { disabled: false };
  configStore ??= storeFromEnvironment();
  await configStore.disable(CONFIG_ID);
  logger.warn('normalization disabled by the cost kill switch', { configId: CONFIG_ID, alarms: alarms.map((alarm) => alarm.alarmName) });
  return { disabled: true };
});
