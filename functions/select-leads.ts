import { selectLeads } from '#shared/pipeline/select-leads.ts';
import { selectLeadsPayload } from '#shared/pipeline/payload-schemas.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/** SelectLeads: run lock, due leads (exact cap, forceAll cursor), batches of ids stored in the runs table. */
export const handler = taskHandler(selectLeadsPayload, async (payload) => {
  const selection = await selectLeads(getPipelineRuntime().deps, payload);
  logger.info('leads selected', { runId: payload.run.runId, status: selection.status, selected: selection.selected, batches: selection.batchCount, iteration: selection.iteration });
  return selection;
});
