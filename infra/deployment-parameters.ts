import { z } from 'zod';
import { analyticsConfigSchema } from '#shared/analytics/analytics-config.ts';
import { describeConfigIssues, parseConfig } from '#shared/config/normalization-config.ts';

/** The model the config defaults name: a deployment that says nothing uses the same one as the CLI. */
export const DEFAULT_MODEL_ID = parseConfig({}).model.modelId;

const listFromContext = z.union([
  z.array(z.string().min(1)),
  z.string().transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean)),
]);

/** A complete Secrets Manager secret ARN (with its 6-character suffix): the role may read exactly it. */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/;

const booleanFromContext = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);

const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name: 3–255 of A–Z a–z 0–9 _ . -');

const scheduleExpression = z
  .string()
  .regex(/^(cron|rate|at)\(.+\)$/, 'an EventBridge Scheduler expression: cron(...), rate(...) or at(...)');

/** Athena refuses a per-query cutoff below 10 MB. */
const ATHENA_MINIMUM_CUTOFF_BYTES = 10_000_000;
export const BYTES_PER_GB = 1024 ** 3;

/**
 * The analytics config as a JSON object (cdk.json) or its JSON text (`-c analyticsConfig='{…}'`),
 * checked against the analytics config schema at synth time; kept as given, so the Lambdas fill in
 * the defaults of the code they run.
 */
const analyticsConfigFromContext = z.unknown().transform((value, context) => {
  let config = value;
  if (typeof value === 'string') {
    try {
      config = JSON.parse(value);
    } catch {
      // Not JSON: reported below as not an object.
    }
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    context.addIssue({ code: 'custom', message: 'a JSON object' });
    return z.NEVER;
  }
  const result = analyticsConfigSchema.safeParse(config);
  if (!result.success) {
    context.addIssue({ code: 'custom', message: `not a valid analytics config: ${describeConfigIssues(result.error)}` });
    return z.NEVER;
  }
  return config as Record<string, unknown>;
});

/**
 * What a deployment may choose, read from CDK context (`-c name=value` or cdk.json `context`).
 * Nothing account- or region-specific has a default: the stack deploys where the CLI's credentials point.
 */
