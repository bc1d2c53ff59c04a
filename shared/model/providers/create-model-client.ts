import { apiKeyConfigured, checkKeyTransport } from '#shared/config/config-sources.ts';
import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import { ModelError } from '#shared/errors/normflow-errors.ts';
import type { ModelClient } from '../model-port.ts';
import { createBedrockModelClient } from './bedrock-model-client.ts';
import { createOpenAiModelClient } from './openai-model-client.ts';
import { secretApiKey } from './secret-api-key.ts';

export type ModelSettings = NormalizationConfig['model'];

/**
 * Builds the model client the settings name; the `rules` provider (or none) has none, so it never
 * opens a connection. `env` is passed in (not read here) so the API key's source stays at the boundary.
 */
export function createModelClient(
  model: ModelSettings,
  env: Readonly<Record<string, string | undefined>>,
): ModelClient | undefined {
  const { modelId, region, requestTimeoutMs, maxResponseBytes, baseUrl, apiKeyEnv, apiKeySecretArn } = model;
  switch (model.provider ?? 'rules') {
    case 'rules':
      return undefined;
    case 'bedrock':
      return createBedrockModelClient({ modelId, requestTimeoutMs, maxResponseBytes, ...(region ? { region } : {}) });
    case 'openai':
      if (!baseUrl) {
        throw new ModelError('Model.Fatal', 'provider "openai" needs a base URL (--base-url, or the deployment\'s modelBaseUrl)');
      }
      checkKeyTransport(model, apiKeyConfigured(model, env));
      return createOpenAiModelClient({
        baseUrl,
        modelId,
        requestTimeoutMs,
        maxResponseBytes,
        apiKey: apiKeySecretArn ? secretApiKey(apiKeySecretArn) : env[apiKeyEnv],
      });
  }
}
