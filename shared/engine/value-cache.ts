import { RULES_VERSION } from '#shared/rules/index.ts';
import type { CityCode, FieldKind, Flag } from '#shared/rules/rule-result.ts';
import { cleanText } from '#shared/rules/text-basics.ts';

/** A model answer that passed every check: the only kind the cache keeps (a rejected one is never replayed). */
export interface CachedResolution {
  accepted: boolean;
  value: string | null;
  flags: Flag[];
  city?: CityCode;
}

/** Persistent side of the cache: a DynamoDB table on AWS, the embedded store locally. */
export interface PersistentValueCache {
  getMany(keys: readonly string[]): Promise<Map<string, CachedResolution>>;
  putMany(entries: ReadonlyMap<string, CachedResolution>): Promise<void>;
}

/**
 * Key of one model resolution: (rules version, model, kind, value). The value is cleaned and
 * lower-cased but keeps its diacritics, because they change the answer (`Chimá` vs `Chima`).
 */
export function valueCacheKey(kind: FieldKind, rawValue: string, modelId: string): string {
  return `${RULES_VERSION}|${modelId}|${kind}|${cleanText(rawValue).toLowerCase()}`;
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

  constructor(options: { persistent?: PersistentValueCache; maxEntries?: number } = {}) {
    this.persistent = options.persistent;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
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
    await this.persistent?.putMany(entries);
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
