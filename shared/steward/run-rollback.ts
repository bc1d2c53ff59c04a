import { RollbackRefused } from '#shared/errors/normflow-errors.ts';
import { rollbackPlan } from '#shared/stores/lead-history.ts';
import type { LeadStore, RunStore } from '#shared/stores/store-ports.ts';

export interface RollbackCounts {
  /** Leads put back to the version before the run. */
  restored: number;
  /** …of which the run was their first normalization: back to never normalized, due at the next run. */
  restoredToNever: number;
  /** Written by the run but replaced by a later write since: left alone. */
  superseded: number;
  /** Held the run's values when read, changed before the restore could happen: left alone. */
  changedMeanwhile: number;
}

/**
 * Puts every lead that still holds `runId`'s write back to the version before it (conditionally:
 * a lead written again since is left alone), never touching originals. `preview` counts without
 * writing. The run record, when there is one, notes the rollback.
 */
export async function rollBackRun(options: { leads: LeadStore; runs: RunStore; runId: string; now: () => Date; preview?: boolean }): Promise<RollbackCounts & { runFound: boolean }> {
  const { leads, runs, runId } = options;
  const run = await runs.getRun(runId);
  if (run?.dryRun === true) throw new RollbackRefused(`run ${runId} was a dry run: it wrote nothing to roll back`);
  if (run?.inProgress === true) throw new RollbackRefused(`run ${runId} is still in progress: roll it back once it is done`);
  const counts: RollbackCounts = { restored: 0, restoredToNever: 0, superseded: 0, changedMeanwhile: 0 };
  for await (const item of leads.scanAll()) {
    const plan = rollbackPlan(item, runId);
    if (plan.action === 'superseded') counts.superseded += 1;
    if (plan.action !== 'restore') continue;
    const outcome = options.preview
      ? 'restored'
      : await leads.rollBack({
          leadId: String(item.leadId),
          runId,
          expectedNormalizedAt: plan.expectedNormalizedAt,
          previous: plan.previous,
          history: plan.history,
          updatedAt: options.now().toISOString(),
        });
    if (outcome === 'changed') {
      counts.changedMeanwhile += 1;
      continue;
    }
    counts.restored += 1;
    if (!plan.previous) counts.restoredToNever += 1;
  }
  if (run && !options.preview) await runs.putRun(runId, { ...run, rolledBack: { at: options.now().toISOString(), ...counts } });
  return { ...counts, runFound: run !== undefined };
}
