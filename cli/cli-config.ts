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
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read config file ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'error')}`);
  }
  let parsed: unknown;
  try {
    // Notepad starts UTF-8 files with a byte-order mark.
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new UsageError(`config file ${path} is not valid JSON: ${whereJsonBroke(text, error as Error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`config file ${path} is not a JSON object`);
  return parsed as Record<string, unknown>;
}

/** `line 3, column 5: Expected ',' or '}' after property value` from a JSON.parse error. */
function whereJsonBroke(text: string, error: Error): string {
  const reason = error.message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '');
  const position = /at position (\d+)/.exec(error.message)?.[1];
  if (position === undefined) return /end of JSON input/.test(error.message) ? `it ends too early (${reason})` : reason;
  const before = text.replace(/^\uFEFF/, '').slice(0, Number(position));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `line ${line}, column ${column}: ${reason}`;
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
