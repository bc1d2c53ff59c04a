import { describe, expect, it } from 'vitest';
import { CHAT_MODELS, generateChatItems } from '#shared/samples/chat-item-generator.ts';
import { BEDROCK_CHAT_MODEL_ALIASES, DEFAULT_TIME_ZONE, parseAnalyticsConfig } from '#shared/analytics/analytics-config.ts';
import { readMessageMap } from '#shared/analytics/message-map.ts';
import { dayInTimeZone } from '#shared/analytics/time-zone-days.ts';
import { charsPerFourTokens, tokenCounter } from '#shared/analytics/token-counter.ts';
import { aggregateByModelDay, aggregateByUserDay } from '#shared/analytics/token-cost-aggregates.ts';
import {
  conversationCostRow,
  conversationKey,
  normalizationCostRow,
  resolveModelId,
  tokenCostSettings,
  type TokenCostSettings,
} from '#shared/analytics/token-cost-rows.ts';
import type { ConversationCostRow } from '#shared/analytics/token-cost-schema.ts';
import type { ChatItem } from '#shared/stores/chat-item-source.ts';

const USER = 'c0ffee00-1111-4222-a333-444455556666';
const PRICES = {
  'claude-v3-haiku': { inputPerMillion: 0.25, outputPerMillion: 1.25 },
  'claude-v3.5-sonnet': { inputPerMillion: 3, outputPerMillion: 15 },
};
const DEFAULT_MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

const settings: TokenCostSettings = tokenCostSettings(parseAnalyticsConfig({ prices: PRICES, defaultModel: DEFAULT_MODEL, costTokenizer: 'chars/4' }));

const text = (body: string) => ({ content_type: 'text', media_type: null, body });
/** `model` null: the node names none. */
const node = (role: string, content: unknown[], model: string | null = 'claude-v3.5-sonnet', extra: Record<string, unknown> = {}) => ({
  role,
  content,
  ...(model === null ? {} : { model }),
  children: [],
  parent: null,
  create_time: 1,
  used_chunks: null,
  ...extra,
});

/** 2025-03-01 15:00 in Bogotá. */
const CREATED = Date.UTC(2025, 2, 1, 20);

function chatItem(conversationId: string, fields: Partial<ChatItem> = {}): ChatItem {
  return { PK: USER, SK: `${USER}#CONV#${conversationId}`, CreateTime: CREATED, TotalPrice: 0.0123, ...fields };
}

function rowOf(item: ChatItem, using: TokenCostSettings = settings): ConversationCostRow {
  const outcome = conversationCostRow(item, using);
  if (outcome.kind !== 'conversation') throw new Error(`expected a conversation, got ${outcome.reason}`);
  return outcome.row;
}

describe('conversation keys (§5)', () => {
  it.each([
    [USER, `${USER}#CONV#01HX3K`, { userId: USER, conversationId: '01HX3K' }],
    ['u1', 'u1#CONV#abc-def_1', { userId: 'u1', conversationId: 'abc-def_1' }],
  ])('%s / %s is a conversation', (pk, sk, expected) => {
    expect(conversationKey(pk, sk)).toEqual(expected);
  });

  it.each([
    ['bot item', USER, `${USER}#BOT#01HX3K`],
    ['related document', USER, `${USER}#RELATED_DOCUMENT#01HX3K#src1`],
    ['another user’s key', USER, 'someone-else#CONV#01HX3K'],
    ['no conversation id', USER, `${USER}#CONV#`],
    ['a sub-item of a conversation', USER, `${USER}#CONV#01HX3K#extra`],
    ['missing SK', USER, undefined],
    ['missing PK', undefined, `${USER}#CONV#01HX3K`],
    ['empty PK', '', '#CONV#01HX3K'],
  ])('%s is not', (_label, pk, sk) => {
    expect(conversationKey(pk, sk)).toBeUndefined();
  });

  it('items whose SK is not a conversation key are ignored, with the reason', () => {
    expect(conversationCostRow({ PK: USER, SK: `${USER}#BOT#x`, CreateTime: CREATED }, settings)).toEqual({ kind: 'ignored', reason: 'not-a-conversation' });
  });

  it('a conversation without a usable CreateTime cannot be dated and is ignored, with the reason', () => {
    for (const CreateTime of [undefined, 'yesterday', -5, 0, Number.NaN]) {
      expect(conversationCostRow(chatItem('x', { CreateTime }), settings)).toEqual({ kind: 'ignored', reason: 'no-create-time' });
    }
  });
});

