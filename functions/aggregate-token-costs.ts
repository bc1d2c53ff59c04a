import { z } from 'zod';
import { parseAnalyticsConfig } from '#shared/analytics/analytics-config.ts';
import { aggregateTokenCosts } from '#shared/analytics/token-costs-run.ts';
import { getAnalyticsRuntime } from '#shared/runtime/analytics-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';
import { createDynamoDbChatSource } from '#shared/stores/dynamodb-chat-source.ts';

export const aggregateTokenCostsPayload = z.object({ config: z.record(z.string(), z.unknown()).optional() });

/**
 * Token costs (ANALYTICS.md §6): Bedrock chat items newer than the watermark → conversation rows
 * and per-user / per-model daily aggregates in the bucket. Returns and logs counts only.
 */
export const handler = taskHandler(aggregateTokenCostsPayload, async (payload) => {
  const runtime = getAnalyticsRuntime();
  const config = parseAnalyticsConfig(payload.config ?? runtime.configDefaults);
  const report = await aggregateTokenCosts({
    chat: createDynamoDbChatSource({ client: runtime.documentClient, tableName: runtime.tableName('CHAT_TABLE') }),
    ...(runtime.runs ? { runs: runtime.runs } : {}),
    bucket: runtime.objectStore,
    config,
  });
  const summary = {
    itemsRead: report.itemsRead,
    conversations: report.conversations,
    ignored: report.ignored,
    messageMaps: report.messageMaps,
    normalizationRuns: report.normalizationRuns,
    partitions: report.days,
    filesWritten: report.filesWritten,
    watermark: report.watermark.after,
  };
  logger.info('token costs aggregated', summary);
  return summary;
});
