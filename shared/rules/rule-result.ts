import type { CityResolution } from './city-resolution.ts';

export const FIELD_KINDS = [
  'personName',
  'city',
  'educationLevel',
  'address',
  'occupation',
  'organization',
  'text',
] as const;

export type FieldKind = (typeof FIELD_KINDS)[number];

/** Flags a normalized field can carry; the contract lists the first six by name. */
export const FLAGS = [
  'ambiguous-city',
  'unknown-city',
  'unparsed-address',
  'unrecognized-education',
  'incomplete-education',
  'llm-rejected',
  'llm-disagreed',
  'llm-unavailable',
  'not-text',
  'too-long',
] as const;

export type Flag = (typeof FLAGS)[number];

/**
 * Flags that say a value is in doubt: neither the rules nor the model could decide it. A field
 * without one is covered (the evaluation's coverage); a steward's queue starts from these.
 */
const DOUBT_FLAGS: ReadonlySet<string> = new Set<Flag>([
  'ambiguous-city',
  'unknown-city',
  'unparsed-address',
  'unrecognized-education',
  'llm-rejected',
  'llm-unavailable',
]);

/** A flag as stored (any string) that says its value is in doubt. */
export const isDoubtFlag = (flag: string): boolean => DOUBT_FLAGS.has(flag);

export interface CityCode {
  departamento: string;
  codigoDane: string;
}

export interface RuleResult {
  /** Normalized value; null for null-like or empty input. */
  value: string | null;
  /** True when the rules alone decided the value (it need not go to the model in `fallback` mode). */
  confident: boolean;
  flags: Flag[];
  /** Only for `city` values that resolved to one municipality. */
  city?: CityCode;
  /** Only for non-null `city` values: how the rule read them. */
  cityResolution?: CityResolution;
}

export type Rule = (input: string) => RuleResult;

/** Flags that describe the typed input, not a doubt about the value: a model answer never drops them (contract §0). */
const INPUT_FLAGS: ReadonlySet<Flag> = new Set(['incomplete-education']);

export const isInputFlag = (flag: Flag): boolean => INPUT_FLAGS.has(flag);

export const decided = (value: string | null, flags: Flag[] = []): RuleResult => ({
  value,
  confident: true,
  flags,
});

export const undecided = (value: string | null, flags: Flag[]): RuleResult => ({
  value,
  confident: false,
  flags,
});
