import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import { describeOriginal, TOO_LONG_BYTES } from '#shared/engine/original-values.ts';
import { decisionKey, foldDecisionInput } from '#shared/engine/steward-decisions.ts';
import { EDUCATION_LEVELS } from '#shared/rules/education-level.ts';
import { applyRule } from '#shared/rules/index.ts';
import type { CityCode, FieldKind } from '#shared/rules/rule-result.ts';
import { foldKey } from '#shared/rules/text-basics.ts';
import type { DecisionStore, LeadStore, StewardDecision } from '#shared/stores/store-ports.ts';

export type DecisionCheck = { ok: true; value: string | null; city?: CityCode } | { ok: false; reason: string };

/**
 * A steward's value passes the kind's checks, as a model answer would: a city must resolve to one
 * DIVIPOLA municipality, an education level must be one of the canonical levels, an address must
 * parse; every value is stored in the kind's format (the rules applied to it). `null` declares the
 * input empty and passes for every kind.
 */
export function checkDecisionValue(kind: FieldKind, value: string | null): DecisionCheck {
  if (value === null) return { ok: true, value: null };
  const result = applyRule(kind, value);
  if (result.value === null) return { ok: false, reason: `"${value}" normalizes to nothing (to declare the input empty, decide null)` };
  switch (kind) {
    case 'city':
      if (result.city) return { ok: true, value: result.value, city: result.city };
      return result.flags.includes('ambiguous-city')
        ? { ok: false, reason: `"${value}" names several municipalities (ambiguous-city): add its department after a comma` }
        : { ok: false, reason: `"${value}" is not a DIVIPOLA municipality (unknown-city)` };
    case 'educationLevel': {
      const level = EDUCATION_LEVELS.find((candidate) => foldKey(candidate) === foldKey(value));
      return level ? { ok: true, value: level } : { ok: false, reason: `"${value}" is not a canonical education level (${EDUCATION_LEVELS.join(', ')})` };
    }
    case 'address':
      if (result.flags.includes('unparsed-address')) return { ok: false, reason: `"${value}" does not parse as an address (unparsed-address)` };
      return { ok: true, value: result.value };
    default:
      return { ok: true, value: result.value };
  }
}

/** A checked decision, or the reason it is refused. */
export function makeDecision(options: {
  field: string;
  kind: FieldKind;
  input: string;
  value: string | null;
  decidedAt: string;
  decidedBy?: string;
}): { decision: StewardDecision } | { refused: string } {
  const foldedInput = foldDecisionInput(options.input);
  if (foldedInput === '') {
    return describeOriginal(options.input).kind === 'too-long'
      ? { refused: `input is longer than ${TOO_LONG_BYTES} bytes: such values are kept as typed (too-long), never decided` }
      : { refused: `input "${options.input}" has no letter or digit to decide on` };
  }
  const check = checkDecisionValue(options.kind, options.value);
  if (!check.ok) return { refused: check.reason };
  return {
    decision: {
      kind: options.kind,
      foldedInput,
      input: options.input,
      value: check.value,
      ...(check.city ? { city: check.city } : {}),
      field: options.field,
      decidedAt: options.decidedAt,
      ...(options.decidedBy ? { decidedBy: options.decidedBy } : {}),
    },
  };
}

/** `city "la nevera" → "Bogotá D.C." (11001)`: what a decision says, for the terminal. */
export function describeDecision(decision: StewardDecision): string {
  const value = decision.value === null ? 'null' : `"${decision.value}"`;
  return `${decision.kind} "${decision.foldedInput}" → ${value}${decision.city ? ` (${decision.city.codigoDane})` : ''}`;
}

/**
 * Asks the next run to normalize again every lead with a configured field covered by one of these
 * decision keys (one scan of the leads table). Returns how many leads were asked.
 */
export async function requestRenormalizationFor(options: {
  leads: LeadStore;
  config: NormalizationConfig;
  keys: ReadonlySet<string>;
  requestedAt: string;
}): Promise<number> {
  if (options.keys.size === 0) return 0;
  const fields = Object.entries(options.config.fields);
  const affected: string[] = [];
  for await (const item of options.leads.scanAll()) {
    if (fields.some(([field, kind]) => options.keys.has(decisionKey(kind, item[field]) ?? ''))) affected.push(String(item.leadId));
  }
  return options.leads.requestRenormalization(affected, options.requestedAt);
}

/** The decision to undo: the one on (kind, input), or the latest. */
export async function decisionToUndo(decisions: DecisionStore, target?: { kind: FieldKind; input: string }): Promise<StewardDecision | undefined> {
  const all = await decisions.list();
  if (!target) return all.at(-1);
  const folded = foldDecisionInput(target.input);
  return all.find((decision) => decision.kind === target.kind && decision.foldedInput === folded);
}
