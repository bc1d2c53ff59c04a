import { normalizeAddress } from './address.ts';
import { normalizeCity } from './city.ts';
import { normalizeEducationLevel } from './education-level.ts';
import { normalizeFreeText } from './free-text.ts';
import { normalizeOccupation } from './occupation.ts';
import { normalizeOrganization } from './organization.ts';
import { normalizePersonName } from './person-name.ts';
import type { FieldKind, Rule, RuleResult } from './rule-result.ts';

/** Part of every cache key and of every written normalization: bump when any rule changes its output. */
export const RULES_VERSION = '2026.12.2';

const RULES: Record<FieldKind, Rule> = {
  personName: normalizePersonName,
  city: normalizeCity,
  educationLevel: normalizeEducationLevel,
  address: normalizeAddress,
  occupation: normalizeOccupation,
  organization: normalizeOrganization,
  text: normalizeFreeText,
};

/** Applies the kind's rules to a text value (the engine decides what of an attribute value is text: `shared/engine/original-values.ts`). */
export function applyRule(kind: FieldKind, text: string): RuleResult {
  return RULES[kind](text);
}

export type { FieldKind, Flag, RuleResult } from './rule-result.ts';
