import { recordLeadFailureStep } from '#shared/pipeline/batch-steps.ts';
import { leadFailurePayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/** RecordLeadFailure: a lead that failed alone is counted and stamped with the error name (poisoned after `poisonAfterFailures`). */
export const handler = taskHandler(leadFailurePayload, async (task) => {
  const result = await recordLeadFailureStep(getPipelineRuntime().deps, task);
  logger.warn('lead failed', { runId: task.runId, batchIndex: task.batchIndex, leadPosition: task.leadPosition, error: result.error, poisoned: result.poisoned });
  return { status: result.status, poisoned: result.poisoned };
});
