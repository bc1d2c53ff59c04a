import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';
import { isPassedOver, poisonProjection } from './poison-leads.ts';
import type { RunRequest } from './run-request.ts';
import { RUN_LOCK_NAME, type PipelineDeps, type RunContext, type RunProgress, type Selection } from './pipeline-types.ts';

const DAY_MS = 86_400_000;

/**
 * Takes the run lock on the first page, then picks the due leads: never normalized, older than
 * the TTL, or (forceAll) not yet normalized by this execution; scheduled runs pass over poisoned
 * leads whose originals have not changed since. The cap is exact; forceAll pages
 * through the table with a cursor. Selected ids are stored as batches in the runs table so the
 * state payload carries batch numbers only.
 */
export async function selectLeads(
  deps: PipelineDeps,
  args: { run: RunContext; request: RunRequest; config: NormalizationConfig; progress: RunProgress },
): Promise<Selection> {
  const { run, request, config, progress } = args;
  const empty = { batchCount: 0, batches: [], selected: 0, cursor: null, iteration: progress.iteration, passedOver: 0 };

  if (progress.iteration === 0) {
    const attempt = await deps.runs.acquireLock(
      {
        name: RUN_LOCK_NAME,
        holder: run.executionId,
        acquiredAt: deps.now().toISOString(),
        expiresAt: new Date(Date.parse(run.startedAt) + deps.lockTtlSeconds * 1000).toISOString(),
        ...(deps.processLock ? { pid: deps.processLock.pid, host: deps.processLock.host } : {}),
      },
      deps.now().toISOString(),
      deps.processLock?.isStale,
    );
    if (!attempt.acquired) {
      return {
        status: 'locked',
        reason: `Another execution (${attempt.heldBy.holder}) has been normalizing since ${attempt.heldBy.acquiredAt}; this one did nothing. The lock expires at ${attempt.heldBy.expiresAt}.`,
        ...empty,
      };
    }
  }

  const limit = request.maxLeads ?? config.maxLeadsPerRun;
  let leadIds: string[];
  let cursor: string | null = null;
  let passedOver = 0;
  if (request.leadIds) {
    leadIds = request.leadIds.slice(0, limit);
  } else {
    const normalizedBefore = request.forceAll
      ? run.startedAt
      : new Date(deps.now().getTime() - config.normalizationTTLDays * DAY_MS).toISOString();
    const page = await deps.leads.findDue({
      normalizedBefore,
      limit,
      ...(request.forceAll && progress.cursor ? { cursor: progress.cursor } : {}),
      // Poisoned leads wait for an edit of their originals; a forceAll takes them all the same.
      ...(request.forceAll ? {} : { projection: poisonProjection(config), keep: (item: LeadItem) => !isPassedOver(item, config) }),
    });
    leadIds = page.leadIds;
    cursor = page.cursor ?? null;
    passedOver = page.rejected;
  }

  const batches: number[] = [];
  for (let start = 0; start < leadIds.length; start += config.batchSize) {
    const batchIndex = progress.batchOffset + batches.length;
    await deps.runs.saveBatch(run.runId, batchIndex, leadIds.slice(start, start + config.batchSize));
    batches.push(batchIndex);
  }
  return {
    status: 'selected',
    reason: leadIds.length === 0 ? 'No lead is due for normalization.' : null,
    batchCount: batches.length,
    batches,
    selected: leadIds.length,
    cursor,
    iteration: progress.iteration,
    passedOver,
  };
}
