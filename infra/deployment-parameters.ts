import { z } from 'zod';
import { parseConfig } from '#shared/config/normalization-config.ts';

/** The model the config defaults name: a deployment that says nothing uses the same one as the CLI. */
export const DEFAULT_MODEL_ID = parseConfig({}).model.modelId;

const booleanFromContext = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);

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
  leadsTableName: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name: 3–255 of A–Z a–z 0–9 _ . -')
    .optional(),
  /** Bedrock model (or inference profile) id; the only one the InvokeModel Lambda may call. */
  modelId: z.string().min(1).default(DEFAULT_MODEL_ID),
  /** EventBridge Scheduler expression, read in `scheduleTimeZone`. */
  scheduleExpression: z
    .string()
    .regex(/^(cron|rate|at)\(.+\)$/, 'an EventBridge Scheduler expression: cron(...), rate(...) or at(...)')
    .default('cron(0 2 * * ? *)'),
  /** IANA time zone of the schedule (Bogotá has no daylight saving, but the zone is named anyway). */
  scheduleTimeZone: z.string().min(1).default('America/Bogota'),
  scheduleEnabled: booleanFromContext.default(true),
  /** Subscribed to the alarm topic when set (the address must confirm the subscription). */
  alarmEmail: z.email().optional(),
  /** Daily model spend (EstimatedCostUSD summed over a day) above which the kill switch disables runs. */
  dailyCostBudgetUSD: z.coerce.number().positive().default(5),
});

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
