import { writeResultsStep } from '#shared/pipeline/batch-steps.ts';
import { batchStepPayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/** WriteResults: the batch normalized (guardrails on the answers, rules' values where the model failed or was not asked), then conditional updates per lead; returns counts only. */
export const handler = taskHandler(batchStepPayload, async (task) => {
  const result = await writeResultsStep(getPipelineRuntime().deps, task);
  logger.info('batch written', {
    runId: task.runId,
    batchIndex: task.batchIndex,
    dryRun: task.dryRun,
    selected: result.selected,
    normalized: result.normalized,
    unchanged: result.unchanged,
    skipped: result.skipped,
  });
  return { batchIndex: result.batchIndex, status: result.status, normalized: result.normalized };
});
