import { describe, expect, it } from 'vitest';
import { BEDROCK_CHAT_MODEL_ALIASES, parseAnalyticsConfig } from '#shared/analytics/analytics-config.ts';

describe('analytics config', () => {
  it('fills every default', () => {
    expect(parseAnalyticsConfig(undefined)).toEqual({
      exportPrefix: 'conversations/',
      filters: { excludeCityPatterns: [], excludeUserNames: [], startDate: null },
      timeZone: 'America/Bogota',
      tokenizer: 'cl100k_base',
      costTokenizer: 'chars/4',
      prices: {},
      modelAliases: BEDROCK_CHAT_MODEL_ALIASES,
      defaultModel: 'anthropic.claude-3-haiku-20240307-v1:0',
      tokenCostsPrefix: 'token-costs/',
    });
  });

  it('keeps given values', () => {
    const config = parseAnalyticsConfig({
      exportPrefix: 'analitica/chat/',
      filters: { excludeCityPatterns: ['prueba*'], excludeUserNames: ['Usuario Prueba'], startDate: '2025-01-15' },
      timeZone: 'UTC',
      tokenizer: 'chars/4',
      costTokenizer: 'cl100k_base',
      prices: { 'anthropic.claude-3-haiku-20240307-v1:0': { inputPerMillion: 0.25, outputPerMillion: 1.25 } },
      defaultModel: 'amazon.nova-lite-v1:0',
      tokenCostsPrefix: '',
    });
    expect(config.filters).toEqual({ excludeCityPatterns: ['prueba*'], excludeUserNames: ['Usuario Prueba'], startDate: '2025-01-15' });
    expect(config).toMatchObject({
      exportPrefix: 'analitica/chat/',
      timeZone: 'UTC',
      tokenizer: 'chars/4',
      costTokenizer: 'cl100k_base',
      defaultModel: 'amazon.nova-lite-v1:0',
      tokenCostsPrefix: '',
    });
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
    [{ costTokenizer: 'words' }, 'costTokenizer'],
    [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ timeZone: 'Bogota' }, 'timeZone'],
    [{ timeZone: ' ' }, 'timeZone'],
    [{ modelAliases: { 'claude-v3-haiku': '' } }, 'modelAliases.claude-v3-haiku'],
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

  it('the Parquet tokenizer defaults to cl100k_base (§3), the token-cost estimate to chars/4 (§6)', () => {
    expect(parseAnalyticsConfig({})).toMatchObject({ tokenizer: 'cl100k_base', costTokenizer: 'chars/4' });
  });

  it.each(['America/Bogota', 'UTC', 'Europe/Madrid'])('accepts the time zone %s', (timeZone) => {
    expect(parseAnalyticsConfig({ timeZone }).timeZone).toBe(timeZone);
  });

  it('source table names are not config (they come from the environment)', () => {
    expect(() => parseAnalyticsConfig({ conversationsTable: 't' })).toThrow('unknown key "conversationsTable"');
  });
});
