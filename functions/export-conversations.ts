import { exportConversations } from '#shared/analytics/conversation-export.ts';
import { analyticsRunPayload, getAnalyticsRuntime, resolveAnalyticsRun } from '#shared/runtime/analytics-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';
import { scanPages } from '#shared/stores/dynamodb-table-pages.ts';

/** ETL-1: conversations table → exchanges and users CSV in the run date's partition (ids and counts logged only). */
export const handler = taskHandler(analyticsRunPayload, async (payload) => {
  const runtime = getAnalyticsRuntime();
  const { runDate, config } = resolveAnalyticsRun(payload, runtime);
  const summary = await exportConversations({
    pages: scanPages({ client: runtime.documentClient, tableName: runtime.tableName('CONVERSATIONS_TABLE') }),
    config,
    runDate,
    store: runtime.objectStore,
  });
  logger.info('conversations exported', {
    runDate,
    rows: summary.rows,
    excludedUsers: summary.excludedUsers,
    feedback: summary.feedback,
    skippedItems: summary.skippedItems,
  });
  return summary;
});
