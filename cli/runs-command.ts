import type { Command } from 'commander';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { rollBackRun } from '#shared/steward/run-rollback.ts';
import { parseRowFormat, writeRows } from './row-output.ts';
import { withStewardStores, withStoreTargetOptions, type StoreTargetOptions } from './steward-stores.ts';

const COLUMNS = ['runId', 'startedAt', 'status', 'dryRun', 'selected', 'normalized', 'unchanged', 'skipped', 'failed', 'rolledBackAt'] as const;

/** The run record's figures as one row of `runs list`. */
function runRow(run: Record<string, unknown>): Record<string, unknown> {
  const counts = (run.counts ?? {}) as Record<string, unknown>;
  const rolledBack = run.rolledBack as { at?: string } | undefined;
  return {
    runId: run.runId,
    startedAt: run.startedAt,
    status: run.inProgress === true ? 'in-progress' : run.status,
    dryRun: run.dryRun === true,
    selected: counts.selected ?? 0,
    normalized: counts.normalized ?? 0,
    unchanged: counts.unchanged ?? 0,
    skipped: counts.skipped ?? 0,
    failed: counts.failed ?? 0,
    rolledBackAt: rolledBack?.at ?? null,
  };
}

export function registerRunsCommand(program: Command): void {
  const runs = program.command('runs').description('normalization runs: list them, roll one back');

  withStoreTargetOptions(
    runs
      .command('list')
      .description('the latest runs: id, start, counts, dry run or not, rolled back or not')
      .option('--limit <n>', 'how many runs, latest first', '20')
      .option('--format <format>', 'table | jsonl | csv', 'table'),
  ).action(async (options: StoreTargetOptions & { limit: string; format: string }) => {
    const format = parseRowFormat(options.format);
    const limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number ≥ 1 (got "${options.limit}")`);
    await withStewardStores(options, async (stores) => {
      const runs = await stores.runs.listRuns(limit);
      await writeRows({ format, columns: COLUMNS }, async (sink) => {
        for (const run of runs) await sink.write(runRow(run));
      });
    });
  });

  withStoreTargetOptions(
    runs
      .command('rollback <runId>')
      .description("put the leads that run wrote back to their previous values (only those that still hold the run's values); originals are never touched")
      .option('--preview', 'count what would be restored; write nothing'),
  ).action(async (runId: string, options: StoreTargetOptions & { preview?: boolean }) => {
    await withStewardStores(options, async (stores) => {
      // A refused rollback (a dry run, a run in progress) throws RollbackRefused: exit 2 with its message.
      const result = await rollBackRun({ leads: stores.leads, runs: stores.runs, runId, now: () => new Date(), preview: options.preview ?? false });
      if (!result.runFound) console.error(`note: no run record for ${runId}; rolling back the leads that carry its id`);
      const verb = options.preview ? 'would restore' : 'restored';
      console.log(
        `run ${runId}: ${verb} ${result.restored} lead(s) to their previous values` +
          (result.restoredToNever > 0 ? ` (${result.restoredToNever} to never normalized: due at the next run)` : ''),
      );
      console.log(`left alone: ${result.superseded} written again by a later run, ${result.changedMeanwhile} changed during the rollback`);
    });
  });
}
