import { invokeModelStep } from '#shared/pipeline/batch-steps.ts';
import { batchStepPayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/** InvokeModel: one model call per batch for what the rules and the cache left; throws Model.* errors. */
export const handler = taskHandler(batchStepPayload, async (task) => {
  const result = await invokeModelStep(getPipelineRuntime().deps, task);
  logger.info('model step done', { runId: task.runId, batchIndex: task.batchIndex, outcome: result.outcome, questions: result.questions, ...result.usage });
  return result;
});
