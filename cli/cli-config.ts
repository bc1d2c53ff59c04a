import { readFile } from 'node:fs/promises';
import {
  mergeConfigLayers,
  parseConfig,
  PROVIDERS,
  type NormalizationConfig,
  type ProviderName,
} from '#shared/config/normalization-config.ts';
import { AdaptiveConcurrency, withAdaptiveConcurrency } from '#shared/model/adaptive-concurrency.ts';
import { createModelClient, resolveProvider } from '#shared/model/providers/create-model-client.ts';
import type { ModelClient } from '#shared/model/model-port.ts';
import { UsageError } from './cli-errors.ts';

/** Model options every command that normalizes accepts. */
export interface ModelOptions {
  provider?: string;
  model?: string;
  baseUrl?: string;
  config?: string;
}

export async function readJsonConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new UsageError(`config file ${path} is not a JSON object`);
  }
}

/** Command-line model flags as a config layer (they win over every file and table). */
export function modelFlagsLayer(options: ModelOptions): Record<string, unknown> {
  const model: Record<string, unknown> = {};
  if (options.model) model.modelId = options.model;
  if (options.baseUrl) model.baseUrl = options.baseUrl;
  return Object.keys(model).length > 0 ? { model } : {};
}

export function parseProviderFlag(value: string | undefined): ProviderName | undefined {
  if (value === undefined) return undefined;
  if (!(PROVIDERS as readonly string[]).includes(value)) {
    throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')} (got "${value}")`);
  }
  return value as ProviderName;
}

/** Config from `--config` (if any) with the model flags on top, validated. */
export async function loadCliConfig(
  options: ModelOptions,
  baseLayers: Array<Record<string, unknown>> = [],
): Promise<NormalizationConfig> {
  const fileLayer = options.config ? await readJsonConfigFile(options.config) : undefined;
  return parseConfig(mergeConfigLayers(...baseLayers, fileLayer, modelFlagsLayer(options)));
}

/** Locally the default provider is the offline `rules` one: no account, no network. */
export function cliModelClient(options: ModelOptions, config: NormalizationConfig): {
  provider: ProviderName;
  client: ModelClient | undefined;
} {
  const provider = resolveProvider(config, parseProviderFlag(options.provider), 'rules');
  const client = createModelClient(provider, config, process.env);
  const limiter = new AdaptiveConcurrency({ initial: config.maxConcurrency, max: config.maxConcurrency });
  return { provider, client: client && withAdaptiveConcurrency(client, limiter) };
}
