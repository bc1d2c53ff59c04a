import { z } from 'zod';
import { ConfigError } from '#shared/errors/normflow-errors.ts';
import { FIELD_KINDS, type FieldKind } from '#shared/rules/rule-result.ts';
import { foldFieldName } from './field-names.ts';
import { PIPELINE_OWNED_ATTRIBUTES } from './pipeline-owned-attributes.ts';
import { isPlainObject } from '#shared/json/plain-object.ts';

/** Field names of the original Colombian registration form, mapped to kinds (contract table). */
export const DEFAULT_FIELDS: Readonly<Record<string, FieldKind>> = {
  nombres: 'personName',
  apellidos: 'personName',
  direccion: 'address',
  ciudad: 'city',
  nivelEducativo: 'educationLevel',
  ocupacionActual: 'occupation',
  empresa: 'organization',
};

export const PROVIDERS = ['rules', 'bedrock', 'openai'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const LLM_MODES = ['fallback', 'always', 'never'] as const;

/** Any header text (spaces, accents: `Ciudad de residencia`), matched to columns as field-names.ts says. */
const fieldName = z
  .string()
  .min(1)
  .max(255)
  .refine((name) => name.trim() === name && name !== '', 'a field name has no leading or trailing spaces')
  .refine((name) => !/\p{Cc}/u.test(name), 'a field name has no control characters');

const priceSchema = z.strictObject({
  inputPerMillion: z.number().nonnegative(),
  outputPerMillion: z.number().nonnegative(),
});

const modelSchema = z.strictObject({
  /** Unset means: the local CLI uses the offline `rules` provider, AWS uses `bedrock`. */
  provider: z.enum(PROVIDERS).optional(),
  modelId: z.string().min(1).default('anthropic.claude-3-haiku-20240307-v1:0'),
  temperature: z.number().min(0).max(1).default(0),
  maxTokens: z.number().int().min(16).max(8192).default(1000),
  /** OpenAI-compatible endpoint (Ollama, vLLM, LM Studio). */
  baseUrl: z.url().optional(),
  /**
   * Name of the environment variable holding the OpenAI-compatible API key (the key itself never goes in
   * config). Only `NORMFLOW_*` variables: a config must never be able to send, say, `AWS_SESSION_TOKEN` as a key.
   */
  apiKeyEnv: z
    .string()
    .regex(/^NORMFLOW_[A-Z0-9_]+$/, 'must name a NORMFLOW_* environment variable (e.g. NORMFLOW_OPENAI_API_KEY)')
    .default('NORMFLOW_OPENAI_API_KEY'),
  /** On AWS: the Secrets Manager secret holding the OpenAI-compatible API key (deploy-time, wins over apiKeyEnv). */
  apiKeySecretArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/, 'a Secrets Manager secret ARN')
    .optional(),
  /** Send the API key over plain http to a host other than this machine (never without saying so). */
  allowInsecureHttp: z.boolean().default(false),
  region: z.string().min(1).optional(),
  requestTimeoutMs: z.number().int().min(100).max(300_000).default(30_000),
  /** The provider's quota: calls are paced to it by every Lambda together (unset: no pacing, only backoff on throttling). */
  requestsPerMinute: z.number().positive().max(1_000_000).optional(),
  tokensPerMinute: z.number().positive().max(1_000_000_000).optional(),
  /** Largest model response read, in bytes; a longer (or never-ending) answer is cut and counted as invalid. */
  maxResponseBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(1024 * 1024),
  /** Extra or overriding prices, USD per million tokens, keyed by model id. */
  prices: z.record(z.string(), priceSchema).default({}),
});