describe('the day of a conversation', () => {
  it('is CreateTime as a calendar day in America/Bogota by default (UTC−5)', () => {
    expect(DEFAULT_TIME_ZONE).toBe('America/Bogota');
    expect(settings.timeZone).toBe('America/Bogota');
    expect(dayInTimeZone(Date.UTC(2025, 2, 2, 4, 59, 59), DEFAULT_TIME_ZONE)).toBe('2025-03-01');
    expect(dayInTimeZone(Date.UTC(2025, 2, 2, 5, 0, 0), DEFAULT_TIME_ZONE)).toBe('2025-03-02');
    expect(rowOf(chatItem('late', { CreateTime: Date.UTC(2025, 2, 2, 3) })).day).toBe('2025-03-01');
  });

  it('follows the config’s time zone', () => {
    const utc = tokenCostSettings(parseAnalyticsConfig({ timeZone: 'UTC' }));
    expect(rowOf(chatItem('late', { CreateTime: Date.UTC(2025, 2, 2, 3) }), utc).day).toBe('2025-03-02');
  });

  it('an unknown time zone is refused with the config, before any work', () => {
    expect(() => parseAnalyticsConfig({ timeZone: 'Mars/Olympus' })).toThrow(expect.objectContaining({ name: 'Config.Invalid', message: expect.stringContaining('timeZone:') }));
  });

  it('accepts a CreateTime stored as a numeric string and drops fractions of a millisecond', () => {
    expect(rowOf(chatItem('s', { CreateTime: `${CREATED}.7` })).created_at).toBe(CREATED);
  });
});

