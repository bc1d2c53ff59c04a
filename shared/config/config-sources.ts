import { ConfigError } from '#shared/errors/normflow-errors.ts';
import { mergeConfigLayers, parseConfig, type NormalizationConfig, type ProviderName } from './normalization-config.ts';
import { isPlainObject } from '#shared/json/plain-object.ts';

/**
 * Where each setting may come from. Precedence, later winning key by key:
 * deployment defaults (Lambda environment from CDK context; locally the runtime's defaults)
 * < config table item < `--config F` < command-line flags.
 *
 * The config table is data, not deployment: anyone who may edit its item may tune the run, but not
 * choose where prompts (with personal data) and API keys go. These `model` keys are therefore
 * deploy-time only (CDK context, or locally the operator's own flags and `--config` file).
 */
export const DEPLOYMENT_MODEL_KEYS = ['provider', 'baseUrl', 'region', 'apiKeyEnv', 'apiKeySecretArn', 'allowInsecureHttp'] as const;
export type DeploymentModelKey = (typeof DEPLOYMENT_MODEL_KEYS)[number];
export type DeploymentModelSettings = Partial<Pick<NormalizationConfig['model'], DeploymentModelKey>>;


/** What the deployment fixed: provider, endpoint, region, key source, and the model ids an item may pick. */
export interface Deployment {
  /** Config layer under everything else (the deployed model id, …). */
  defaults: Record<string, unknown>;
  model: DeploymentModelSettings & { provider: ProviderName };
  /** Model ids the config item may choose among; undefined = any (local runs, where the operator is the deployer). */
  allowedModelIds: readonly string[] | undefined;
}

/**
 * Checks the config table item as data: it may not set a deployment key, nor pick a model id the
 * deployment does not allow. Throws `Config.Invalid` naming the key.
 */
export function checkConfigTableItem(item: Record<string, unknown> | undefined, deployment: Pick<Deployment, 'allowedModelIds'>): void {
  if (!item) return;
  const model = item.model;
  if (model === undefined) return;
  if (!isPlainObject(model)) throw new ConfigError('Invalid config table item: model: expected an object');
  const forbidden = DEPLOYMENT_MODEL_KEYS.filter((key) => Object.hasOwn(model, key));
  if (forbidden.length > 0) {
    throw new ConfigError(
      `Invalid config table item: ${forbidden.map((key) => `"model.${key}"`).join(', ')} ${forbidden.length > 1 ? 'are deployment settings' : 'is a deployment setting'}; ` +
        'the config table may not choose where prompts and API keys go (set it at deploy time: docs/configuration.md)',
    );
  }
  if (typeof model.modelId === 'string') checkAllowedModel(model.modelId, deployment.allowedModelIds, 'config table item');
}

/** `Config.Invalid` naming `model.modelId` when the deployment does not allow that model. */
export function checkAllowedModel(modelId: string, allowedModelIds: readonly string[] | undefined, where = 'config'): void {
  if (allowedModelIds === undefined || allowedModelIds.includes(modelId)) return;
  throw new ConfigError(
    `Invalid ${where}: "model.modelId" ${JSON.stringify(modelId)} is not a model this deployment allows (${allowedModelIds.join(', ')}); redeploy with it in allowedModelIds`,
  );
}

/**
 * The run's config from its layers, in precedence order, each checked where it came from:
 * deployment defaults < config table item < `--config`/flags (`override`).
 */
export function resolveRunConfig(options: {
  deployment: Deployment;
  tableItem: Record<string, unknown> | undefined;
  override: Record<string, unknown> | undefined;
  env: Readonly<Record<string, string | undefined>>;
}): NormalizationConfig {
  const { deployment, tableItem, override, env } = options;
  checkConfigTableItem(tableItem, deployment);
  const config = parseConfig(mergeConfigLayers(deployment.defaults, { model: { ...deployment.model } }, tableItem, override));
  checkAllowedModel(config.model.modelId, deployment.allowedModelIds);
  checkKeyTransport(config.model, apiKeyConfigured(config.model, env));
  return config;
}

/** Whether a call would carry an API key: a deployed secret, or the named variable set. */
export function apiKeyConfigured(
  model: Pick<NormalizationConfig['model'], 'provider' | 'apiKeySecretArn' | 'apiKeyEnv'>,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (model.provider !== 'openai') return false;
  return model.apiKeySecretArn !== undefined || Boolean(env[model.apiKeyEnv]);
}

/**
 * The model settings a client is built from: the run config's tunables (model id, temperature,
 * limits) with the deployment keys taken only from trusted layers, never from a task payload.
 */
export function trustedModelSettings(
  config: NormalizationConfig,
  deployment: Deployment,
  override: Record<string, unknown> | undefined,
  env: Readonly<Record<string, string | undefined>>,
): NormalizationConfig['model'] {
  const trusted: Record<string, unknown> = { ...deployment.model };
  const overrideModel = isPlainObject(override?.model) ? override.model : {};
  for (const key of DEPLOYMENT_MODEL_KEYS) if (Object.hasOwn(overrideModel, key)) trusted[key] = overrideModel[key];
  const model: Record<string, unknown> = { ...config.model };
  for (const key of DEPLOYMENT_MODEL_KEYS) delete model[key];
  const settings = parseConfig({ model: { ...model, ...trusted } }).model;
  checkAllowedModel(settings.modelId, deployment.allowedModelIds);
  checkKeyTransport(settings, apiKeyConfigured(settings, env));
  return settings;
}

/** `localhost`, `*.localhost`, 127.0.0.0/8 and ::1: traffic to them never leaves this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * An API key never travels over plain http to another machine unless the operator said so
 * (`model.allowInsecureHttp`, flag `--allow-insecure-http`). Checked before any connection.
 */
export function checkKeyTransport(model: Pick<NormalizationConfig['model'], 'baseUrl' | 'allowInsecureHttp'>, keyPresent: boolean): void {
  if (!model.baseUrl || model.allowInsecureHttp || !keyPresent) return;
  const url = new URL(model.baseUrl);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      `Invalid config: "model.baseUrl" is plain http to ${url.host}, which is not this machine: an API key is never sent there ` +
        'unless model.allowInsecureHttp is true (--allow-insecure-http); use https',
    );
  }
}
