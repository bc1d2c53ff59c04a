import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  mergeConfigLayers,
  parseConfig,
  PROVIDERS,
  type NormalizationConfig,
  type ProviderName,
} from '#shared/config/normalization-config.ts';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { AdaptiveConcurrency, withAdaptiveConcurrency } from '#shared/model/adaptive-concurrency.ts';
import { createModelClient } from '#shared/model/providers/create-model-client.ts';
import type { ModelClient } from '#shared/model/model-port.ts';

/** Model options every command that normalizes accepts. */
export interface ModelOptions {
  provider?: string;
  model?: string;
  baseUrl?: string;
  config?: string;
  allowInsecureHttp?: boolean;
}

/** The model flags of ModelOptions (`--config` each command words itself: what it is merged over differs). */
export const withModelOptions = (command: Command): Command =>
  command
    .option('--provider <name>', 'rules (offline, default) | bedrock | openai')
    .option('--model <id>', 'model id (Bedrock model id, or the OpenAI-compatible model name)')
    .option('--base-url <url>', 'OpenAI-compatible endpoint, e.g. http://localhost:11434 for Ollama')
    .option('--allow-insecure-http', 'send the API key over plain http to a host that is not this machine');

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

/** Command-line model flags as a config layer: they win over every file and table, the provider included. */
export function modelFlagsLayer(options: ModelOptions): Record<string, unknown> {
  const model: Record<string, unknown> = {};
  const provider = parseProviderFlag(options.provider);
  if (provider) model.provider = provider;
  if (options.model) model.modelId = options.model;
  if (options.baseUrl) model.baseUrl = options.baseUrl;
  if (options.allowInsecureHttp) model.allowInsecureHttp = true;
  return Object.keys(model).length > 0 ? { model } : {};
}

/** Locally the default provider is the offline `rules` one: no account, no network. */
const LOCAL_DEFAULTS = { model: { provider: 'rules' } };

export function parseProviderFlag(value: string | undefined): ProviderName | undefined {
  if (value === undefined) return undefined;
  if (!(PROVIDERS as readonly string[]).includes(value)) {
    throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')} (got "${value}")`);
  }
  return value as ProviderName;
}

/** Config in precedence order: local defaults < base layers < `--config` < flags, validated. */
export async function loadCliConfig(
  options: ModelOptions,
  baseLayers: Array<Record<string, unknown>> = [],
): Promise<NormalizationConfig> {
  const fileLayer = options.config ? await readJsonConfigFile(options.config) : undefined;
  return parseConfig(mergeConfigLayers(LOCAL_DEFAULTS, ...baseLayers, fileLayer, modelFlagsLayer(options)));
}

/** The model client the resolved config names (none for `rules`: it never opens a connection). */
export function cliModelClient(config: NormalizationConfig): {
  provider: ProviderName;
  client: ModelClient | undefined;
} {
  const provider = config.model.provider ?? 'rules';
  const client = createModelClient({ ...config.model, provider }, process.env);
  const limiter = new AdaptiveConcurrency({ initial: config.maxConcurrency, max: config.maxConcurrency });
  return { provider, client: client && withAdaptiveConcurrency(client, limiter) };
}