describe('one conversation row (§6)', () => {
  const map = JSON.stringify({
    system: node('system', [text('')]),
    instruction: node('instruction', [text('Responde siempre en español.')]), // 28 chars → 7
    u1: node('user', [text('¿Cómo pido vacaciones?'), { content_type: 'image', media_type: 'image/png', body: 'iVBORw0KGgo' }]), // 22 → 5
    a1: node('assistant', [text('Entra al portal de autoservicio.')], 'claude-v3.5-sonnet', {
      used_chunks: [{ content: 'Art. 12', content_type: 's3', source: 's3://kb/a.pdf', rank: 0 }], // 7 → 1
      thinking_log: [
        { role: 'assistant', content: [{ content_type: 'toolUse', body: { tool_use_id: 't', name: 'kb', input: { q: 'vacaciones' } } }] }, // {"q":"vacaciones"} 18 → 4
        { role: 'user', content: [{ content_type: 'toolResult', body: { tool_use_id: 't', content: [{ text: 'abc' }], status: 'success' } }] }, // 3 → 1
      ],
    }), // 32 → 8
  });

  it('has the date, user, conversation id, model, tokens, estimated cost and recorded price', () => {
    const row = rowOf(chatItem('01HX3K', { MessageMap: map }));
    expect(row).toEqual({
      day: '2025-03-01',
      created_at: CREATED,
      user_id: USER,
      conversation_id: '01HX3K',
      model: 'claude-v3.5-sonnet',
      model_id: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      model_source: 'assistant',
      input_tokens: 7 + 5 + 1 + 1,
      output_tokens: 8 + 4,
      estimated_cost_usd: (14 * 3 + 12 * 15) / 1_000_000,
      priced: true,
      recorded_price_usd: 0.0123,
      message_map_status: 'ok',
      non_text_parts: 1,
    });
  });

  it('estimates each text fragment as max(1, floor(length / 4)), not the joined text', () => {
    const tiny = JSON.stringify({ u1: node('user', [text('a')]), u2: node('user', [text('b')]), u3: node('user', [text('c')]) });
    expect(rowOf(chatItem('t', { MessageMap: tiny })).input_tokens).toBe(3);
    expect(charsPerFourTokens('abc')).toBe(1);
  });

  it('counts with the exact tokenizer when configured (per fragment)', () => {
    const exact = tokenCostSettings(parseAnalyticsConfig({ prices: PRICES, costTokenizer: 'cl100k_base' }));
    const row = rowOf(chatItem('01HX3K', { MessageMap: map }), exact);
    const cl100k = tokenCounter('cl100k_base');
    const expectedInput = ['Responde siempre en español.', '¿Cómo pido vacaciones?', 'Art. 12', 'abc'].reduce((sum, fragment) => sum + cl100k(fragment), 0);
    const expectedOutput = ['Entra al portal de autoservicio.', '{"q":"vacaciones"}'].reduce((sum, fragment) => sum + cl100k(fragment), 0);
    expect(row.input_tokens).toBe(expectedInput);
    expect(row.output_tokens).toBe(expectedOutput);
  });

  it('falls back to the configured default model when no node names one', () => {
    const noModel = JSON.stringify({ u: node('user', [text('hola hola')], null), a: node('assistant', [text('buenas tardes')], null) });
    const row = rowOf(chatItem('d', { MessageMap: noModel }));
    expect(row).toMatchObject({ model: DEFAULT_MODEL, model_source: 'default', priced: true });
    expect(row.estimated_cost_usd).toBeCloseTo((2 * 0.25 + 3 * 1.25) / 1_000_000, 15);
  });

  it('a model with no configured or listed price is flagged unpriced at cost 0, its tokens kept', () => {
    const row = rowOf(chatItem('u', { MessageMap: JSON.stringify({ a: node('assistant', [text('respuesta larga')], 'mistral-large') }) }));
    expect(row).toMatchObject({ model: 'mistral-large', priced: false, estimated_cost_usd: 0, output_tokens: 3 });
  });

  it('a configured price overrides the built-in Bedrock table', () => {
    const override = tokenCostSettings(parseAnalyticsConfig({ costTokenizer: 'chars/4', prices: { [DEFAULT_MODEL]: { inputPerMillion: 100, outputPerMillion: 0 } } }));
    const row = rowOf(chatItem('o', { MessageMap: JSON.stringify({ u: node('user', [text('12345678')], null) }) }), override);
    expect(row.estimated_cost_usd).toBeCloseTo(200 / 1_000_000, 15);
  });

  it('keeps TotalPrice beside the estimate: a number, a numeric string, or null when absent or not a number', () => {
    expect(rowOf(chatItem('p1', { TotalPrice: 0.5 })).recorded_price_usd).toBe(0.5);
    expect(rowOf(chatItem('p2', { TotalPrice: '0.25' })).recorded_price_usd).toBe(0.25);
    expect(rowOf(chatItem('p3', { TotalPrice: undefined })).recorded_price_usd).toBeNull();
    expect(rowOf(chatItem('p4', { TotalPrice: 'n/a' })).recorded_price_usd).toBeNull();
    expect(rowOf(chatItem('p5', { TotalPrice: 0 })).recorded_price_usd).toBe(0);
  });

  it('a large map offloaded to S3 (only `system` left in the item) is marked `offloaded`', () => {
    const row = rowOf(chatItem('big', { IsLargeMessage: true, MessageMap: JSON.stringify({ system: node('system', [text('')]) }) }));
    expect(row).toMatchObject({ message_map_status: 'offloaded', input_tokens: 0, output_tokens: 0, model: 'claude-v3.5-sonnet', model_source: 'node' });
  });
});

