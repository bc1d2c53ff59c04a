import { describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/normalization-config.ts';
import {
  BEDROCK_ON_DEMAND_PRICES,
  baseModelId,
  estimateCost,
  estimateCostUSD,
  isLocalBaseUrl,
  lookupModelPrice,
} from '#shared/model/model-prices.ts';

const HAIKU_3 = 'anthropic.claude-3-haiku-20240307-v1:0';

describe('Bedrock on-demand price table', () => {
  it.each<[string, string, number, number]>([
    ['Claude 3 Haiku', HAIKU_3, 0.25, 1.25],
    ['Claude 3.5 Haiku', 'anthropic.claude-3-5-haiku-20241022-v1:0', 0.8, 4],
    ['Claude 3.5 Sonnet', 'anthropic.claude-3-5-sonnet-20240620-v1:0', 3, 15],
    ['Claude 3.5 Sonnet v2', 'anthropic.claude-3-5-sonnet-20241022-v2:0', 3, 15],
    ['Claude 3.7 Sonnet', 'anthropic.claude-3-7-sonnet-20250219-v1:0', 3, 15],
    ['Claude Sonnet 4', 'anthropic.claude-sonnet-4-20250514-v1:0', 3, 15],
    ['Nova Micro', 'amazon.nova-micro-v1:0', 0.035, 0.14],
    ['Nova Lite', 'amazon.nova-lite-v1:0', 0.06, 0.24],
    ['Nova Pro', 'amazon.nova-pro-v1:0', 0.8, 3.2],
    ['Llama 3 8B Instruct', 'meta.llama3-8b-instruct-v1:0', 0.3, 0.6],
    ['Llama 3 70B Instruct', 'meta.llama3-70b-instruct-v1:0', 2.65, 3.5],
    ['Llama 3.1 8B Instruct', 'meta.llama3-1-8b-instruct-v1:0', 0.22, 0.22],
    ['Llama 3.1 70B Instruct', 'meta.llama3-1-70b-instruct-v1:0', 0.72, 0.72],
    ['Llama 3.3 70B Instruct', 'meta.llama3-3-70b-instruct-v1:0', 0.72, 0.72],
  ])('%s (%s) costs %d / %d USD per million input / output tokens', (_name, modelId, input, output) => {
    expect(lookupModelPrice(modelId)).toEqual({
      priced: true,
      source: 'table',
      price: { inputPerMillion: input, outputPerMillion: output },
    });
    expect(estimateCostUSD(modelId, 1_000_000, 0)).toBeCloseTo(input, 10);
    expect(estimateCostUSD(modelId, 0, 1_000_000)).toBeCloseTo(output, 10);
  });

  it('every table key is already a base model id', () => {
    for (const modelId of Object.keys(BEDROCK_ON_DEMAND_PRICES)) expect(baseModelId(modelId)).toBe(modelId);
  });

  it('adds input and output costs', () => {
    // 1,000 × 0.25 / 1e6 + 500 × 1.25 / 1e6
    expect(estimateCost(HAIKU_3, 1_000, 500)).toEqual({ costUSD: expect.closeTo(0.000875, 12), priced: true, source: 'table' });
  });
});

describe('model ids that name a base model', () => {
  it.each([
    `us.${HAIKU_3}`,
    `eu.${HAIKU_3}`,
    `apac.${HAIKU_3}`,
    `global.${HAIKU_3}`,
    `arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${HAIKU_3}`,
    `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU_3}`,
    `${HAIKU_3}:200k`,
    ` ${HAIKU_3.toUpperCase()} `,
  ])('%s is priced as Claude 3 Haiku', (modelId) => {
    expect(baseModelId(modelId)).toBe(HAIKU_3);
    expect(estimateCostUSD(modelId, 1_000_000, 1_000_000)).toBeCloseTo(1.5, 10);
  });
});

describe('unknown models', () => {
  it.each(['llama3.1:8b', 'gpt-4o-mini', '', 'constructor', '__proto__', 'anthropic.claude-9-opus'])(
    '%j costs 0 and is reported as not priced, without throwing',
    (modelId) => {
      expect(estimateCost(modelId, 10_000, 10_000)).toEqual({ costUSD: 0, priced: false, source: 'unpriced' });
      expect(estimateCostUSD(modelId, 10_000, 10_000)).toBe(0);
    },
  );

  it.each([
    [Number.NaN, 100],
    [-5, 100],
    [Number.POSITIVE_INFINITY, 100],
  ])('treats a nonsensical token count (%d) as 0', (inputTokens, outputTokens) => {
    expect(estimateCostUSD(HAIKU_3, inputTokens, outputTokens)).toBeCloseTo((100 * 1.25) / 1_000_000, 12);
  });
});

describe('configured prices', () => {
  const overrides = {
    'llama3.1:8b': { inputPerMillion: 0.05, outputPerMillion: 0.08 },
    [`eu.${HAIKU_3}`]: { inputPerMillion: 0.3, outputPerMillion: 1.5 },
  };

  it('prices a model the table does not know', () => {
    expect(estimateCost('llama3.1:8b', 1_000_000, 1_000_000, overrides)).toEqual({
      costUSD: expect.closeTo(0.13, 10),
      priced: true,
      source: 'override',
    });
  });

  it('wins over the table, matched by base model id whatever the prefix', () => {
    expect(lookupModelPrice(`eu.${HAIKU_3}`, overrides).price).toEqual({ inputPerMillion: 0.3, outputPerMillion: 1.5 });
    expect(lookupModelPrice(HAIKU_3, overrides)).toMatchObject({ source: 'override', price: { inputPerMillion: 0.3 } });
  });

  it('accepts the `model.prices` of a parsed config as is', () => {
    const config = parseConfig({ model: { prices: { 'my-model': { inputPerMillion: 1, outputPerMillion: 2 } } } });
    expect(estimateCostUSD('my-model', 1_000_000, 1_000_000, config.model.prices)).toBeCloseTo(3, 10);
  });
});

describe('local models', () => {
  it.each(['http://localhost:11434', 'http://127.0.0.1:8000/v1', 'http://[::1]:1234', 'http://0.0.0.0:11434', 'http://ollama.localhost'])(
    'the openai provider against %s costs 0 and counts as priced',
    (baseUrl) => {
      expect(isLocalBaseUrl(baseUrl)).toBe(true);
      expect(estimateCost('llama3.1:8b', 50_000, 50_000, undefined, { provider: 'openai', baseUrl })).toEqual({
        costUSD: 0,
        priced: true,
        source: 'local',
      });
    },
  );

  it('a configured price still applies to a local model', () => {
    const overrides = { 'llama3.1:8b': { inputPerMillion: 0.01, outputPerMillion: 0.01 } };
    const context = { provider: 'openai', baseUrl: 'http://localhost:11434' };
    expect(estimateCost('llama3.1:8b', 1_000_000, 0, overrides, context)).toMatchObject({ source: 'override', priced: true });
  });

  it.each(['https://api.openai.com', 'http://10.0.0.5:8000', 'not a url'])('%s is not local: unknown models stay unpriced', (baseUrl) => {
    expect(isLocalBaseUrl(baseUrl)).toBe(false);
    expect(estimateCost('gpt-4o-mini', 1_000, 1_000, undefined, { provider: 'openai', baseUrl })).toMatchObject({ priced: false });
  });

  it('the rule is for the openai provider only: Bedrock through a local endpoint keeps its price', () => {
    const context = { provider: 'bedrock', baseUrl: 'http://127.0.0.1:4566' };
    expect(estimateCost(HAIKU_3, 1_000_000, 0, undefined, context)).toMatchObject({ costUSD: 0.25, source: 'table' });
  });
});
