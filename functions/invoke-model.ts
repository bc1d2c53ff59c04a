import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { invokeModelStep } from '#shared/pipeline/model-call-step.ts';
import { batchStepPayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger, metrics } from '#shared/runtime/observability.ts';

/**
 * InvokeModel: one model call per batch for what the rules and the cache left; throws Model.* errors
 * the state machine retries. Each attempt's cost is emitted at once (`BatchCostUSD`, EMF), failed
 * attempts included, so the daily cost alarm and kill switch see spend while a run is still going.
 */
export const handler = taskHandler(batchStepPayload, async (task, context) => {
  try {
    const result = await invokeModelStep(getPipelineRuntime().deps, task, {
      // A claimed call blocks a duplicate for as long as this invocation may live, as Powertools' idempotency does.
      msLeft: context.getRemainingTimeInMillis(),
      onSpend: (usage) => {
        metrics.addMetric('BatchCostUSD', MetricUnit.NoUnit, usage.costUSD);
        metrics.addMetric('BatchInputTokens', MetricUnit.Count, usage.inputTokens);
        metrics.addMetric('BatchOutputTokens', MetricUnit.Count, usage.outputTokens);
      },
    });
    logger.info('model step done', { runId: task.runId, batchIndex: task.batchIndex, leadPosition: task.leadPosition, outcome: result.outcome, questions: result.questions, ...result.usage, ...(result.failure ? { error: result.failure.error } : {}) });
    return result;
  } finally {
    // Published when an attempt was made, failed ones included; most batches ask nothing (the rules
    // decided), and Powertools would warn on every such invocation that it has nothing to publish.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
});
