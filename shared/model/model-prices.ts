/** USD per million tokens; the same shape as `model.prices` in the normalization config. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

/** Configured prices keyed by model id; they win over the built-in table and the local rule. */
export type PriceOverrides = Readonly<Record<string, ModelPrice>>;

/** Where the model is served, for the "local models are free" rule. */
export interface PricingContext {
  provider?: string;
  baseUrl?: string;
}

/**
 * Amazon Bedrock on-demand prices in us-east-1 (text, standard context, no prompt caching).
 * Prices change: a run that must be exact should set `model.prices` in its config.
 */
export const BEDROCK_ON_DEMAND_PRICES: Readonly<Record<string, ModelPrice>> = {
  'anthropic.claude-3-haiku-20240307-v1:0': { inputPerMillion: 0.25, outputPerMillion: 1.25 },
  'anthropic.claude-3-5-haiku-20241022-v1:0': { inputPerMillion: 0.8, outputPerMillion: 4 },
  'anthropic.claude-3-5-sonnet-20240620-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-3-5-sonnet-20241022-v2:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-3-7-sonnet-20250219-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-sonnet-4-20250514-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'amazon.nova-micro-v1:0': { inputPerMillion: 0.035, outputPerMillion: 0.14 },
  'amazon.nova-lite-v1:0': { inputPerMillion: 0.06, outputPerMillion: 0.24 },
  'amazon.nova-pro-v1:0': { inputPerMillion: 0.8, outputPerMillion: 3.2 },
  'meta.llama3-8b-instruct-v1:0': { inputPerMillion: 0.3, outputPerMillion: 0.6 },
  'meta.llama3-70b-instruct-v1:0': { inputPerMillion: 2.65, outputPerMillion: 3.5 },
  'meta.llama3-1-8b-instruct-v1:0': { inputPerMillion: 0.22, outputPerMillion: 0.22 },
  'meta.llama3-1-70b-instruct-v1:0': { inputPerMillion: 0.72, outputPerMillion: 0.72 },
  'meta.llama3-3-70b-instruct-v1:0': { inputPerMillion: 0.72, outputPerMillion: 0.72 },
};

// Cross-region inference profiles are billed as the base model in the source region.
const INFERENCE_PROFILE_PREFIX = /^(?:us|eu|apac|us-gov|ca|jp|au|global)\./;
// Provisioned context-window variants, e.g. `…-v1:0:200k`.
const CONTEXT_WINDOW_SUFFIX = /:\d+k$/;

/**
 * The base Bedrock model id of a model id, inference-profile id or ARN:
 * `arn:…:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0` → `anthropic.claude-3-haiku-20240307-v1:0`.
 */
export function baseModelId(modelId: string): string {
  const lastSegment = modelId.startsWith('arn:') ? modelId.slice(modelId.lastIndexOf('/') + 1) : modelId;
  return lastSegment.trim().toLowerCase().replace(INFERENCE_PROFILE_PREFIX, '').replace(CONTEXT_WINDOW_SUFFIX, '');
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0']);

/** Whether an OpenAI-compatible base URL points at this machine (Ollama, LM Studio, a local vLLM). */
export function isLocalBaseUrl(baseUrl: string): boolean {
  try {
    const host = new URL(baseUrl).hostname.toLowerCase();
    return LOOPBACK_HOSTS.has(host) || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

export type PriceSource = 'override' | 'local' | 'table' | 'unpriced';

export interface PriceLookup {
  /** false: no price is known, the cost reported is 0 and should be shown as unknown. */
  priced: boolean;
  source: PriceSource;
  price: ModelPrice;
}

function configuredPrice(overrides: PriceOverrides, modelId: string, base: string): ModelPrice | undefined {
  if (Object.hasOwn(overrides, modelId)) return overrides[modelId];
  const key = Object.keys(overrides).find((candidate) => baseModelId(candidate) === base);
  return key === undefined ? undefined : overrides[key];
}

const FREE: ModelPrice = { inputPerMillion: 0, outputPerMillion: 0 };

/**
 * Price of a model: configured override first (exact id, then any key with the same base id), then the local rule
 * (the `openai` provider against this machine costs nothing), then the Bedrock table.
 * Never throws: an unknown model is `priced: false` at 0.
 */
export function lookupModelPrice(modelId: string, overrides?: PriceOverrides, context?: PricingContext): PriceLookup {
  const base = baseModelId(modelId);
  const configured = overrides ? configuredPrice(overrides, modelId, base) : undefined;
  if (configured) return { priced: true, source: 'override', price: configured };
  if (context?.provider === 'openai' && context.baseUrl !== undefined && isLocalBaseUrl(context.baseUrl)) {
    return { priced: true, source: 'local', price: FREE };
  }
  const listed = Object.hasOwn(BEDROCK_ON_DEMAND_PRICES, base) ? BEDROCK_ON_DEMAND_PRICES[base] : undefined;
  if (listed) return { priced: true, source: 'table', price: listed };
  return { priced: false, source: 'unpriced', price: FREE };
}

const tokens = (count: number): number => (Number.isFinite(count) && count > 0 ? count : 0);

export interface CostEstimate {
  costUSD: number;
  priced: boolean;
  source: PriceSource;
}

export function estimateCost(
  modelId: string,
  inputTokens: number,
  outputTokens: number,
  overrides?: PriceOverrides,
  context?: PricingContext,
): CostEstimate {
  const { priced, source, price } = lookupModelPrice(modelId, overrides, context);
  const costUSD = (tokens(inputTokens) * price.inputPerMillion + tokens(outputTokens) * price.outputPerMillion) / 1_000_000;
  return { costUSD, priced, source };
}

/** The cost alone; use `estimateCost` or `lookupModelPrice` to know whether the model was priced. */
export const estimateCostUSD = (
  modelId: string,
  inputTokens: number,
  outputTokens: number,
  overrides?: PriceOverrides,
  context?: PricingContext,
): number => estimateCost(modelId, inputTokens, outputTokens, overrides, context).costUSD;
