import { AmbiguousFieldError } from '#shared/errors/normflow-errors.ts';

/**
 * How a configured field name finds its column. Headers are typed by people and saved by Excel:
 * `Ciudad de residencia`, `CIUDAD DE RESIDENCIA`, `ciudad_de_residencia`, `Nivel educativo` for
 * `nivelEducativo`. Names are compared folded: accents dropped, camelCase split, case ignored,
 * and every run of spaces, `_`, `-` or `.` counted as one space. An exact match always wins.
 */
export function foldFieldName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/(\p{Ll}|\p{N})(\p{Lu})/gu, '$1 $2')
    .toLowerCase()
    .replace(/[\s_.-]+/g, ' ')
    .trim();
}

/**
 * For each wanted name (a configured field, the id field), the key of `keys` it names: the same
 * key if present, else the one key that folds alike. Two keys that fold alike, neither exact, is
 * an AmbiguousFieldError (which one the user meant is not ours to guess).
 */
export function matchFieldNames(wanted: readonly string[], keys: readonly string[]): Map<string, string> {
  const exact = new Set(keys);
  const byFold = new Map<string, string[]>();
  for (const key of keys) {
    const folded = foldFieldName(key);
    const same = byFold.get(folded);
    if (same) same.push(key);
    else byFold.set(folded, [key]);
  }
  const matched = new Map<string, string>();
  for (const name of wanted) {
    if (exact.has(name)) {
      matched.set(name, name);
      continue;
    }
    const candidates = byFold.get(foldFieldName(name)) ?? [];
    if (candidates.length > 1) {
      throw new AmbiguousFieldError(`${candidates.map((key) => `"${key}"`).join(' and ')} both match the field "${name}"; rename one, or configure the field by its exact name`);
    }
    const [only] = candidates;
    if (only !== undefined) matched.set(name, only);
  }
  return matched;
}

/**
 * `matchFieldNames` remembered per distinct set of keys: every row of a CSV file has the same
 * keys, and JSON lines from one program nearly so.
 */
export class FieldNameMatcher {
  private readonly cache = new Map<string, Map<string, string>>();

  readonly wanted: readonly string[];

  constructor(wanted: readonly string[]) {
    this.wanted = wanted;
  }

  /** The keys last asked about and their match: the next record nearly always has the same. */
  private last: { keys: readonly string[]; matched: Map<string, string> } | undefined;

  match(keys: readonly string[]): Map<string, string> {
    if (this.last && sameKeys(this.last.keys, keys)) return this.last.matched;
    const signature = keys.join('\u0000');
    let matched = this.cache.get(signature);
    if (!matched) {
      matched = matchFieldNames(this.wanted, keys);
      if (this.cache.size >= 256) this.cache.clear();
      this.cache.set(signature, matched);
    }
    this.last = { keys, matched };
    return matched;
  }
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}
