import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { isoDaySchema, parseAnalyticsConfig, type AnalyticsConfig } from '#shared/analytics/analytics-config.ts';
import { dayInTimeZone } from '#shared/analytics/time-zone-days.ts';
import { EnvironmentError } from '#shared/errors/normflow-errors.ts';
import { createDynamoDbClients } from '#shared/stores/dynamodb-client.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { createFolderObjectStore } from '#shared/stores/folder-object-store.ts';
import type { ObjectStore } from '#shared/stores/object-store.ts';
import { createS3ObjectStore } from '#shared/stores/s3-object-store.ts';
import type { RunStore } from '#shared/stores/store-ports.ts';
import { parseEnvironment, parseJsonObjectEnv } from './pipeline-environment.ts';

/** Environment of the analytics Lambdas; the local runtime sets the same names. */
export const analyticsEnvironmentSchema = z
  .object({
    /** The chatbot's conversations table (export). */
    CONVERSATIONS_TABLE: z.string().min(1).optional(),
    /** The Bedrock chat table (token costs). */
    CHAT_TABLE: z.string().min(1).optional(),
    /** The normalize-leads runs table, when this deployment has one: its runs' model usage is costed too. */
    RUNS_TABLE: z.string().min(1).optional(),
    /** On AWS: the analytics bucket. */
    ANALYTICS_BUCKET: z.string().min(1).optional(),
    /** Locally: the folder standing in for the bucket. */
    ANALYTICS_FOLDER: z.string().min(1).optional(),
    /** Local runtime only: the embedded DynamoDB-compatible endpoint. */
    DYNAMODB_ENDPOINT: z.url().optional(),
    /** Deployment's JSON analytics config, used when a payload brings none. */
    ANALYTICS_CONFIG: z.string().optional(),
    AWS_REGION: z.string().optional(),
  })
  .refine((env) => (env.ANALYTICS_BUCKET === undefined) !== (env.ANALYTICS_FOLDER === undefined), {
    message: 'set exactly one of ANALYTICS_BUCKET (AWS) and ANALYTICS_FOLDER (local)',
    path: ['ANALYTICS_BUCKET'],
  });

export type AnalyticsEnvironment = z.output<typeof analyticsEnvironmentSchema>;

export interface AnalyticsRuntime {
  documentClient: DynamoDBDocumentClient;
  objectStore: ObjectStore;
  /** The deployment's config layer (`ANALYTICS_CONFIG`), or undefined. */
  configDefaults: Record<string, unknown> | undefined;
  /** The normalize-leads runs (`RUNS_TABLE`), or undefined when the deployment has none. */
  runs: Pick<RunStore, 'listRuns'> | undefined;
  /** A table name from the environment; throws `Environment.Invalid` naming the variable when unset. */
  tableName(variable: 'CONVERSATIONS_TABLE' | 'CHAT_TABLE'): string;
}

export const parseAnalyticsEnvironment = (env: NodeJS.ProcessEnv): AnalyticsEnvironment =>
  parseEnvironment(analyticsEnvironmentSchema, env, 'Invalid analytics environment');

function buildRuntime(env: AnalyticsEnvironment): AnalyticsRuntime {
  const { documentClient } = createDynamoDbClients({ region: env.AWS_REGION, endpoint: env.DYNAMODB_ENDPOINT });
  const objectStore = env.ANALYTICS_BUCKET
    ? createS3ObjectStore({ client: new S3Client(env.AWS_REGION ? { region: env.AWS_REGION } : {}), bucket: env.ANALYTICS_BUCKET })
    : createFolderObjectStore(env.ANALYTICS_FOLDER ?? '');
  return {
    documentClient,
    objectStore,
    configDefaults: parseJsonObjectEnv('ANALYTICS_CONFIG', env.ANALYTICS_CONFIG),
    runs: env.RUNS_TABLE === undefined ? undefined : createDynamoDbRunStore({ client: documentClient, tableName: env.RUNS_TABLE }),
    tableName(variable) {
      const name = env[variable];
      if (name === undefined) throw new EnvironmentError(`Invalid analytics environment: ${variable} is not set`);
      return name;
    },
  };
}

let current: { key: string; runtime: AnalyticsRuntime } | undefined;

/** Clients and the bucket from the environment, built once and reused while the environment stays the same. */
export function getAnalyticsRuntime(env: NodeJS.ProcessEnv = process.env): AnalyticsRuntime {
  const environment = parseAnalyticsEnvironment(env);
  const key = JSON.stringify(environment);
  if (current?.key !== key) current = { key, runtime: buildRuntime(environment) };
  return current.runtime;
}

/** Input of the export and conversion tasks: the run date (today in the config's time zone by default) and an optional config. */
export const analyticsRunPayload = z.object({
  runDate: isoDaySchema.optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The run's validated config (the payload's, else the deployment's, else the defaults) and date:
 * the payload's, else today in the config's time zone (the 23:30 Bogotá run is already tomorrow in UTC).
 */
export function resolveAnalyticsRun(
  payload: z.output<typeof analyticsRunPayload>,
  runtime: Pick<AnalyticsRuntime, 'configDefaults'>,
  now: Date = new Date(),
): { runDate: string; config: AnalyticsConfig } {
  const config = parseAnalyticsConfig(payload.config ?? runtime.configDefaults);
  return { runDate: payload.runDate ?? dayInTimeZone(now.getTime(), config.timeZone), config };
}