export const deploymentParametersSchema = z.strictObject({
  /** Suffix of the stack name, so one account can hold `dev` and `prod` side by side. */
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,23}$/, 'lowercase letters, digits and -, starting with a letter, at most 24 characters')
    .default('dev'),
  /** An existing leads table to normalize (imported, never modified by CloudFormation); unset creates a new one. */
  leadsTableName: tableName.optional(),
  /**
   * Near-real-time normalization: inserts and edits of configured fields reach the state machine
   * through the leads table's stream and an EventBridge Pipe. On by default; it needs a stream: a
   * table this stack creates gets one, an imported table only with `leadsTableStreamArn`.
   */
  nearRealTime: booleanFromContext.default(true),
  /** The stream (NEW_AND_OLD_IMAGES) of an imported leads table, for near-real-time normalization. */
  leadsTableStreamArn: z.string().regex(/^arn:aws[\w-]*:dynamodb:[\w-]+:\d{12}:table\/[A-Za-z0-9_.-]+\/stream\/.+$/, 'a DynamoDB stream ARN').optional(),
  /** The model id runs use unless the config item picks another of `allowedModelIds`. */
  modelId: z.string().min(1).default(DEFAULT_MODEL_ID),
  /** Further model ids the config table item may pick (`a,b` or a JSON list); `modelId` is always allowed. */
  allowedModelIds: listFromContext.default([]),
  /** Where prompts go: Amazon Bedrock, or an OpenAI-compatible endpoint (`modelBaseUrl`). Deploy-time only. */
  modelProvider: z.enum(['bedrock', 'openai']).default('bedrock'),
  /** The OpenAI-compatible endpoint (https), when `modelProvider` is `openai`. */
  modelBaseUrl: z.url().optional(),
  /** Bedrock region, when not the stack's own. */
  modelRegion: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1').optional(),
  /** Secrets Manager secret (complete ARN) with the OpenAI-compatible API key; only InvokeModel may read it. */
  modelApiKeySecretArn: z.string().regex(SECRET_ARN, 'a complete Secrets Manager secret ARN (…:secret:name-AbCdEf)').optional(),
  /** EventBridge Scheduler expression, read in `scheduleTimeZone`. */
  scheduleExpression: scheduleExpression.default('cron(0 2 * * ? *)'),
  /** IANA time zone of both schedules (Bogotá has no daylight saving, but the zone is named anyway). */
  scheduleTimeZone: z.string().min(1).default('America/Bogota'),
  /** Whether both schedules (normalization and analytics) are deployed enabled. */
  scheduleEnabled: booleanFromContext.default(true),
  /** Subscribed to the alarm topic when set (the address must confirm the subscription). */
  alarmEmail: z.email().optional(),
  /** Daily model spend (EstimatedCostUSD summed over a day) above which the kill switch disables runs. */
  dailyCostBudgetUSD: z.coerce.number().positive().default(5),
  /** The chatbot's conversations table (read only: Scan). With `chatTableName`, adds the analytics stack. */
  conversationsTableName: tableName.optional(),
  /** The Bedrock chat table (read only: Scan). With `conversationsTableName`, adds the analytics stack. */
  chatTableName: tableName.optional(),
  /** The analytics Lambdas' config (`ANALYTICS_CONFIG`): filters, tokenizer, prices, prefixes. */
  analyticsConfig: analyticsConfigFromContext.optional(),
  /** EventBridge Scheduler expression of the daily analytics run, read in `scheduleTimeZone`. */
  analyticsScheduleExpression: scheduleExpression.default('cron(30 23 * * ? *)'),
  /** Athena's per-query scan limit in the analytics workgroup (GB of 1024³ bytes). */
  athenaBytesScannedCutoffGB: z.coerce
    .number()
    .refine((gb) => gb * BYTES_PER_GB >= ATHENA_MINIMUM_CUTOFF_BYTES, 'at least 0.01 (Athena\'s minimum is 10 MB)')
    .default(1),
  /** Days after which exported and token-cost partitions expire from the bucket. */
  partitionRetentionDays: z.coerce.number().int().positive().default(730),
}).refine((parameters) => (parameters.conversationsTableName === undefined) === (parameters.chatTableName === undefined), {
  message: 'give both conversationsTableName and chatTableName (the analytics stack reads both tables) or neither',
  path: ['chatTableName'],
}).refine((parameters) => parameters.leadsTableStreamArn === undefined || parameters.leadsTableName !== undefined, {
  message: 'leadsTableStreamArn is the stream of an imported leads table: give leadsTableName too',
  path: ['leadsTableStreamArn'],
}).refine((parameters) => parameters.modelProvider === 'bedrock' || parameters.modelBaseUrl !== undefined, {
  message: 'modelProvider openai needs modelBaseUrl',
  path: ['modelBaseUrl'],
}).refine((parameters) => parameters.modelProvider === 'openai' || (parameters.modelBaseUrl === undefined && parameters.modelApiKeySecretArn === undefined), {
  message: 'modelBaseUrl and modelApiKeySecretArn are for modelProvider openai',
  path: ['modelProvider'],
}).refine((parameters) => parameters.modelBaseUrl === undefined || new URL(parameters.modelBaseUrl).protocol === 'https:', {
  message: 'an https URL: prompts carry personal data, and the API key must never travel in clear',
  path: ['modelBaseUrl'],
});

/** Every model id the deployment allows: `modelId` first, then `allowedModelIds`. */
export const allowedModelIdsOf = (parameters: DeploymentParameters): string[] => [...new Set([parameters.modelId, ...parameters.allowedModelIds])];

export type DeploymentParameters = z.output<typeof deploymentParametersSchema>;
export type DeploymentParametersInput = z.input<typeof deploymentParametersSchema>;

export const PARAMETER_NAMES = Object.keys(deploymentParametersSchema.shape) as Array<keyof DeploymentParameters>;

/** Reads the parameters from a context lookup; an empty string counts as unset (`-c alarmEmail=`). */
export function deploymentParametersFrom(context: (name: string) => unknown): DeploymentParameters {
  const raw = Object.fromEntries(
    PARAMETER_NAMES.flatMap((name) => {
      const value = context(name);
      return value === undefined || value === '' ? [] : [[name, value]];
    }),
  );
  const result = deploymentParametersSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(
      `Invalid normflow deployment parameters: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  return result.data;
}
