import { isInputFlag, type CityCode, type Flag, type RuleResult } from '#shared/rules/rule-result.ts';

/**
 * Contract v2 §0, "rules outrank the model". Flags that describe the input (the person said the
 * level is not finished: see rule-result.ts) are facts about what was typed: they never make a
 * value undecided, and no model answer removes them.
 */

/** A value the rules decided confidently, with no flag but input-describing ones: final, whatever a model says. */
export const isDecidedByRules = (rules: RuleResult): boolean => rules.confident && rules.flags.every(isInputFlag);

/** A model answer that passed every check (guardrails and lie rejection), fresh or from the cache. */
export interface AcceptedAnswer {
  value: string | null;
  flags: Flag[];
  city?: CityCode;
}

export interface FieldResolution {
  value: string | null;
  flags: Flag[];
  /** Whose value it is: the model's only when the rules had not decided. */
  fromModel: boolean;
  city: CityCode | undefined;
}

/**
 * The value a field ends with given the rules' reading and an accepted model answer: a decided
 * value stays the rules' (flag `llm-disagreed` when the answer differs, for review); an undecided
 * or flagged one takes the answer, keeping the flags that describe the input.
 */
export function resolveWithAnswer(rules: RuleResult, answer: AcceptedAnswer): FieldResolution {
  if (isDecidedByRules(rules)) {
    const disagrees = answer.value !== rules.value;
    return { value: rules.value, flags: disagrees ? [...rules.flags, 'llm-disagreed'] : [...rules.flags], fromModel: false, city: rules.city };
  }
  const kept = rules.flags.filter((flag) => isInputFlag(flag) && !answer.flags.includes(flag));
  return { value: answer.value, flags: [...answer.flags, ...kept], fromModel: true, city: answer.city };
}

/**
 * Above the rules sits a data steward's decision on that input (docs/steward.md): a person looked
 * at what the rules make of it and decided, so it wins even over a value the rules decide
 * confidently, and it settles every doubt flag (`unknown-city`, `llm-disagreed` …). A flag that
 * describes the input stays: the person still said the level is not finished.
 */
export function resolveWithDecision(rules: RuleResult, decision: { value: string | null; city?: CityCode }): FieldResolution {
  return { value: decision.value, flags: rules.flags.filter(isInputFlag), fromModel: false, city: decision.city };
}
