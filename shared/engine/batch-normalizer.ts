import { cityDerivedFields, cityFieldOf, type NormalizationConfig } from '#shared/config/normalization-config.ts';
import { type AttemptUsage, ModelError } from '#shared/errors/normflow-errors.ts';
import { checkAnswerPlausibility } from '#shared/model/answer-plausibility.ts';
import { checkModelAnswer } from '#shared/model/model-guardrails.ts';
import type { ModelClient } from '#shared/model/model-port.ts';
import { parseModelAnswers } from '#shared/model/model-response-parser.ts';
import type { ModelUsage } from '#shared/model/model-usage.ts';
import { buildNormalizationPrompt, type ModelQuestion } from '#shared/model/normalization-prompt.ts';
import { estimateCost } from '#shared/model/model-prices.ts';
import { applyRule } from '#shared/rules/index.ts';
import type { CityResolution } from '#shared/rules/city-resolution.ts';
import { decided, type CityCode, type FieldKind, type Flag, type RuleResult } from '#shared/rules/rule-result.ts';
import { describeOriginal, type OriginalValue } from './original-values.ts';
import { isDecidedByRules, resolveWithAnswer, resolveWithDecision } from './rules-precedence.ts';
import { decisionKey, NO_DECISIONS, type StewardDecisions, type StewardValue } from './steward-decisions.ts';
import { valueCacheKey, valueDigest, type AnsweringModel, type CachedResolution, type ValueCache } from './value-cache.ts';

/** A record as read: its id and its untouched attributes. */
export interface InputRecord {
  id: string;
  attributes: Readonly<Record<string, unknown>>;
}

export type ValueSource = 'rules' | 'cache' | 'llm' | 'steward';

export interface FieldMeta {
  source: ValueSource;
  changed: boolean;
  flags: Flag[];
  /** City fields: how the rules read the typed value (also when a model answered it), for audit and review order. */
  resolution?: CityResolution;
}

export interface NormalizedRecord {
  id: string;
  normalizedData: Record<string, string | null>;
  normalizationMeta: Record<string, FieldMeta>;
}

interface PlannedField {
  field: string;
  kind: FieldKind;
  /** The normalized value that counts as unchanged: the original's text, or null. */
  asRead: string | null;
  rules: RuleResult;
  /** Set when a data steward decided this input: it wins over rules, cache and model. */
  steward?: StewardValue;
  /** Set when the value goes to the model layer (cache or model). */
  cacheKey?: string;
}

interface PlannedRecord {
  id: string;
  fields: PlannedField[];
}

/** Rules applied to a batch, and what is left for the model after the cache. */
export interface PreparedBatch {
  records: PlannedRecord[];
  cached: Map<string, CachedResolution>;
  questions: ModelQuestion[];
  /** Cache key of each question, in the same order. */
  questionKeys: string[];
}

/** Answers of one model call, keyed by cache key; a key absent means the model gave no answer. */
export type ModelAnswerSet = Record<string, string | null>;

/**
 * Whether a field's value goes past the rules: in `fallback` only what the rules left undecided or
 * flagged; in `always` every text value too, though a decided one stays the rules' whatever the answer.
 */
function asksModel(config: NormalizationConfig, rules: RuleResult): boolean {
  if (config.llmMode === 'never') return false;
  if (config.llmMode === 'always') return rules.value !== null;
  return !isDecidedByRules(rules);
}

/** Strings and numbers (as their exact text) go through the kind's rules; anything else is kept as it is, flagged. */
function applyRulesTo(kind: FieldKind, original: OriginalValue): RuleResult {
  switch (original.kind) {
    case 'null':
      return decided(null);
    case 'text':
      return applyRule(kind, original.text);
    case 'too-long':
      return decided(null, ['too-long']);
    case 'not-text':
      return decided(null, ['not-text']);
  }
}

/**
 * Looks up a data steward's decisions on the batch's values, applies the rules to every configured
 * field a record has, looks the undecided values up in the cache, and lists the rest as model
 * questions (each distinct value once per batch). A steward's decision comes first: that value
 * goes to neither cache nor model, and the rules cannot overrule it (the steward saw what they
 * make of it). `model` undefined means no model is available (the offline `rules` provider).
 */
