import { selectPage } from '#shared/pipeline/segment-pages.ts';
import { segmentTaskPayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/** SelectPage: the segment's next page of due leads (reserved from the run's cap), stored as batches of ids. */
export const handler = taskHandler(segmentTaskPayload, async (task) => {
  const page = await selectPage(getPipelineRuntime().deps, task);
  logger.info('page selected', { runId: task.run.runId, segment: task.segment, selected: page.selected, batches: page.batchCount, done: page.done, passedOver: page.passedOver });
  return page;
});
