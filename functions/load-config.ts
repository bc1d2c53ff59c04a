import { parseRunRequest } from '#shared/pipeline/run-request.ts';
import { loadConfigPayload } from '#shared/pipeline/payload-schemas.ts';
import { CONFIG_ID, type RunState } from '#shared/pipeline/pipeline-types.ts';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';
import { taskHandler } from '#shared/runtime/lambda-handler.ts';
import { logger } from '#shared/runtime/observability.ts';

/**
 * LoadConfig: validates the execution input (`Input.Invalid`) and the config item (`Config.Invalid`: bad
 * keys, deployment keys, a model id the deployment does not allow), deployment defaults under it.
 */
export const handler = taskHandler(loadConfigPayload, async ({ input, executionId, startedAt }): Promise<RunState> => {
  const request = parseRunRequest(input);
  const runtime = getPipelineRuntime();
  const stored = await runtime.configStore.getConfig(CONFIG_ID);
  const config = runtime.resolveConfig(stored);
  const runId = executionId.split(':').at(-1) ?? executionId;
  logger.info('run configured', { runId, enabled: config.enabled, llmMode: config.llmMode, request: { ...request, leadIds: request.leadIds?.length ?? null } });
  return { run: { runId, executionId, startedAt }, request, config };
});
