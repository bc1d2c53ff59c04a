import { z } from 'zod';
import { CONFIG_ID } from '#shared/pipeline/pipeline-types.ts';
import { pipeTargetInput, type StreamRecord } from '#shared/pipeline/stream-changes.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/** The Pipe's batch of DynamoDB stream records (only what the enrichment reads is checked). */
const streamBatch = z.array(
  z.object({
    eventName: z.string().optional(),
    dynamodb: z.object({ Keys: z.record(z.string(), z.unknown()).optional(), NewImage: z.record(z.string(), z.unknown()).optional(), OldImage: z.record(z.string(), z.unknown()).optional() }).optional(),
  }),
);

/**
 * The Pipe's enrichment: from a batch of stream records, the leads inserted or whose configured
 * fields changed, as the state machine's input `[{leadIds}]`; `[]` (no execution) when none did or
 * normalization is disabled. Logs counts only: the records carry personal data.
 */
export const handler = taskHandler(streamBatch, async (records) => {
  const runtime = getPipelineRuntime();
  const config = runtime.resolveConfig(await runtime.configStore.getConfig(CONFIG_ID));
  const input = pipeTargetInput(records as StreamRecord[], config);
  logger.info('stream batch', { records: records.length, leads: input[0]?.leadIds.length ?? 0, enabled: config.enabled });
  return input;
});
