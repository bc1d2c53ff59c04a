import { finishPage } from '#shared/pipeline/segment-pages.ts';
import { finishPagePayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/** FinishPage: the page's results added to its segment's totals, the segment's cursor moved on; says whether to take another page. */
export const handler = taskHandler(finishPagePayload, async (task) => {
  const finished = await finishPage(getPipelineRuntime().deps, task);
  logger.info('page finished', { runId: task.run.runId, segment: task.segment, pagesDone: finished.pagesDone, more: finished.more });
  return finished;
});
