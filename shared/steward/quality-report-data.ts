import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import { foldedDecisionKey } from '#shared/engine/steward-decisions.ts';
import type { FieldKind } from '#shared/rules/rule-result.ts';
import { cleanText } from '#shared/rules/text-basics.ts';
import type { DecisionStore, LeadStore, RunStore } from '#shared/stores/store-ports.ts';
import { leadFieldRows } from './lead-fields.ts';
import { ReviewQueueBuilder } from './review-queue.ts';

/** Kinds whose before → after mappings the report may show: never names or addresses (personal data). */
export const MAPPING_KINDS: ReadonlySet<FieldKind> = new Set(['city', 'educationLevel', 'occupation', 'organization']);
const TOP_MAPPINGS = 10;
const RUNS_SHOWN = 30;

export interface ReportRun {
  runId: string;
  startedAt: string;
  dryRun: boolean;
  rolledBack: boolean;
  status: string;
  leads: number;
  /** Per field: change rate (0–1) and anomaly level. */
  fields: Record<string, { total: number; changeRate: number; level: string }>;
  flags: Record<string, number>;
}

export interface QualityReportData {
  generatedAt: string;
  fields: string[];
  /** Oldest first. */
  runs: ReportRun[];
  leads: { total: number; normalized: number; withFlags: number };
  reviewQueue: { groups: number; leads: number; byKind: Record<string, number>; decisions: number };
  /** Current values per field, by source. */
  sources: Record<string, Record<string, number>>;
  /** Most frequent changes of the city, education, occupation and organization fields. */
  mappings: Array<{ field: string; kind: FieldKind; rows: Array<{ before: string; after: string | null; count: number }> }>;
}

function reportRun(run: Record<string, unknown>): ReportRun {
  const counts = (run.counts ?? {}) as Record<string, number>;
  const fields = (run.fields ?? {}) as Record<string, { total?: number; changeRate?: number }>;
  const levels = new Map(((run.anomalies ?? []) as Array<{ field: string; level: string }>).map((anomaly) => [anomaly.field, anomaly.level]));
  return {
    runId: String(run.runId),
    startedAt: String(run.startedAt ?? ''),
    dryRun: run.dryRun === true,
    rolledBack: run.rolledBack !== undefined,
    status: String(run.status ?? ''),
    leads: (counts.normalized ?? 0) + (counts.unchanged ?? 0),
    fields: Object.fromEntries(
      Object.entries(fields).map(([field, tally]) => [field, { total: tally.total ?? 0, changeRate: tally.changeRate ?? 0, level: levels.get(field) ?? 'NORMAL' }]),
    ),
    flags: (run.flags ?? {}) as Record<string, number>,
  };
}

/**
 * The normalization section's figures: the latest runs (their per-field change rates, anomaly
 * levels and flags, as their run records say) and, from one scan of the leads, the current review
 * queue, sources and the most frequent before → after mappings.
 */
export async function collectQualityReport(options: {
  leads: LeadStore;
  runs: RunStore;
  decisions: DecisionStore;
  config: NormalizationConfig;
  generatedAt: string;
}): Promise<QualityReportData> {
  const { config } = options;
  const runs = (await options.runs.listRuns(RUNS_SHOWN)).map(reportRun).reverse();
  const decisions = await options.decisions.list();
  const queue = new ReviewQueueBuilder(config, { decided: new Set(decisions.map((decision) => foldedDecisionKey(decision.kind, decision.foldedInput))) });
  const sources: Record<string, Record<string, number>> = {};
  const mappings = new Map<string, Map<string, number>>();
  const leads = { total: 0, normalized: 0, withFlags: 0 };

  for await (const item of options.leads.scanAll()) {
    leads.total += 1;
    if (typeof item.normalizedAt === 'string') leads.normalized += 1;
    queue.add(item);
    const rows = leadFieldRows(item, config);
    if (rows.some((row) => row.flags.length > 0)) leads.withFlags += 1;
    for (const row of rows) {
      if (row.source) {
        const bySource = (sources[row.field] ??= {});
        bySource[row.source] = (bySource[row.source] ?? 0) + 1;
      }
      if (!row.changed || !MAPPING_KINDS.has(row.kind) || typeof row.original !== 'string') continue;
      // A too-long value was never normalized: it is no mapping, and could be a whole pasted text.
      if (row.flags.includes('too-long')) continue;
      let counts = mappings.get(row.field);
      if (!counts) mappings.set(row.field, (counts = new Map()));
      const key = JSON.stringify([cleanText(row.original), row.normalized ?? null]);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }

  const groups = queue.build();
  const byKind: Record<string, number> = {};
  for (const group of groups) byKind[group.kind] = (byKind[group.kind] ?? 0) + 1;
  return {
    generatedAt: options.generatedAt,
    fields: Object.keys(config.fields),
    runs,
    leads,
    reviewQueue: { groups: groups.length, leads: new Set(groups.flatMap((group) => group.leadIds)).size, byKind, decisions: decisions.length },
    sources,
    mappings: Object.entries(config.fields)
      .filter(([field, kind]) => MAPPING_KINDS.has(kind) && mappings.has(field))
      .map(([field, kind]) => ({
        field,
        kind,
        rows: [...(mappings.get(field) ?? new Map<string, number>())]
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .slice(0, TOP_MAPPINGS)
          .map(([key, count]) => {
            const [before, after] = JSON.parse(key) as [string, string | null];
            return { before, after, count };
          }),
      })),
  };
}
