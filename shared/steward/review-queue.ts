import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import { decisionKey } from '#shared/engine/steward-decisions.ts';
import { isDoubtFlag, type FieldKind } from '#shared/rules/rule-result.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';
import { leadFieldRows, type LeadFieldRow } from './lead-fields.ts';

/** A flag a steward should look at: a doubt, or a rules' value the model disagreed with. */
const isReviewFlag = (flag: string): boolean => isDoubtFlag(flag) || flag === 'llm-disagreed';

/**
 * Names and addresses belong to one person each: a value-level decision rarely covers a second
 * lead, so they join the queue only when a steward asks for their field.
 */
export const PER_PERSON_KINDS: ReadonlySet<FieldKind> = new Set(['personName', 'address']);

/** Every lead field of one (kind, folded input): one decision settles them all. */
export interface ReviewGroup {
  key: string;
  kind: FieldKind;
  foldedInput: string;
  fields: string[];
  /** Spellings as typed, most frequent first, with their counts. */
  inputs: Array<{ text: string; count: number }>;
  /** What normalization made of them now, most frequent first: the value "accept" would keep. */
  proposals: Array<{ value: string | null; source: string | null; count: number }>;
  flags: Array<{ flag: string; count: number }>;
  leadIds: string[];
}

/** Why a field is queued: a doubt flag, or a value the model decided that no steward confirmed yet. */
export function needsReview(row: LeadFieldRow): boolean {
  if (typeof row.original !== 'string' && typeof row.original !== 'number') return false;
  if (row.source === 'steward' || row.normalized === undefined) return false;
  return row.flags.some(isReviewFlag) || row.source === 'llm' || row.source === 'cache';
}

const ranked = <T extends string | null>(counts: Map<T, number>) =>
  [...counts].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));

function bump<T>(counts: Map<T, number>, key: T): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Collects the queue as leads stream by; `decided` keys (already decided, not yet re-normalized) stay out. */
export class ReviewQueueBuilder {
  private readonly groups = new Map<string, { kind: FieldKind; fields: Set<string>; inputs: Map<string, number>; proposals: Map<string, number>; flags: Map<string, number>; leadIds: Set<string> }>();
  private readonly config: NormalizationConfig;
  private readonly decided: ReadonlySet<string>;
  private readonly field: string | undefined;

  constructor(config: NormalizationConfig, options: { decided?: ReadonlySet<string>; field?: string } = {}) {
    this.config = config;
    this.decided = options.decided ?? new Set();
    this.field = options.field;
  }

  add(item: LeadItem): void {
    for (const row of leadFieldRows(item, this.config)) {
      if (this.field === undefined ? PER_PERSON_KINDS.has(row.kind) : row.field !== this.field) continue;
      if (!needsReview(row)) continue;
      const key = decisionKey(row.kind, row.original);
      if (key === undefined || this.decided.has(key)) continue;
      let group = this.groups.get(key);
      if (!group) this.groups.set(key, (group = { kind: row.kind, fields: new Set(), inputs: new Map(), proposals: new Map(), flags: new Map(), leadIds: new Set() }));
      group.fields.add(row.field);
      bump(group.inputs, String(row.original));
      bump(group.proposals, JSON.stringify([row.normalized, row.source]));
      for (const flag of row.flags) bump(group.flags, flag);
      group.leadIds.add(row.leadId);
    }
  }

  /** Groups covering the most leads first. */
  build(): ReviewGroup[] {
    return [...this.groups]
      .map(([key, group]) => ({
        key,
        kind: group.kind,
        foldedInput: key.slice(group.kind.length + 1),
        fields: [...group.fields].sort(),
        inputs: ranked(group.inputs).map(([text, count]) => ({ text, count })),
        proposals: ranked(group.proposals).map(([encoded, count]) => {
          const [value, source] = JSON.parse(encoded) as [string | null, string | null];
          return { value, source, count };
        }),
        flags: ranked(group.flags).map(([flag, count]) => ({ flag, count })),
        leadIds: [...group.leadIds].sort(),
      }))
      .sort((a, b) => b.leadIds.length - a.leadIds.length || a.key.localeCompare(b.key));
  }
}