export async function prepareBatch(
  records: readonly InputRecord[],
  config: NormalizationConfig,
  cache: ValueCache,
  model: AnsweringModel | undefined,
  decisions: StewardDecisions = NO_DECISIONS,
): Promise<PreparedBatch> {
  const fields = Object.entries(config.fields);
  // Without decisions (files, evaluation) no value needs its decision key: folding every value costs.
  const keyOf = decisions === NO_DECISIONS ? () => undefined : decisionKey;
  const present = records.map((record) => ({
    id: record.id,
    fields: fields
      .filter(([field]) => Object.hasOwn(record.attributes, field))
      .map(([field, kind]) => {
        const raw = record.attributes[field];
        return { field, kind, original: describeOriginal(raw), decisionKey: keyOf(kind, raw) };
      }),
  }));
  const keys = [...new Set(present.flatMap((record) => record.fields.flatMap((field) => field.decisionKey ?? [])))];
  const decided = keys.length > 0 ? await decisions.lookup(keys) : new Map<string, StewardValue>();

  const planned: PlannedRecord[] = present.map((record) => ({
    id: record.id,
    fields: record.fields.map(({ field, kind, original, decisionKey: key }): PlannedField => {
      const rules = applyRulesTo(kind, original);
      const asRead = original.kind === 'text' ? original.text : null;
      const steward = key === undefined ? undefined : decided.get(key);
      if (steward) return { field, kind, asRead, rules, steward };
      // Only typed text is worth a model's time: a number's text is what the rules made of it.
      const cacheKey =
        model !== undefined && original.kind === 'text' && original.isString && asksModel(config, rules)
          ? valueCacheKey(kind, original.text, model)
          : undefined;
      return cacheKey ? { field, kind, asRead, rules, cacheKey } : { field, kind, asRead, rules };
    }),
  }));

  const wanted = planned.flatMap((record) => record.fields.flatMap((field) => (field.cacheKey ? [field.cacheKey] : [])));
  const cached = wanted.length > 0 && config.cacheEnabled ? await cache.lookup(wanted) : new Map<string, CachedResolution>();

  const questions: ModelQuestion[] = [];
  const questionKeys: string[] = [];
  const asked = new Set<string>();
  for (const record of planned) {
    for (const field of record.fields) {
      if (!field.cacheKey || cached.has(field.cacheKey) || asked.has(field.cacheKey)) continue;
      asked.add(field.cacheKey);
      questions.push({ recordId: record.id, field: field.field, kind: field.kind, value: field.asRead ?? '' });
      questionKeys.push(field.cacheKey);
    }
  }
  return { records: planned, cached, questions, questionKeys };
}

/** One model call for the whole batch. Throws ModelError (throttling, time-out, invalid answer…). */
export async function askModel(
  batch: Pick<PreparedBatch, 'questions' | 'questionKeys'>,
  model: ModelClient,
  config: NormalizationConfig,
  startBy?: number,
): Promise<{ answers: ModelAnswerSet; usage: ModelUsage }> {
  const prompt = buildNormalizationPrompt(batch.questions);
  const response = await model.complete({
    system: prompt.system,
    user: prompt.user,
    temperature: config.model.temperature,
    maxTokens: config.model.maxTokens,
    ...(startBy === undefined ? {} : { startBy }),
  });
  const asked = new Map<string, Set<string>>();
  for (const question of batch.questions) {
    let fields = asked.get(question.recordId);
    if (!fields) asked.set(question.recordId, (fields = new Set()));
    fields.add(question.field);
  }
  let parsed: ReturnType<typeof parseModelAnswers>;
  try {
    parsed = parseModelAnswers(response.text, asked);
  } catch (error) {
    // An unreadable answer was still generated, and billed: its tokens count.
    if (error instanceof ModelError) error.usage = { inputTokens: response.inputTokens, outputTokens: response.outputTokens };
    throw error;
  }
  const answers: ModelAnswerSet = {};
  batch.questions.forEach((question, index) => {
    const answer = parsed.get(question.recordId)?.get(question.field);
    const key = batch.questionKeys[index];
    if (answer !== undefined && key !== undefined) answers[key] = answer;
  });
  return { answers, usage: attemptUsage(model, config, response) };
}

/** One HTTP attempt's usage and estimated cost; `tokens` undefined (refused before generating) costs nothing. */
export function attemptUsage(model: ModelClient, config: NormalizationConfig, tokens: AttemptUsage | undefined): ModelUsage {
  const inputTokens = tokens?.inputTokens ?? 0;
  const outputTokens = tokens?.outputTokens ?? 0;
  return {
    modelCalls: 1,
    inputTokens,
    outputTokens,
    costUSD: estimateCost(model.modelId, inputTokens, outputTokens, config.model.prices, {
      provider: model.provider,
      ...(config.model.baseUrl ? { baseUrl: config.model.baseUrl } : {}),
    }).costUSD,
  };
}

