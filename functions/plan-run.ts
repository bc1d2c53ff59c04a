import { planRun } from '#shared/pipeline/plan-run.ts';
import { planRunPayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/** PlanRun: run lock (not for runs naming their leads), then the segments the Distributed Map runs, one child execution each. */
export const handler = taskHandler(planRunPayload, async (payload) => {
  const plan = await planRun(getPipelineRuntime().deps, payload);
  logger.info('run planned', { runId: payload.run.runId, status: plan.status, mode: plan.mode, segments: plan.totalSegments, holdsLock: plan.holdsLock });
  return plan;
});
