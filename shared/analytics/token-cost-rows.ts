import { estimateCost, type PriceOverrides } from '#shared/model/model-prices.ts';
import type { ChatItem } from '#shared/stores/chat-item-source.ts';
import type { AnalyticsConfig } from './analytics-config.ts';
import { conversationModel, readMessageMap } from './message-map.ts';
import { dayInTimeZone } from './time-zone-days.ts';
import type { ConversationCostRow, NormalizationCostRow } from './token-cost-schema.ts';
import { tokenCounter, type TokenCounter } from './token-counter.ts';

/**
 * One row of the token-cost tables from one chat item or one normalize-leads run record, from it
 * alone (ANALYTICS.md §6).
 *
 * Day: `CreateTime` (epoch ms) as a calendar day in the config's `timeZone`, America/Bogota by
 * default (the chatbot's users are in Colombia: 2025-03-02T03:00Z is still 2025-03-01 there).
 * Normalization runs are dated by their `startedAt` the same way.
 *
 * Tokens: each text fragment counted with `costTokenizer` (chars/4 by default, §6). Model: Bedrock
 * Chat stores short names (`claude-v3-haiku`); `modelAliases` resolves them to Bedrock ids for
 * pricing. `model` keeps the stored name, `model_id` the resolved id (the name itself when it has
 * no alias). A price configured under the stored name wins over the id's; a model priced nowhere
 * costs 0 with `priced` false, its tokens kept.
 */

export type TokenCostConfig = Pick<AnalyticsConfig, 'prices' | 'defaultModel' | 'modelAliases' | 'costTokenizer' | 'timeZone'>;

export interface TokenCostSettings {
  prices: PriceOverrides;
  defaultModel: string;
  modelAliases: Readonly<Record<string, string>>;
  countTokens: TokenCounter;
  timeZone: string;
}

export function tokenCostSettings(config: TokenCostConfig): TokenCostSettings {
  return {
    prices: config.prices,
    defaultModel: config.defaultModel,
    modelAliases: config.modelAliases,
    countTokens: tokenCounter(config.costTokenizer),
    timeZone: config.timeZone,
  };
}

/** The Bedrock model id of a stored model name: its alias, else the name itself. */
export function resolveModelId(model: string, aliases: Readonly<Record<string, string>>): string {
  return Object.hasOwn(aliases, model) ? (aliases[model] ?? model) : model;
}

const CONVERSATION_MARK = '#CONV#';

/** User and conversation of a conversation item (`SK` = `<PK>#CONV#<conversation_id>`); undefined for any other item. */
export function conversationKey(pk: unknown, sk: unknown): { userId: string; conversationId: string } | undefined {
  if (typeof pk !== 'string' || pk === '' || typeof sk !== 'string') return undefined;
  const prefix = pk + CONVERSATION_MARK;
  if (!sk.startsWith(prefix)) return undefined;
  const conversationId = sk.slice(prefix.length);
  if (conversationId === '' || conversationId.includes('#')) return undefined;
  return { userId: pk, conversationId };
}

function finiteNumber(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : undefined;
}

const epochMs = (value: unknown): number | undefined => {
  const time = finiteNumber(value);
  return time !== undefined && time > 0 ? Math.trunc(time) : undefined;
};

/** `CreateTime` as epoch ms, when it is a positive number. */
export const createTimeOf = (item: ChatItem): number | undefined => epochMs(item.CreateTime);

/** When the item last changed: `LastUpdateTime` when later than `CreateTime`, else `CreateTime` (what the watermark tracks). */
export function itemTimeOf(item: ChatItem): number | undefined {
  const created = createTimeOf(item);
  const updated = epochMs(item.LastUpdateTime);
  if (updated === undefined) return created;
  return created === undefined ? updated : Math.max(created, updated);
}

const sumTokens = (fragments: readonly string[], countTokens: TokenCounter): number =>
  fragments.reduce((total, fragment) => total + countTokens(fragment), 0);

export type ItemOutcome =
  | { kind: 'conversation'; row: ConversationCostRow }
  | { kind: 'ignored'; reason: 'not-a-conversation' | 'no-create-time' };

/**
 * One chat item as a conversation row. Everything comes from this item alone: an item without a
 * usable MessageMap has no tokens, the default model and its own TotalPrice (or none).
 */
export function conversationCostRow(item: ChatItem, settings: TokenCostSettings): ItemOutcome {
  const key = conversationKey(item.PK, item.SK);
  if (!key) return { kind: 'ignored', reason: 'not-a-conversation' };
  const createdAt = createTimeOf(item);
  if (createdAt === undefined) return { kind: 'ignored', reason: 'no-create-time' };

  const text = readMessageMap(item.MessageMap);
  const { model, source } = conversationModel(text, settings.defaultModel);
  const modelId = resolveModelId(model, settings.modelAliases);
  const inputTokens = sumTokens(text.input, settings.countTokens);
  const outputTokens = sumTokens(text.output, settings.countTokens);
  const cost = estimateCost(Object.hasOwn(settings.prices, model) ? model : modelId, inputTokens, outputTokens, settings.prices);
  return {
    kind: 'conversation',
    row: {
      day: dayInTimeZone(createdAt, settings.timeZone),
      created_at: createdAt,
      user_id: key.userId,
      conversation_id: key.conversationId,
      model,
      model_id: modelId,
      model_source: source,
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      estimated_cost_usd: cost.costUSD,
      priced: cost.priced,
      recorded_price_usd: finiteNumber(item.TotalPrice) ?? null,
      message_map_status: text.status === 'ok' && item.IsLargeMessage === true ? 'offloaded' : text.status,
      non_text_parts: text.nonTextParts,
    },
  };
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const count = (value: unknown): number => {
  const number = finiteNumber(value);
  return number !== undefined && number > 0 ? number : 0;
};

/** A normalize-leads run record (RunSummary) as a cost row; undefined when it has no run id or start time. */
export function normalizationCostRow(run: Record<string, unknown>, timeZone: string): NormalizationCostRow | undefined {
  const runId = stringOrNull(run.runId);
  const startedAt = typeof run.startedAt === 'string' ? Date.parse(run.startedAt) : Number.NaN;
  if (runId === null || Number.isNaN(startedAt)) return undefined;
  const finishedAt = typeof run.finishedAt === 'string' ? Date.parse(run.finishedAt) : Number.NaN;
  const model = typeof run.model === 'object' && run.model !== null ? (run.model as Record<string, unknown>) : {};
  return {
    day: dayInTimeZone(startedAt, timeZone),
    run_id: runId,
    started_at: startedAt,
    finished_at: Number.isNaN(finishedAt) ? null : finishedAt,
    status: stringOrNull(run.status),
    provider: stringOrNull(model.provider),
    model: stringOrNull(model.modelId),
    model_calls: count(model.calls),
    input_tokens: count(model.inputTokens),
    output_tokens: count(model.outputTokens),
    estimated_cost_usd: count(model.estimatedCostUSD),
    dry_run: typeof run.dryRun === 'boolean' ? run.dryRun : null,
    in_progress: run.inProgress === true,
  };
}
