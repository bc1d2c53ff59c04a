import { z } from 'zod';
import { describeConfigIssues } from '#shared/config/normalization-config.ts';
import { ConfigError } from '#shared/errors/normflow-errors.ts';
import { isTimeZone } from './time-zone-days.ts';
import { TOKENIZERS } from './token-counter.ts';

const bucketPrefix = (defaultPrefix: string) =>
  z
    .string()
    .regex(/^(?:[A-Za-z0-9_.=-]+\/)*$/, 'a bucket prefix is empty or folder names each ending with "/"')
    .default(defaultPrefix);

/** A calendar day as `YYYY-MM-DD` (run dates, the start-date filter). */
export const isoDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((day) => isCalendarDay(day), 'not a calendar date');

function isCalendarDay(day: string): boolean {
  const time = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(day);
}

const nonBlank = z.string().trim().min(1, 'must not be blank');

/** A Colombian team's day is a Bogotá day: the 23:30 export is already the next day in UTC. */
export const DEFAULT_TIME_ZONE = 'America/Bogota';

/**
 * Bedrock Chat stores a short model name on each node (`claude-v3-haiku`); pricing needs the
 * Bedrock model id. The names of the aws-samples Bedrock Chat backend (`BASE_MODEL_IDS`) whose ids
 * the built-in price table (`shared/model/model-prices.ts`) knows; other names need a configured
 * alias and price (or a price under the short name itself).
 */
export const BEDROCK_CHAT_MODEL_ALIASES: Readonly<Record<string, string>> = {
  'claude-v3-haiku': 'anthropic.claude-3-haiku-20240307-v1:0',
  'claude-v3.5-haiku': 'anthropic.claude-3-5-haiku-20241022-v1:0',
  'claude-v3.5-sonnet': 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  'claude-v3.5-sonnet-v2': 'anthropic.claude-3-5-sonnet-20241022-v2:0',
  'claude-v3.7-sonnet': 'anthropic.claude-3-7-sonnet-20250219-v1:0',
  'claude-v4-sonnet': 'anthropic.claude-sonnet-4-20250514-v1:0',
  'amazon-nova-pro': 'amazon.nova-pro-v1:0',
  'amazon-nova-lite': 'amazon.nova-lite-v1:0',
  'amazon-nova-micro': 'amazon.nova-micro-v1:0',
  'llama3-3-70b-instruct': 'meta.llama3-3-70b-instruct-v1:0',
};

const priceSchema = z.strictObject({
  inputPerMillion: z.number().nonnegative(),
  outputPerMillion: z.number().nonnegative(),
});

const filtersSchema = z.strictObject({
  /**
   * Cities to exclude. Each pattern is a glob (`*` any run of characters, `?` one character) matched
   * against the WHOLE city value (its `(…)` suffix already dropped), ignoring case, accents and
   * repeated spaces: `prueba*` excludes `Prueba Piloto` but not `Zona de prueba`; `bogota` excludes
   * `Bogotá` and `Bogotá (QA)`, never `Bogotá Norte`. Globs rather than regexes: a config editor
   * cannot write one that matches substrings by accident or runs away.
   */
  excludeCityPatterns: z.array(nonBlank).default([]),
  /**
   * Test-user names to exclude, compared as whole values ignoring case, accents, punctuation and
   * spacing: `usuario prueba` excludes `Usuario  Prueba`, never `Usuario de Prueba Real`.
   */
  excludeUserNames: z.array(nonBlank).default([]),
  /** Exchanges before the start of this day (in `timeZone`) are left out with their feedback; a user with none left gets no row. */
  startDate: isoDaySchema.nullable().default(null),
});

export const analyticsConfigSchema = z.strictObject({
  /** Where the export lands in the bucket; partitions go below it. */
  exportPrefix: bucketPrefix('conversations/'),
  filters: filtersSchema.prefault({}),
  /** IANA zone of every calendar day: run dates, the start date, `fecha_primera_conversacion`, token-cost days. */
  timeZone: nonBlank.refine(isTimeZone, 'not a time zone Intl knows (an IANA name such as America/Bogota)').default(DEFAULT_TIME_ZONE),
  /** Parquet `token_pregunta`/`token_respuesta` (ANALYTICS.md §3). */
  tokenizer: z.enum(TOKENIZERS).default('cl100k_base'),
  /** Token-cost estimate per text fragment (ANALYTICS.md §6): the Bedrock chars/4 rule unless an exact tokenizer is chosen. */
  costTokenizer: z.enum(TOKENIZERS).default('chars/4'),
  /** USD per million tokens, keyed by model id or by the name the chat stores (token-cost aggregation). */
  prices: z.record(nonBlank, priceSchema).default({}),
  /** Chat model names → Bedrock model ids, merged over BEDROCK_CHAT_MODEL_ALIASES (a deployment's entry wins). */
  modelAliases: z
    .record(nonBlank, nonBlank)
    .default({})
    .transform((aliases) => ({ ...BEDROCK_CHAT_MODEL_ALIASES, ...aliases })),
  /** Model used to price a chat node that names none (an id or an alias). */
  defaultModel: nonBlank.default('anthropic.claude-3-haiku-20240307-v1:0'),
  tokenCostsPrefix: bucketPrefix('token-costs/'),
});

export type AnalyticsConfig = z.output<typeof analyticsConfigSchema>;
export type AnalyticsConfigInput = z.input<typeof analyticsConfigSchema>;
export type AnalyticsFilters = AnalyticsConfig['filters'];

/** Validates an analytics config (defaults filled in); throws ConfigError naming every bad key. */
export function parseAnalyticsConfig(input: unknown): AnalyticsConfig {
  const result = analyticsConfigSchema.safeParse(input ?? {});
  if (!result.success) throw new ConfigError(`Invalid analytics config: ${describeConfigIssues(result.error)}`);
  return result.data;
}
