import type { NormalizationConfig, ProviderName } from '#shared/config/normalization-config.ts';
import { ModelError } from '../model-errors.ts';
import type { ModelClient } from '../model-port.ts';
import { createBedrockModelClient } from './bedrock-model-client.ts';
import { createOpenAiModelClient } from './openai-model-client.ts';

/** The provider in force: explicit choice, else the config's, else the environment's default. */
export function resolveProvider(
  config: NormalizationConfig,
  explicit: ProviderName | undefined,
  fallback: ProviderName,
): ProviderName {
  return explicit ?? config.model.provider ?? fallback;
}

/**
 * Builds the model client for a provider; `rules` has none (offline, rules only).
 * `env` is passed in (not read here) so the API key's source stays at the boundary.
 */
export function createModelClient(
  provider: ProviderName,
  config: NormalizationConfig,
  env: Readonly<Record<string, string | undefined>>,
): ModelClient | undefined {
  const { modelId, region, requestTimeoutMs, baseUrl, apiKeyEnv } = config.model;
  switch (provider) {
    case 'rules':
      return undefined;
    case 'bedrock':
      return createBedrockModelClient({ modelId, requestTimeoutMs, ...(region ? { region } : {}) });
    case 'openai':
      if (!baseUrl) {
        throw new ModelError('Model.Fatal', 'provider "openai" needs a base URL (--base-url or model.baseUrl)');
      }
      return createOpenAiModelClient({ baseUrl, modelId, requestTimeoutMs, apiKey: env[apiKeyEnv] });
  }
}
