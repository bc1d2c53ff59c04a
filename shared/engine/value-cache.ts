import { createHash } from 'node:crypto';
import { PLAUSIBILITY_VERSION } from '#shared/model/answer-plausibility.ts';
import { buildNormalizationPrompt } from '#shared/model/normalization-prompt.ts';
import { RULES_VERSION } from '#shared/rules/index.ts';
import { FIELD_KINDS, type CityCode, type FieldKind, type Flag } from '#shared/rules/rule-result.ts';
import { cleanText } from '#shared/rules/text-basics.ts';

/** A model answer that passed every check: the only kind the cache keeps (a rejected one is never replayed). */
export interface CachedResolution {
  accepted: boolean;
  value: string | null;
  flags: Flag[];
  city?: CityCode;
  /** {@link valueDigest} of the value answered, so an erasure can find every entry made from it. */
  valueDigest?: string;
}

/** Persistent side of the cache: a DynamoDB table on AWS, the embedded store locally. */
export interface PersistentValueCache {
  getMany(keys: readonly string[]): Promise<Map<string, CachedResolution>>;
  /** Entries expire `ttlDays` after they are written (the table's TTL). */
  putMany(entries: ReadonlyMap<string, CachedResolution>, ttlDays?: number): Promise<void>;
  /** Deletes every entry (`normflow cache clear`); returns how many. */
  clear(): Promise<number>;
  /** Deletes every entry made from these values, whatever model answered (erasure); returns how many. */
  forgetValues(digests: readonly string[]): Promise<number>;
}

/** Who answered: the same value asked of another provider, endpoint or model is another entry. */
export interface AnsweringModel {
  provider: string;
  endpoint: string;
  modelId: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The prompt's instructions for every kind: a changed prompt makes new keys without anyone bumping a version. */
const PROMPT_FINGERPRINT = sha256(
  buildNormalizationPrompt(FIELD_KINDS.map((kind) => ({ recordId: 'r', field: kind, kind, value: '' }))).system,
).slice(0, 16);

const normalizedValue = (rawValue: string): string => cleanText(rawValue).toLowerCase();

/**
 * Key of one model answer: rules, prompt and lie-check versions, provider, endpoint, model id,
 * kind, and the value cleaned and lower-cased with its diacritics (they change the answer: `Chimá`
 * vs `Chima`), hashed so the table's keys hold no personal data.
 */
export function valueCacheKey(kind: FieldKind, rawValue: string, model: AnsweringModel): string {
  return sha256(
    JSON.stringify([RULES_VERSION, PROMPT_FINGERPRINT, PLAUSIBILITY_VERSION, model.provider, model.endpoint, model.modelId, kind, normalizedValue(rawValue)]),
  );
}

/** The same value under any model: what `leads forget` looks entries up by. */
export function valueDigest(kind: FieldKind, rawValue: string): string {
  return sha256(JSON.stringify([kind, normalizedValue(rawValue)]));
}

const DEFAULT_MAX_ENTRIES = 50_000;

/**
 * Per-run memory cache in front of an optional persistent one. The memory side is bounded
 * (least recently used entries go first) so memory stays flat however many records stream by.
 */
export class ValueCache {
  private readonly memory = new Map<string, CachedResolution>();
  private readonly persistent: PersistentValueCache | undefined;
  private readonly maxEntries: number;
  hits = 0;

  private readonly ttlDays: number | undefined;

  constructor(options: { persistent?: PersistentValueCache; maxEntries?: number; ttlDays?: number } = {}) {
    this.persistent = options.persistent;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.ttlDays = options.ttlDays;
  }

  /** Resolutions known for these keys; each key found counts as one hit. */
  async lookup(keys: readonly string[]): Promise<Map<string, CachedResolution>> {
    const found = new Map<string, CachedResolution>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const entry = this.memory.get(key);
      if (entry?.accepted) {
        this.touch(key, entry);
        found.set(key, entry);
      } else {
        missing.push(key);
      }
    }
    if (this.persistent && missing.length > 0) {
      for (const [key, entry] of await this.persistent.getMany(missing)) {
        // Entries written before only accepted answers were cached may hold a rejection: never replay it.
        if (!entry.accepted) continue;
        this.remember(key, entry);
        found.set(key, entry);
      }
    }
    this.hits += found.size;
    return found;
  }

  async store(entries: ReadonlyMap<string, CachedResolution>): Promise<void> {
    if (entries.size === 0) return;
    for (const [key, entry] of entries) this.remember(key, entry);
    await this.persistent?.putMany(entries, this.ttlDays);
  }

  private touch(key: string, entry: CachedResolution): void {
    this.memory.delete(key);
    this.memory.set(key, entry);
  }

  private remember(key: string, entry: CachedResolution): void {
    this.touch(key, entry);
    if (this.memory.size > this.maxEntries) {
      const oldest = this.memory.keys().next().value;
      if (oldest !== undefined) this.memory.delete(oldest);
    }
  }
}
