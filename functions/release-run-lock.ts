import { releaseRunLock } from '#shared/pipeline/report-run.ts';
import { releaseRunLockPayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/**
 * ReleaseLockAfterFailure: a run that failed (PlanRun, the segments Map or Report) gives its lock back
 * and its run record says so; the execution then fails with the original error.
 */
export const handler = taskHandler(releaseRunLockPayload, async ({ run, failure }) => {
  await releaseRunLock(getPipelineRuntime().deps, run, failure.Error);
  logger.warn('run failed; lock released', { runId: run.runId, error: failure.Error });
  return { released: true };
});
