import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { reportRun } from '#shared/pipeline/report-run.ts';
import { reportPayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger, metrics } from '#shared/runtime/observability.ts';

/**
 * Report: run record in the runs table, EMF metrics in namespace `normflow` once the run is done
 * (published only then: a round that goes on has none, and Powertools would warn it had nothing).
 */
export const handler = taskHandler(reportPayload, async (payload) => {
  const runtime = getPipelineRuntime();
  try {
    const result = await reportRun(runtime.deps, { ...payload, provider: runtime.providerFor(payload.config) });
    const { summary } = result;
    if (!result.continue) {
      metrics.addMetric('LeadsProcessed', MetricUnit.Count, summary.counts.normalized + summary.counts.unchanged);
      metrics.addMetric('FieldsNormalized', MetricUnit.Count, Object.values(summary.fields).reduce((sum, field) => sum + field.changed, 0));
      metrics.addMetric('NormalizationErrors', MetricUnit.Count, summary.counts.failed);
      metrics.addMetric('Duration', MetricUnit.Milliseconds, summary.durationMs);
      metrics.addMetric('InputTokens', MetricUnit.Count, summary.model.inputTokens);
      metrics.addMetric('OutputTokens', MetricUnit.Count, summary.model.outputTokens);
      metrics.addMetric('EstimatedCostUSD', MetricUnit.NoUnit, summary.model.estimatedCostUSD);
      metrics.addMetric('CacheHits', MetricUnit.Count, summary.cacheHits);
      metrics.addMetric('ModelCalls', MetricUnit.Count, summary.model.calls);
    }
    logger.info('run reported', { runId: summary.runId, status: summary.status, counts: summary.counts, continue: result.continue });
    return result;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
});
