import type { CityCode, FieldKind } from '#shared/rules/rule-result.ts';
import { cleanText, foldKey } from '#shared/rules/text-basics.ts';
import { describeOriginal } from './original-values.ts';

/** What a data steward decided an input means: the value (already in the kind's format) and, for a city, its code. */
export interface StewardValue {
  value: string | null;
  city?: CityCode;
}

/** Read side of the decisions table, as the engine needs it: decisions by key, missing keys absent. */
export interface StewardDecisions {
  lookup(keys: readonly string[]): Promise<Map<string, StewardValue>>;
}

/** No decisions at all (file normalization, tests of the rules alone). */
export const NO_DECISIONS: StewardDecisions = { lookup: async () => new Map() };

/**
 * The input as a decision sees it: cleaned, then case, diacritics and punctuation folded away
 * (`La Nevera.`, `la nevera` and `LA NEVÉRA` are one input). Empty when nothing is left, and for
 * a value the rules do not read as text (too long, not a string or number): no decision covers it.
 */
export function foldDecisionInput(raw: unknown): string {
  const original = describeOriginal(raw);
  return original.kind === 'text' ? foldKey(cleanText(original.text)) : '';
}

/** Key of a decision: one per (field kind, folded input), so it covers every field of that kind. */
export const foldedDecisionKey = (kind: FieldKind, foldedInput: string): string => `${kind}|${foldedInput}`;

/** Key of the decision that would cover this raw value; undefined when nothing is left after folding. */
export function decisionKey(kind: FieldKind, raw: unknown): string | undefined {
  const folded = foldDecisionInput(raw);
  return folded === '' ? undefined : foldedDecisionKey(kind, folded);
}