/** How the model layer ended for a batch. */
export type ModelOutcome = { kind: 'answered'; answers: ModelAnswerSet } | { kind: 'unavailable' } | { kind: 'not-asked' };

/**
 * Merges rules, cache and model answers into the output records. Every answer passes the
 * guardrails (format) and the lie checks (what the input can support); a rejected or missing one
 * keeps the rules' value with flag `llm-rejected`, and a model that could not be reached keeps the
 * rules' values with flag `llm-unavailable`. Rules outrank the model (contract v2 §0). Returns the
 * accepted answers, the only ones worth caching.
 */
export function finishBatch(
  batch: PreparedBatch,
  outcome: ModelOutcome,
  config: NormalizationConfig,
): { records: NormalizedRecord[]; newResolutions: Map<string, CachedResolution> } {
  const accepted = new Map<string, CachedResolution>();
  if (outcome.kind === 'answered') {
    batch.questions.forEach((question, index) => {
      const key = batch.questionKeys[index];
      if (key === undefined || !Object.hasOwn(outcome.answers, key)) return;
      const verdict = checkModelAnswer(question.kind, question.value, outcome.answers[key]);
      if (!verdict.accepted) return;
      const plausibility = checkAnswerPlausibility(question.kind, question.value, applyRule(question.kind, question.value), verdict.result);
      if (!plausibility.plausible) return;
      accepted.set(key, {
        accepted: true,
        value: verdict.result.value,
        flags: verdict.result.flags,
        ...cityOf(verdict.result),
        valueDigest: valueDigest(question.kind, question.value),
      });
    });
  }

  const cityField = cityFieldOf(config);
  const derived = cityField === undefined ? undefined : cityDerivedFields(cityField);
  const records = batch.records.map((record) => {
    const normalizedData: Record<string, string | null> = {};
    const normalizationMeta: Record<string, FieldMeta> = {};
    for (const planned of record.fields) {
      const { value, flags, source, city } = resolveField(planned, batch.cached, accepted, outcome);
      normalizedData[planned.field] = value;
      const resolution = planned.rules.cityResolution;
      const changed = value !== planned.asRead;
      normalizationMeta[planned.field] = resolution ? { source, changed, flags, resolution } : { source, changed, flags };
      if (planned.field === cityField && derived) {
        normalizedData[derived.departamento] = city?.departamento ?? null;
        normalizedData[derived.codigoDane] = city?.codigoDane ?? null;
      }
    }
    return { id: record.id, normalizedData, normalizationMeta };
  });
  return { records, newResolutions: accepted };
}

function resolveField(
  planned: PlannedField,
  cached: ReadonlyMap<string, CachedResolution>,
  accepted: ReadonlyMap<string, CachedResolution>,
  outcome: ModelOutcome,
): { value: string | null; flags: Flag[]; source: ValueSource; city: CityCode | undefined } {
  if (planned.steward) {
    const resolution = resolveWithDecision(planned.rules, planned.steward);
    return { value: resolution.value, flags: resolution.flags, source: 'steward', city: resolution.city };
  }
  if (!planned.cacheKey) return fromRules(planned.rules);
  const cachedEntry = cached.get(planned.cacheKey);
  const entry = cachedEntry ?? accepted.get(planned.cacheKey);
  if (entry?.accepted) {
    const resolution = resolveWithAnswer(planned.rules, entry);
    return { value: resolution.value, flags: resolution.flags, source: resolution.fromModel ? (cachedEntry ? 'cache' : 'llm') : 'rules', city: resolution.city };
  }
  if (outcome.kind === 'answered') return fromRules(planned.rules, 'llm-rejected');
  return fromRules(planned.rules, outcome.kind === 'unavailable' ? 'llm-unavailable' : undefined);
}

/** The rules' reading as the field's value, with one more flag when said. */
function fromRules(rules: RuleResult, extra?: Flag): { value: string | null; flags: Flag[]; source: ValueSource; city: CityCode | undefined } {
  return { value: rules.value, flags: extra ? [...rules.flags, extra] : [...rules.flags], source: 'rules', city: rules.city };
}

const cityOf = (result: RuleResult): { city?: CityCode } => (result.city ? { city: result.city } : {});