describe('items without a message map', () => {
  it("don't crash and don't reuse the previous item's price, model or tokens", () => {
    const priced = chatItem('first', {
      TotalPrice: 0.75,
      MessageMap: JSON.stringify({ u: node('user', [text('x'.repeat(400))]), a: node('assistant', [text('y'.repeat(800))], 'claude-v3.5-sonnet') }),
    });
    const followers: ChatItem[] = [
      chatItem('no-map', { TotalPrice: 0.01 }),
      chatItem('invalid', { TotalPrice: undefined, MessageMap: '{"u": {"role": "user", "content": [' }),
      chatItem('empty', { TotalPrice: 0.02, MessageMap: '' }),
      chatItem('not-a-map', { TotalPrice: 0.03, MessageMap: '[]' }),
    ];
    const rows = [priced, ...followers].map((item) => rowOf(item));
    expect(rows[0]).toMatchObject({ model: 'claude-v3.5-sonnet', input_tokens: 100, output_tokens: 200, recorded_price_usd: 0.75 });
    expect(rows.slice(1)).toEqual([
      expect.objectContaining({ conversation_id: 'no-map', message_map_status: 'missing', recorded_price_usd: 0.01 }),
      expect.objectContaining({ conversation_id: 'invalid', message_map_status: 'invalid-json', recorded_price_usd: null }),
      expect.objectContaining({ conversation_id: 'empty', message_map_status: 'empty', recorded_price_usd: 0.02 }),
      expect.objectContaining({ conversation_id: 'not-a-map', message_map_status: 'not-a-map', recorded_price_usd: 0.03 }),
    ]);
    for (const row of rows.slice(1)) {
      expect(row).toMatchObject({ model: DEFAULT_MODEL, model_source: 'default', input_tokens: 0, output_tokens: 0, estimated_cost_usd: 0, non_text_parts: 0 });
    }
  });
});

describe('normalization runs as cost rows', () => {
  const run = {
    runId: 'run-1',
    status: 'completed',
    dryRun: false,
    startedAt: '2025-03-02T03:30:00.000Z',
    finishedAt: '2025-03-02T03:40:00.000Z',
    model: { provider: 'bedrock', modelId: 'anthropic.claude-3-haiku-20240307-v1:0', calls: 12, inputTokens: 34_000, outputTokens: 5_600, estimatedCostUSD: 0.0155, failedBatches: {} },
    inProgress: false,
  };

  it('keep the run’s tokens and recorded cost, dated by startedAt in the time zone', () => {
    expect(normalizationCostRow(run, DEFAULT_TIME_ZONE)).toEqual({
      day: '2025-03-01',
      run_id: 'run-1',
      started_at: Date.parse(run.startedAt),
      finished_at: Date.parse(run.finishedAt),
      status: 'completed',
      provider: 'bedrock',
      model: 'anthropic.claude-3-haiku-20240307-v1:0',
      model_calls: 12,
      input_tokens: 34_000,
      output_tokens: 5_600,
      estimated_cost_usd: 0.0155,
      dry_run: false,
      in_progress: false,
    });
  });

  it('a rules-only run has no model and zero usage; a record without run id or start is skipped', () => {
    expect(normalizationCostRow({ ...run, model: { provider: 'none', modelId: null, calls: 0, inputTokens: 0, outputTokens: 0, estimatedCostUSD: 0 } }, 'UTC')).toMatchObject({
      model: null,
      input_tokens: 0,
      estimated_cost_usd: 0,
    });
    expect(normalizationCostRow({ ...run, runId: undefined }, 'UTC')).toBeUndefined();
    expect(normalizationCostRow({ ...run, startedAt: 'soon' }, 'UTC')).toBeUndefined();
  });
});

