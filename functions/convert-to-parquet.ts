import { convertToParquet } from '#shared/analytics/parquet-conversion.ts';
import { analyticsRunPayload, getAnalyticsRuntime, resolveAnalyticsRun } from '#shared/runtime/analytics-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/** ETL-2: the run date's CSV export → typed Parquet with token counts (counts logged only). */
export const handler = taskHandler(analyticsRunPayload, async (payload) => {
  const runtime = getAnalyticsRuntime();
  const { runDate, config } = resolveAnalyticsRun(payload, runtime);
  const summary = await convertToParquet({ config, runDate, store: runtime.objectStore });
  logger.info('conversations converted to parquet', { runDate, rows: summary.rows, tokens: summary.tokens });
  return summary;
});
