import { splitBatchStep } from '#shared/pipeline/batch-steps.ts';
import { batchFailurePayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/** SplitBatch: a batch that failed as a whole is retried lead by lead; returns the leads' positions. */
export const handler = taskHandler(batchFailurePayload, async (task) => {
  const split = await splitBatchStep(getPipelineRuntime().deps, task);
  logger.warn('batch failed; retrying lead by lead', { runId: task.runId, batchIndex: task.batchIndex, error: task.failure.Error, leads: split.positions.length });
  return split;
});
