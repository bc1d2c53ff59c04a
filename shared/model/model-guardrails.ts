import levenshtein from 'damerau-levenshtein';
import { applyRule } from '#shared/rules/index.ts';
import type { FieldKind, RuleResult } from '#shared/rules/rule-result.ts';
import { foldKey } from '#shared/rules/text-basics.ts';
import { checkContractRules, type ContractRuleRejection } from './contract-rule-checks.ts';

export type GuardrailVerdict =
  | { accepted: true; result: RuleResult }
  | { accepted: false; reason: GuardrailRejection };

export type GuardrailRejection =
  | 'no-answer'
  | 'not-normalizable'
  | 'unresolved-city'
  | 'not-canonical-education'
  | 'unparsed-address'
  | 'numbers-changed'
  | 'too-different'
  | ContractRuleRejection;

/** Least share of the input's letter pairs the answer must keep (typos fixed, abbreviations expanded). */
const MIN_BIGRAM_COVERAGE: Partial<Record<FieldKind, number>> = {
  city: 0.5,
  occupation: 0.6,
  organization: 0.6,
  text: 0.8,
};
/** A person's name may only be re-cased, re-accented or lose stray symbols: letters must stay close. */
const MIN_NAME_SIMILARITY = 0.75;

/**
 * Checks one model answer against the raw input it was asked about. The kind's rules are re-applied
 * to the answer (so the format is always the contract's), then kind-specific checks reject values
 * that do not resolve or that drift too far from the input (another person, invented numbers…).
 */
export function checkModelAnswer(kind: FieldKind, rawInput: string, answer: string | null | undefined): GuardrailVerdict {
  if (answer === undefined || answer === null) return { accepted: false, reason: 'no-answer' };
  const result = applyRule(kind, answer);
  if (result.value === null) return { accepted: false, reason: 'not-normalizable' };
  const brokenContractRule = checkContractRules(kind, rawInput, answer, result);
  if (brokenContractRule) return { accepted: false, reason: brokenContractRule };

  switch (kind) {
    case 'city':
      if (!result.city) return { accepted: false, reason: 'unresolved-city' };
      break;
    case 'educationLevel':
      if (!result.confident || result.flags.length > 0) return { accepted: false, reason: 'not-canonical-education' };
      return { accepted: true, result };
    case 'address':
      if (result.flags.includes('unparsed-address')) return { accepted: false, reason: 'unparsed-address' };
      if (numberGroups(result.value) !== numberGroups(rawInput)) return { accepted: false, reason: 'numbers-changed' };
      return { accepted: true, result };
    case 'personName':
      if (lettersSimilarity(rawInput, result.value) < MIN_NAME_SIMILARITY) return { accepted: false, reason: 'too-different' };
      return { accepted: true, result };
  }
  const minimumCoverage = MIN_BIGRAM_COVERAGE[kind] ?? 0.6;
  if (bigramCoverage(rawInput, result.value) < minimumCoverage) return { accepted: false, reason: 'too-different' };
  return { accepted: true, result };
}

/** Digit groups in order: an address answer must keep every number the person typed. */
function numberGroups(text: string): string {
  return (text.match(/\d+/g) ?? []).join(' ');
}

/** Normalized Damerau–Levenshtein similarity of the folded letters only (digits and symbols ignored). */
export function lettersSimilarity(a: string, b: string): number {
  const lettersOf = (text: string) => foldKey(text).replace(/[^a-z]/g, '');
  const left = lettersOf(a);
  const right = lettersOf(b);
  if (left.length === 0 && right.length === 0) return 1;
  return levenshtein(left, right).similarity;
}

/** Share of the input's within-word letter pairs that appear anywhere in the answer's words. */
export function bigramCoverage(input: string, answer: string): number {
  const inputPairs = wordBigrams(input);
  if (inputPairs.size === 0) return 1;
  const answerPairs = wordBigrams(answer);
  let kept = 0;
  for (const pair of inputPairs) if (answerPairs.has(pair)) kept += 1;
  return kept / inputPairs.size;
}

function wordBigrams(text: string): Set<string> {
  const pairs = new Set<string>();
  for (const word of foldKey(text).split(' ')) {
    for (let index = 0; index + 1 < word.length; index += 1) pairs.add(word.slice(index, index + 2));
  }
  return pairs;
}
