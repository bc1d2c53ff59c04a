import { normalizeAddress } from './address.ts';
import { normalizeCity } from './city.ts';
import { normalizeEducationLevel } from './education-level.ts';
import { normalizeFreeText } from './free-text.ts';
import { normalizeOccupation } from './occupation.ts';
import { normalizeOrganization } from './organization.ts';
import { normalizePersonName } from './person-name.ts';
import { decided, type FieldKind, type Rule, type RuleResult } from './rule-result.ts';

/** Part of every cache key and of every written normalization: bump when any rule changes its output. */
export const RULES_VERSION = '2026.12.1';

const RULES: Record<FieldKind, Rule> = {
  personName: normalizePersonName,
  city: normalizeCity,
  educationLevel: normalizeEducationLevel,
  address: normalizeAddress,
  occupation: normalizeOccupation,
  organization: normalizeOrganization,
  text: normalizeFreeText,
};

/** Applies the kind's rules to any raw attribute value: numbers become text, other non-strings are not normalized. */
export function applyRule(kind: FieldKind, raw: unknown): RuleResult {
  if (raw === null || raw === undefined) return decided(null);
  if (typeof raw === 'number' || typeof raw === 'bigint') return RULES[kind](String(raw));
  if (typeof raw !== 'string') return decided(null, ['not-text']);
  return RULES[kind](raw);
}

export type { FieldKind, Flag, RuleResult } from './rule-result.ts';
