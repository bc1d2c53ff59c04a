import { postProcessStep } from '#shared/pipeline/batch-steps.ts';
import { batchStepPayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/** PostProcess: guardrails on the answers, rules' values where the model failed or was not asked. */
export const handler = taskHandler(batchStepPayload, async (task) => {
  const result = await postProcessStep(getPipelineRuntime().deps, task);
  logger.info('batch post-processed', { runId: task.runId, batchIndex: task.batchIndex, ...result });
  return result;
});
