import { recordBatchFailureStep } from '#shared/pipeline/batch-steps.ts';
import { batchFailurePayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/** RecordBatchFailure: the batch is marked failed (error name only) so Report counts it; the Map goes on. */
export const handler = taskHandler(batchFailurePayload, async (task) => {
  const result = await recordBatchFailureStep(getPipelineRuntime().deps, task);
  logger.warn('batch failed', { runId: task.runId, batchIndex: task.batchIndex, error: result.error, leads: result.selected });
  return { batchIndex: result.batchIndex, status: result.status };
});
