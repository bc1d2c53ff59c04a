import { z } from 'zod';
import { EnvironmentError } from '#shared/errors/normflow-errors.ts';
import { isPlainObject } from '#shared/json/plain-object.ts';

/** Environment of every normalize-leads Lambda; the local runtime sets the same names. Model settings: deployment-settings.ts. */
export const pipelineEnvironmentSchema = z.object({
  LEADS_TABLE: z.string().min(1),
  CONFIG_TABLE: z.string().min(1),
  RUNS_TABLE: z.string().min(1),
  VALUE_CACHE_TABLE: z.string().min(1),
  DECISIONS_TABLE: z.string().min(1),
  /** The state machine's TimeoutSeconds: the run lock expires with the execution. */
  RUN_TIMEOUT_SECONDS: z.coerce.number().int().min(60).default(3600),
  /** Local runtime only: the embedded DynamoDB-compatible endpoint. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** Local runtime only: JSON config layer merged over the config table's (`normflow run --config`). */
  NORMFLOW_CONFIG_OVERRIDE: z.string().optional(),
  /**
   * How a scheduled run finds due leads: `index` (the sparse index of due leads; the deployment
   * turns it on with the stream, which brings new and edited leads in) or `scan` (a parallel Scan).
   */
  NORMFLOW_DUE_SELECTION: z.enum(['scan', 'index']).default('scan'),
  /** Local runtime only: a lock whose holder process is gone is taken over at once. */
  NORMFLOW_LOCK_CHECKS_PROCESS: z.enum(['true', 'false']).default('false'),
  AWS_REGION: z.string().optional(),
});

export type PipelineEnvironment = z.output<typeof pipelineEnvironmentSchema>;

/** The environment as `schema` reads it; otherwise `Environment.Invalid` naming every bad variable, after `what`. */
export function parseEnvironment<Schema extends z.ZodType>(schema: Schema, env: NodeJS.ProcessEnv, what: string): z.output<Schema> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new EnvironmentError(`${what}: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return result.data;
}

export const parsePipelineEnvironment = (env: NodeJS.ProcessEnv): PipelineEnvironment =>
  parseEnvironment(pipelineEnvironmentSchema, env, 'Invalid Lambda environment');

/** A JSON-object environment variable (a config layer); undefined when unset, `Environment.Invalid` naming it otherwise. */
export function parseJsonObjectEnv(name: string, text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (isPlainObject(parsed)) return parsed;
  } catch {
    // Reported below with the variable's name.
  }
  throw new EnvironmentError(`${name} must be a JSON object`);
}