describe('aggregates', () => {
  const base = { created_at: CREATED, model_source: 'assistant' as const, message_map_status: 'ok' as const, non_text_parts: 0 };
  const rows: ConversationCostRow[] = [
    { ...base, day: '2025-03-01', user_id: 'u1', conversation_id: 'c1', model: 'm1', model_id: 'vendor.m1', input_tokens: 10, output_tokens: 20, estimated_cost_usd: 0.1, priced: true, recorded_price_usd: 0.2 },
    { ...base, day: '2025-03-01', user_id: 'u1', conversation_id: 'c2', model: 'm2', model_id: 'm2', input_tokens: 1, output_tokens: 2, estimated_cost_usd: 0, priced: false, recorded_price_usd: null },
    { ...base, day: '2025-03-01', user_id: 'u2', conversation_id: 'c3', model: 'm1', model_id: 'vendor.m1', input_tokens: 5, output_tokens: 5, estimated_cost_usd: 0.05, priced: true, recorded_price_usd: null },
  ];

  it('per user per day add up conversations, tokens and costs; recorded price null only when none was recorded', () => {
    expect(aggregateByUserDay(rows)).toEqual([
      { day: '2025-03-01', user_id: 'u1', conversations: 2, input_tokens: 11, output_tokens: 22, estimated_cost_usd: 0.1, recorded_price_usd: 0.2, unpriced_conversations: 1 },
      { day: '2025-03-01', user_id: 'u2', conversations: 1, input_tokens: 5, output_tokens: 5, estimated_cost_usd: 0.05, recorded_price_usd: null, unpriced_conversations: 0 },
    ]);
  });

  it('per model per day count conversations and distinct users (chat) beside normalization runs, with the resolved model id', () => {
    const runRow = normalizationCostRow(
      { runId: 'r', startedAt: '2025-03-01T12:00:00Z', finishedAt: '2025-03-01T12:05:00Z', model: { modelId: 'vendor.m1', inputTokens: 100, outputTokens: 10, estimatedCostUSD: 0.3 } },
      'UTC',
    );
    expect(runRow).toBeDefined();
    const aggregated = aggregateByModelDay(rows, runRow ? [runRow] : []);
    expect(aggregated).toEqual([
      { day: '2025-03-01', source: 'chat', model: 'm1', model_id: 'vendor.m1', items: 2, users: 2, input_tokens: 15, output_tokens: 25, estimated_cost_usd: 0.15000000000000002, recorded_price_usd: 0.2, unpriced_items: 0 },
      { day: '2025-03-01', source: 'chat', model: 'm2', model_id: 'm2', items: 1, users: 1, input_tokens: 1, output_tokens: 2, estimated_cost_usd: 0, recorded_price_usd: null, unpriced_items: 1 },
      { day: '2025-03-01', source: 'normalization', model: 'vendor.m1', model_id: 'vendor.m1', items: 1, users: null, input_tokens: 100, output_tokens: 10, estimated_cost_usd: 0.3, recorded_price_usd: null, unpriced_items: null },
    ]);
  });
});

describe('token estimate (§6 default)', () => {
  it('is chars/4 per fragment unless costTokenizer names an exact tokenizer (the Parquet tokenizer does not apply)', () => {
    const body = 'Para solicitar vacaciones ingresa al portal de autoservicio.';
    const item = chatItem('e', { MessageMap: JSON.stringify({ a: node('assistant', [text(body)]) }) });
    const defaults = parseAnalyticsConfig({});
    expect(defaults).toMatchObject({ costTokenizer: 'chars/4', tokenizer: 'cl100k_base' });
    expect(rowOf(item, tokenCostSettings(defaults)).output_tokens).toBe(Math.floor(body.length / 4));
    expect(tokenCounter('cl100k_base')(body)).not.toBe(Math.floor(body.length / 4));
    expect(rowOf(item, tokenCostSettings(parseAnalyticsConfig({ costTokenizer: 'cl100k_base' }))).output_tokens).toBe(tokenCounter('cl100k_base')(body));
  });
});

