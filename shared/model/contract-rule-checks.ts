/**
 * Contract v2 rules re-applied to a model answer, beyond the format the kind's rules give it
 * (contract §0: a model answers only flagged or undecided values, and its answer must pass the
 * kind's checks). Kept apart from the other guardrails so each can change on its own.
 */
import { municipalityByCode } from '#shared/rules/divipola.ts';
import { EDUCATION_LEVELS } from '#shared/rules/education-level.ts';
import { applyRule } from '#shared/rules/index.ts';
import type { FieldKind, RuleResult } from '#shared/rules/rule-result.ts';
import { foldKey } from '#shared/rules/text-basics.ts';

export type ContractRuleRejection = 'outside-hinted-department' | 'not-a-tied-candidate' | 'not-canonical-education';

const FOLDED_LEVELS: ReadonlySet<string> = new Set(EDUCATION_LEVELS.map((level) => foldKey(level)));

/**
 * §2: a department hint restricts every step, so an answer for `Granada, Valle` or an unknown
 * `Medelin, Cundinamarca` must lie in that department (a hint the rules overruled because the
 * name alone decided, `Bogotá, Cundinamarca`, binds nobody); and a tie the rules found
 * (`Villarica`: Villa Rica or Villarrica) may only be settled by one of the tied municipalities.
 */
function checkCity(rawInput: string, answer: RuleResult): ContractRuleRejection | undefined {
  const code = answer.city?.codigoDane;
  if (code === undefined) return undefined;
  const typed = applyRule('city', rawInput).cityResolution;
  const hint = typed?.hint;
  const hintBinds = hint && (hint.applied || typed.outcome !== 'resolved');
  if (hintBinds && municipalityByCode(code)?.departmentCode !== hint.departmentCode) return 'outside-hinted-department';
  if (typed?.outcome === 'ambiguous' && !typed.candidates.includes(code)) return 'not-a-tied-candidate';
  return undefined;
}

/** §3: a model may map an unrecognized level only to a member of the canonical set, written as such. */
function checkEducationLevel(answerText: string): ContractRuleRejection | undefined {
  return FOLDED_LEVELS.has(foldKey(answerText)) ? undefined : 'not-canonical-education';
}

/** The contract rule a model answer breaks, if any; `answer` is the answer after the kind's rules. */
export function checkContractRules(
  kind: FieldKind,
  rawInput: string,
  answerText: string,
  answer: RuleResult,
): ContractRuleRejection | undefined {
  if (kind === 'city') return checkCity(rawInput, answer);
  if (kind === 'educationLevel') return checkEducationLevel(answerText);
  return undefined;
}
