import { hostname } from 'node:os';
import { resolveRunConfig, trustedModelSettings, type Deployment } from '#shared/config/config-sources.ts';
import type { NormalizationConfig, ProviderName } from '#shared/config/normalization-config.ts';
import { AdaptiveConcurrency, withAdaptiveConcurrency } from '#shared/model/adaptive-concurrency.ts';
import type { ModelClient } from '#shared/model/model-port.ts';
import { createModelClient } from '#shared/model/providers/create-model-client.ts';
import { withRateLimit } from '#shared/model/rate-limit.ts';
import type { PipelineDeps } from '#shared/pipeline/pipeline-types.ts';
import { createDynamoDbClients } from '#shared/stores/dynamodb-client.ts';
import { createDynamoDbConfigStore } from '#shared/stores/dynamodb-config-store.ts';
import { createDynamoDbDecisionStore } from '#shared/stores/dynamodb-decision-store.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { createDynamoDbRateLimiter } from '#shared/stores/dynamodb-rate-limiter.ts';
import { createDynamoDbRunPlanStore } from '#shared/stores/dynamodb-run-plan-store.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { createDynamoDbValueCache } from '#shared/stores/dynamodb-value-cache.ts';
import { inProcessEngine } from '#shared/stores/in-process-endpoints.ts';
import type { ConfigStore, RunLock } from '#shared/stores/store-ports.ts';
import { deploymentEnvironmentSchema, deploymentFromEnvironment } from './deployment-settings.ts';
import { parseJsonObjectEnv, parsePipelineEnvironment, pipelineEnvironmentSchema, type PipelineEnvironment } from './pipeline-environment.ts';

export interface PipelineRuntime {
  deps: PipelineDeps;
  configStore: ConfigStore;
  /** Deploy-time settings (environment): provider, endpoint, region, key source, allowed model ids. */
  deployment: Deployment;
  /** The run's config: deployment < config table item (data only, checked) < local `--config` and flags. */
  resolveConfig(tableItem: Record<string, unknown> | undefined): NormalizationConfig;
  providerFor(config: NormalizationConfig): ProviderName;
}

/** Executions of this process that are still running (local runtime): their locks are not stale. */
export const activeLocalExecutions = new Set<string>();

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Locally a lock is stale when its holder process is gone, or it is this process and the execution is over. */
function isStaleLocalLock(lock: RunLock): boolean {
  if (lock.pid === undefined || lock.host !== hostname()) return false;
  if (lock.pid === process.pid) return !activeLocalExecutions.has(lock.holder);
  return !isProcessAlive(lock.pid);
}

function buildRuntime(env: PipelineEnvironment, processEnv: NodeJS.ProcessEnv): PipelineRuntime {
  const deployment = deploymentFromEnvironment(processEnv);
  /** Locally: `normflow run --config F` and its flags, over the config table's item. */
  const override = parseJsonObjectEnv('NORMFLOW_CONFIG_OVERRIDE', env.NORMFLOW_CONFIG_OVERRIDE);
  const { documentClient } = createDynamoDbClients({ region: env.AWS_REGION, endpoint: env.DYNAMODB_ENDPOINT });
  const models = new Map<string, ModelClient | undefined>();
  const providerFor = (config: NormalizationConfig) => config.model.provider ?? deployment.model.provider;
  const deps: PipelineDeps = {
    leads: createDynamoDbLeadStore({ client: documentClient, tableName: env.LEADS_TABLE }),
    runs: createDynamoDbRunStore({ client: documentClient, tableName: env.RUNS_TABLE }),
    plans: createDynamoDbRunPlanStore({ client: documentClient, tableName: env.RUNS_TABLE }),
    valueCacheStore: createDynamoDbValueCache({ client: documentClient, tableName: env.VALUE_CACHE_TABLE }),
    decisions: createDynamoDbDecisionStore({ client: documentClient, tableName: env.DECISIONS_TABLE }),
    modelFor(config) {
      // Endpoint, region and key source come from the deployment (and local flags), never from a payload.
      const settings = trustedModelSettings(config, deployment, override, processEnv);
      const key = JSON.stringify([settings, config.maxConcurrency, config.maxParallelSegments]);
      if (!models.has(key)) {
        const client = createModelClient(settings, processEnv);
        // A Lambda on AWS makes one call at a time; locally every Lambda shares this process, so the
        // limit is what all of a run's batches in flight may make at once.
        const inFlight = config.maxConcurrency * config.maxParallelSegments;
        const limiter = new AdaptiveConcurrency({ initial: inFlight, max: inFlight });
        const { requestsPerMinute, tokensPerMinute } = settings;
        const paced =
          client && (requestsPerMinute || tokensPerMinute)
            ? withRateLimit(
                client,
                createDynamoDbRateLimiter({
                  client: documentClient,
                  tableName: env.RUNS_TABLE,
                  modelId: client.modelId,
                  quota: { ...(requestsPerMinute ? { requestsPerMinute } : {}), ...(tokensPerMinute ? { tokensPerMinute } : {}) },
                }),
              )
            : client;
        models.set(key, paced && withAdaptiveConcurrency(paced, limiter));
      }
      return models.get(key);
    },
    now: () => new Date(),
    lockTtlSeconds: env.RUN_TIMEOUT_SECONDS,
    dueSelection: env.NORMFLOW_DUE_SELECTION,
    ...(env.NORMFLOW_LOCK_CHECKS_PROCESS === 'true'
      ? { processLock: { pid: process.pid, host: hostname(), isStale: isStaleLocalLock } }
      : {}),
  };
  return {
    deps,
    configStore: createDynamoDbConfigStore({ client: documentClient, tableName: env.CONFIG_TABLE }),
    deployment,
    resolveConfig: (tableItem) => resolveRunConfig({ deployment, tableItem, override, env: processEnv }),
    providerFor,
  };
}

let current: { key: string; runtime: PipelineRuntime; engine: ReturnType<typeof inProcessEngine> } | undefined;

/** Every variable the runtime is built from: the same values give the same runtime. */
const RUNTIME_VARIABLES = [...Object.keys(pipelineEnvironmentSchema.shape), ...Object.keys(deploymentEnvironmentSchema.shape)];

/**
 * Clients, stores and settings from the environment, built at cold start and reused while the
 * environment stays the same (the local runtime and tests point it at other tables between runs).
 * The variables are parsed only when they changed: every invocation asks.
 */
export function getPipelineRuntime(env: NodeJS.ProcessEnv = process.env): PipelineRuntime {
  const key = JSON.stringify(RUNTIME_VARIABLES.map((name) => env[name] ?? null));
  // A local store started again may get the endpoint of one that was closed: the clients follow it.
  const engine = inProcessEngine(env.DYNAMODB_ENDPOINT);
  if (current?.key !== key || current.engine !== engine) current = { key, runtime: buildRuntime(parsePipelineEnvironment(env), env), engine };
  return current.runtime;
}
