import { decided, type RuleResult } from './rule-result.ts';
import { cleanText, isNullLike } from './text-basics.ts';

// PLACEHOLDER until the real rules land: trims only.
export function normalizeCity(input: string): RuleResult {
  const cleaned = cleanText(input);
  return decided(isNullLike(cleaned) ? null : cleaned);
}