export const normalizationConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    fields: z
      .record(fieldName, z.enum(FIELD_KINDS))
      .refine((fields) => Object.keys(fields).length > 0, 'at least one field must be configured')
      .default({ ...DEFAULT_FIELDS }),
    /** Record id attribute. */
    idField: fieldName.default('leadId'),
    /** Records per model call (and per batch when a model is asked). */
    batchSize: z.number().int().min(1).max(200).default(10),
    /** Records per batch of a run that asks no model (provider `rules`, or `llmMode: never`): no prompt to keep small. */
    rulesOnlyBatchSize: z.number().int().min(1).max(200).default(100),
    /** Total cap of a scheduled run over all its segments (see docs/pipeline.md, "Bounds"). */
    maxLeadsPerRun: z.number().int().min(1).max(10_000_000).default(50),
    normalizationTTLDays: z.number().min(0).max(3650).default(7),
    /** Batches in flight at once per segment (the inline Map's MaxConcurrency). */
    maxConcurrency: z.number().int().min(1).max(40).default(8),
    /** Segments (child executions) in flight at once (the Distributed Map's MaxConcurrency). */
    maxParallelSegments: z.number().int().min(1).max(1_000).default(10),
    llmMode: z.enum(LLM_MODES).default('fallback'),
    /** Reuse model resolutions of equal values (memory per run, plus the persistent cache table). */
    cacheEnabled: z.boolean().default(true),
    /** Failures of a lead retried alone (same originals) after which scheduled runs pass it over. */
    poisonAfterFailures: z.number().int().min(1).max(100).default(3),
    /** Days an accepted model answer stays in the persistent value cache (the table's TTL). */
    cacheTtlDays: z.number().int().min(1).max(365).default(30),
    model: modelSchema.prefault({}),
  })
  .refine((config) => Object.values(config.fields).filter((kind) => kind === 'city').length <= 1, {
    message: 'at most one field may be of kind city (its derived fields would collide)',
    path: ['fields'],
  })
  .superRefine((config, context) => {
    for (const field of Object.keys(config.fields)) {
      if (PIPELINE_OWNED_ATTRIBUTES.includes(field)) {
        context.addIssue({
          code: 'custom',
          path: ['fields'],
          message: `"${field}" is an attribute the pipeline writes on every lead (${PIPELINE_OWNED_ATTRIBUTES.join(', ')}): a configured field names an original`,
        });
      }
    }
    const byFold = new Map<string, string>();
    for (const field of Object.keys(config.fields)) {
      const earlier = byFold.get(foldFieldName(field));
      if (earlier !== undefined) {
        context.addIssue({ code: 'custom', path: ['fields'], message: `"${earlier}" and "${field}" name the same column (names are matched ignoring case, accents and spacing)` });
      }
      byFold.set(foldFieldName(field), field);
    }
  });

export type NormalizationConfig = z.output<typeof normalizationConfigSchema>;
export type NormalizationConfigInput = z.input<typeof normalizationConfigSchema>;

/** Describes each problem with the key path, e.g. `model.temperature: expected number, received string`. */
export function describeConfigIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        const prefix = path ? `${path}.` : '';
        return `unknown key ${issue.keys.map((key) => `"${prefix}${key}"`).join(', ')}`;
      }
      if (issue.code === 'invalid_key') {
        const parent = issue.path.slice(0, -1).join('.');
        return `${parent}: name "${String(issue.path.at(-1))}": ${issue.issues.map((inner) => inner.message).join('; ')}`;
      }
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates a config object (defaults filled in); throws ConfigError naming every bad key. */
export function parseConfig(input: unknown): NormalizationConfig {
  const result = normalizationConfigSchema.safeParse(input ?? {});
  if (!result.success) throw new ConfigError(`Invalid normalization config: ${describeConfigIssues(result.error)}`);
  return result.data;
}

/** Later layers win key by key; `model` is merged one level deep, `fields` is replaced whole. */
export function mergeConfigLayers(...layers: Array<Record<string, unknown> | undefined>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      const previous = merged[key];
      merged[key] =
        key === 'model' && isPlainObject(previous) && isPlainObject(value) ? { ...previous, ...value } : value;
    }
  }
  return merged;
}

/** The configured city field, if any (its derived fields: `cityDerivedFields`). */
export function cityFieldOf(config: NormalizationConfig): string | undefined {
  return Object.entries(config.fields).find(([, kind]) => kind === 'city')?.[0];
}

/**
 * The names of a city field's department and DANE code: `ciudadDepartamento`, `ciudadCodigoDane`;
 * for a name with spaces, `Ciudad de residencia Departamento`, `Ciudad de residencia CodigoDane`.
 */
export function cityDerivedFields(cityField: string): { departamento: string; codigoDane: string } {
  const joint = /\s/.test(cityField) ? ' ' : '';
  return { departamento: `${cityField}${joint}Departamento`, codigoDane: `${cityField}${joint}CodigoDane` };
}