describe('model aliases (Bedrock Chat short names)', () => {
  const defaults = tokenCostSettings(parseAnalyticsConfig({}));
  const answer = (model: string) => chatItem(model, { MessageMap: JSON.stringify({ a: node('assistant', [text('x'.repeat(400))], model) }) });

  it('every default alias resolves to a Bedrock id the built-in price table prices', () => {
    for (const [name, id] of Object.entries(BEDROCK_CHAT_MODEL_ALIASES)) {
      expect(rowOf(answer(name), defaults), name).toMatchObject({ model: name, model_id: id, priced: true });
    }
  });

  it('generated Bedrock Chat items with short names come out priced without any configured price, the stored name kept', () => {
    const rows = generateChatItems(300, 17)
      .map((item) => ({ item, outcome: conversationCostRow(item, defaults) }))
      .filter(({ item, outcome }) => outcome.kind === 'conversation' && readMessageMap(item.MessageMap).status === 'ok');
    expect(rows.length).toBeGreaterThan(200);
    const models = new Set<string>();
    for (const { outcome } of rows) {
      if (outcome.kind !== 'conversation') continue;
      models.add(outcome.row.model);
      expect(outcome.row).toMatchObject({ priced: true, model_id: BEDROCK_CHAT_MODEL_ALIASES[outcome.row.model] });
      if (outcome.row.output_tokens > 0) expect(outcome.row.estimated_cost_usd).toBeGreaterThan(0);
    }
    expect([...models].sort()).toEqual([...CHAT_MODELS].sort());
  });

  it('are priced at the resolved id’s price: claude-v3-haiku costs what anthropic.claude-3-haiku does', () => {
    expect(rowOf(answer('claude-v3-haiku'), defaults).estimated_cost_usd).toBeCloseTo((100 * 1.25) / 1_000_000, 15);
  });

  it('a deployment’s aliases are merged over the defaults, an entry of its own winning', () => {
    const config = parseAnalyticsConfig({ modelAliases: { 'claude-v3.5-sonnet': 'anthropic.claude-3-5-sonnet-20241022-v2:0', 'mi-modelo': 'amazon.nova-micro-v1:0' } });
    expect(config.modelAliases).toMatchObject({ 'claude-v3-haiku': 'anthropic.claude-3-haiku-20240307-v1:0', 'mi-modelo': 'amazon.nova-micro-v1:0' });
    const settings = tokenCostSettings(config);
    expect(rowOf(answer('claude-v3.5-sonnet'), settings).model_id).toBe('anthropic.claude-3-5-sonnet-20241022-v2:0');
    expect(rowOf(answer('mi-modelo'), settings)).toMatchObject({ model: 'mi-modelo', model_id: 'amazon.nova-micro-v1:0', priced: true });
  });

  it('a price configured under the stored name wins over the resolved id’s', () => {
    const settings = tokenCostSettings(parseAnalyticsConfig({ prices: { 'claude-v3-haiku': { inputPerMillion: 0, outputPerMillion: 10 } } }));
    expect(rowOf(answer('claude-v3-haiku'), settings).estimated_cost_usd).toBeCloseTo((100 * 10) / 1_000_000, 15);
  });

  it('a name with no alias is its own id; unknown to the price table it stays unpriced at 0', () => {
    expect(resolveModelId('mistral-large', defaults.modelAliases)).toBe('mistral-large');
    expect(resolveModelId('constructor', defaults.modelAliases)).toBe('constructor');
    expect(rowOf(answer('claude-v4.5-opus'), defaults)).toMatchObject({ model: 'claude-v4.5-opus', model_id: 'claude-v4.5-opus', priced: false, estimated_cost_usd: 0 });
  });

  it('the configured default model may be an alias too', () => {
    const settings = tokenCostSettings(parseAnalyticsConfig({ defaultModel: 'amazon-nova-lite' }));
    expect(rowOf(chatItem('none'), settings)).toMatchObject({ model: 'amazon-nova-lite', model_id: 'amazon.nova-lite-v1:0', model_source: 'default', priced: true });
  });
});
