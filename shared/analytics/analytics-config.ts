import { z } from 'zod';
import { ConfigError, describeConfigIssues } from '#shared/config/normalization-config.ts';
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
  /** Exchanges before this day (UTC) are left out with their feedback; a user with none left gets no row. */
  startDate: isoDaySchema.nullable().default(null),
});

export const analyticsConfigSchema = z.strictObject({
  /** Where the export lands in the bucket; partitions go below it. */
  exportPrefix: bucketPrefix('conversations/'),
  filters: filtersSchema.prefault({}),
  tokenizer: z.enum(TOKENIZERS).default('cl100k_base'),
  /** USD per million tokens, keyed by model id (token-cost aggregation). */
  prices: z.record(nonBlank, priceSchema).default({}),
  /** Model used to price a chat node that names none. */
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
