import { decided, type RuleResult } from './rule-result.ts';
import { cleanText, isNullLike } from './text-basics.ts';

/** Kind `text`: clean, trim and collapse only (contract §0). */
export function normalizeFreeText(input: string): RuleResult {
  const cleaned = cleanText(input);
  return decided(isNullLike(cleaned) ? null : cleaned);
}
