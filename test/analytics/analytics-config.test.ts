import { describe, expect, it } from 'vitest';
import { parseAnalyticsConfig } from '#shared/analytics/analytics-config.ts';

describe('analytics config', () => {
  it('fills every default', () => {
    expect(parseAnalyticsConfig(undefined)).toEqual({
      exportPrefix: 'conversations/',
      filters: { excludeCityPatterns: [], excludeUserNames: [], startDate: null },
      tokenizer: 'cl100k_base',
      prices: {},
      defaultModel: 'anthropic.claude-3-haiku-20240307-v1:0',
      tokenCostsPrefix: 'token-costs/',
    });
  });

  it('keeps given values', () => {
    const config = parseAnalyticsConfig({
      exportPrefix: 'analitica/chat/',
      filters: { excludeCityPatterns: ['prueba*'], excludeUserNames: ['Usuario Prueba'], startDate: '2025-01-15' },
      tokenizer: 'chars/4',
      prices: { 'anthropic.claude-3-haiku-20240307-v1:0': { inputPerMillion: 0.25, outputPerMillion: 1.25 } },
      defaultModel: 'amazon.nova-lite-v1:0',
      tokenCostsPrefix: '',
    });
    expect(config.filters).toEqual({ excludeCityPatterns: ['prueba*'], excludeUserNames: ['Usuario Prueba'], startDate: '2025-01-15' });
    expect(config).toMatchObject({ exportPrefix: 'analitica/chat/', tokenizer: 'chars/4', defaultModel: 'amazon.nova-lite-v1:0', tokenCostsPrefix: '' });
  });

  it.each([
    [{ exportPrefix: 'conversations' }, 'exportPrefix'],
    [{ exportPrefix: '/conversations/' }, 'exportPrefix'],
    [{ tokenCostsPrefix: 'a//b/' }, 'tokenCostsPrefix'],
    [{ filters: { startDate: '15/01/2025' } }, 'filters.startDate'],
    [{ filters: { startDate: '2025-02-30' } }, 'filters.startDate'],
    [{ filters: { excludeUserNames: ['  '] } }, 'filters.excludeUserNames.0'],
    [{ filters: { excludeCityPatterns: 'prueba*' } }, 'filters.excludeCityPatterns'],
    [{ tokenizer: 'o200k_base' }, 'tokenizer'],
    [{ prices: { m: { inputPerMillion: -1, outputPerMillion: 1 } } }, 'prices.m.inputPerMillion'],
    [{ defaultModel: '' }, 'defaultModel'],
  ])('refuses %j naming %s', (input, key) => {
    expect(() => parseAnalyticsConfig(input)).toThrow(expect.objectContaining({ name: 'Config.Invalid', message: expect.stringContaining(`${key}:`) }));
  });

  it.each([
    [{ bucket: 'x' }, 'unknown key "bucket"'],
    [{ filters: { excludeCities: [] } }, 'unknown key "filters.excludeCities"'],
    [{ prices: { m: { input: 1, inputPerMillion: 1, outputPerMillion: 1 } } }, 'unknown key "prices.m.input"'],
  ])('is strict: %j is refused with %s', (input, message) => {
    expect(() => parseAnalyticsConfig(input)).toThrow(message);
  });

  it('source table names are not config (they come from the environment)', () => {
    expect(() => parseAnalyticsConfig({ conversationsTable: 't' })).toThrow('unknown key "conversationsTable"');
  });
});
