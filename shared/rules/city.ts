/**
 * `city` kind (contract §2): resolves a typed city against DANE DIVIPOLA and says how
 * (`CityResolution`). Decisions where the contract is silent are in docs/normalization/city.md.
 */
import type { CityResolution, CityRisk } from './city-resolution.ts';
import {
  DEPARTMENTS,
  NAME_SOURCE_RANK,
  NAMES_BY_ACCENTED_OFFICIAL_NAME,
  NAMES_BY_FOLDED_NAME,
  municipalityByCode,
  type NameMatch,
} from './divipola.ts';
import { decided, type RuleResult } from './rule-result.ts';
import { cleanText, foldKey, isNullLike, stripDiacritics } from './text-basics.ts';

const BOGOTA_CODE = '11001';
const BOGOTA_DISPLAY_NAME = 'Bogotá D.C.';

/** Folded department hint → department code: official department names, the contract's short forms and abbreviations. */
const DEPARTMENT_HINTS: ReadonlyMap<string, string> = new Map([
  ...DEPARTMENTS.map((department): [string, string] => [foldKey(department.name), department.code]),
  ['valle', '76'],
  ['norte de santander', '54'],
  ['n de santander', '54'],
  ['nte de santander', '54'],
  ['guajira', '44'],
  ['san andres', '88'],
  ['bogota', '11'],
  ...[
    ['05', ['ant', 'antq']],
    ['25', ['cund', 'cundi', 'cmarca']],
    ['08', ['atl', 'atlco']],
    ['68', ['sder', 's der', 'stder']],
    // `n.s.` and `n/s` fold to `n s`, `n/der` to `n der`.
    ['54', ['ns', 'n s', 'nsder', 'n der']],
    ['76', ['vcauca', 'v cauca']],
    ['13', ['bol']],
    ['15', ['boy']],
    ['17', ['cald']],
    ['66', ['ris']],
    ['63', ['quind']],
    ['73', ['tol']],
    ['41', ['hui']],
    ['52', ['nar']],
    ['23', ['cord']],
    ['47', ['magd']],
    ['85', ['cas']],
    ['18', ['caq']],
    ['86', ['put']],
  ].flatMap(([code, abbreviations]) => (abbreviations as string[]).map((hint): [string, string] => [hint, code as string])),
]);

/** `norte` names Norte de Santander only after `,`, `-` or `(` (`Cúcuta, Norte`; `Bogotá Norte` is no hint). */
const NORTE = 'norte';
const NORTE_DEPARTMENT_CODE = '54';
const NORTE_SEPARATOR = /[,(-]/;

const LONGEST_HINT_WORDS = Math.max(...[...DEPARTMENT_HINTS.keys()].map((hint) => hint.split(' ').length));

/** Trailing words that decide nothing: a country, or a district suffix (contract §2). Folded. */
const TRAILING_NOISE: ReadonlySet<string> = new Set([
  'colombia', 'col',
  'd c', 'dc', 'd t', 'd t y c', 'd t c h', 'd e', 'distrito capital', 'distrito especial',
]);
const LONGEST_NOISE_WORDS = Math.max(...[...TRAILING_NOISE].map((noise) => noise.split(' ').length));

/** Contract §2 step (2): prefix abbreviations, whole words. */
const PREFIX_ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ['pto', 'puerto'],
  ['sta', 'santa'],
  ['sn', 'san'],
  ['stgo', 'santiago'],
]);

/** Contract §2 step (2b). */
const LEADING_ARTICLES: ReadonlySet<string> = new Set(['el', 'la', 'los', 'las']);

/** Lower case when not the first word, like the data's own names (`San José de la Montaña`). */
const CITY_PARTICLES: ReadonlySet<string> = new Set(['de', 'del', 'la', 'las', 'los', 'el', 'y', 'e']);

/** A typed word: accented (lower case, NFC) and folded, with what was typed between it and the word before. */
interface TypedWord {
  accented: string;
  folded: string;
  separatorBefore: string;
}

function readWords(cleaned: string): TypedWord[] {
  const words: TypedWord[] = [];
  let previousEnd = 0;
  for (const match of cleaned.normalize('NFC').matchAll(/[\p{L}\p{M}\p{N}]+/gu)) {
    const accented = match[0].toLowerCase();
    const folded = foldKey(accented);
    const separatorBefore = cleaned.slice(previousEnd, match.index);
    previousEnd = match.index + match[0].length;
    // A run of marks alone (a stray accent) is no word.
    if (folded !== '') words.push({ accented, folded, separatorBefore });
  }
  return words;
}

/** The city part of a reading, and how it was read. */
interface Span {
  /** Words as typed, accents kept: step (1). */
  accented: string;
  /** Folded, prefix abbreviations expanded: steps (2)–(4). */
  folded: string;
  typedWithDiacritic: boolean;
  abbreviationExpanded: boolean;
  articleDropped: boolean;
}

function spanOf(words: readonly TypedWord[], articleDropped = false): Span {
  const accented = words.map((word) => word.accented).join(' ');
  const expanded = words.map((word) => PREFIX_ABBREVIATIONS.get(word.folded) ?? word.folded);
  return {
    accented,
    folded: expanded.join(' '),
    typedWithDiacritic: stripDiacritics(accented) !== accented,
    abbreviationExpanded: expanded.some((word, index) => word !== words[index]?.folded),
    articleDropped,
  };
}

interface Hint {
  departmentCode: string;
}

/** A way to read the input: the city part, and what was dropped from its end. */
interface Reading {
  words: readonly TypedWord[];
  hint: Hint | undefined;
  suffixDropped: boolean;
}

/** Found: one code (with the name that gave it), several, or none. */
type Outcome =
  | { kind: 'resolved'; code: string; match: NameMatch; span: Span; distance: number }
  | { kind: 'ambiguous'; codes: string[]; span: Span }
  | { kind: 'none' };

const NONE: Outcome = { kind: 'none' };

/**
 * The municipalities some matched names point to: each name keeps its best-source codes (an
 * official name beats an alias of another municipality), restricted to the hint's department
 * first, where an alias equal to another official name counts (contract §2: `Manaure, Cesar`).
 */
function decide(groups: readonly (readonly NameMatch[])[], hint: Hint | undefined, span: Span, distance: number): Outcome {
  const best = new Map<string, NameMatch>();
  for (const group of groups) {
    const candidates = hint ? group.filter((match) => departmentOf(match.code) === hint.departmentCode) : group;
    if (candidates.length === 0) continue;
    const bestRank = Math.min(...candidates.map((match) => NAME_SOURCE_RANK[match.source]));
    for (const match of candidates) {
      const kept = best.get(match.code);
      if (NAME_SOURCE_RANK[match.source] === bestRank && (!kept || NAME_SOURCE_RANK[kept.source] > bestRank)) {
        best.set(match.code, match);
      }
    }
  }
  if (best.size === 0) return NONE;
  const [only] = best.values();
  if (best.size === 1 && only) return { kind: 'resolved', code: only.code, match: only, span, distance };
  return { kind: 'ambiguous', codes: [...best.keys()].sort(), span };
}

const departmentOf = (code: string): string | undefined => municipalityByCode(code)?.departmentCode;

/**
 * Steps (1) and (2) on one span. Accents decide only when typed: an input without any diacritic
 * names every official name it folds to (`Chima`: Chima 68176 or Chimá 23168, contract §2).
 */
function lookupName(span: Span, hint: Hint | undefined): Outcome {
  if (span.typedWithDiacritic) {
    const accented = NAMES_BY_ACCENTED_OFFICIAL_NAME.get(span.accented);
    const outcome = accented ? decide([accented], hint, span, 0) : NONE;
    if (outcome.kind !== 'none') return outcome;
  }
  const folded = NAMES_BY_FOLDED_NAME.get(span.folded);
  return folded ? decide([folded], hint, span, 0) : NONE;
}

/** Steps (1), (2) and (2b): the span, then the span without its leading article (`El Retiro` → Retiro). */
function lookupExact(words: readonly TypedWord[], hint: Hint | undefined): Outcome {
  const outcome = lookupName(spanOf(words), hint);
  const [first, ...rest] = words;
  if (outcome.kind !== 'none' || !first || rest.length === 0 || !LEADING_ARTICLES.has(first.folded)) return outcome;
  return lookupName(spanOf(rest, true), hint);
}

/** Contract §2: at most 1 edit for an input of 4–7 letters, 2 from 8 (the input's letters; spaces do not count). */
function maxEdits(letters: number): number {
  if (letters >= 8) return 2;
  return letters >= 4 ? 1 : 0;
}

/**
 * A misspelling keeps the first letter, or swaps it for one that sounds the same in Spanish
 * (`Sipaquira` → Zipaquirá, `Vucaramanga`). This only admits a candidate, never prefers it over an
 * equally near one (contract §2); without it `Otro` would be `Toro` and `Juan` `Suan`.
 */
const SOUND_ALIKE_INITIALS: readonly string[] = ['szc', 'ckq', 'bv', 'gj', 'iy'];

const initialsLike = (initial: string): ReadonlySet<string> =>
  new Set([initial, ...SOUND_ALIKE_INITIALS.filter((group) => group.includes(initial)).flatMap((group) => [...group])]);

/** Every folded name by its length (single spaces count): the misspelling candidates. */
const NAMES_BY_LENGTH: readonly (readonly string[])[] = (() => {
  const byLength: string[][] = [];
  for (const name of NAMES_BY_FOLDED_NAME.keys()) (byLength[name.length] ??= []).push(name);
  return byLength;
})();

const LONGEST_NAME = NAMES_BY_LENGTH.length - 1;
const MAX_EDITS = 2;

// Three rolling rows of the distance table, allocated once.
const ROW_SIZE = LONGEST_NAME + MAX_EDITS + 2;
let rowBeforePrevious = new Int32Array(ROW_SIZE);
let previousRow = new Int32Array(ROW_SIZE);
let currentRow = new Int32Array(ROW_SIZE);

/**
 * Restricted Damerau–Levenshtein (optimal string alignment) distance, or `limit + 1` as soon as it
 * must exceed `limit`. Only the diagonal band of width `limit` is computed.
 */
export function boundedEditDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (b.length + 1 > currentRow.length) {
    rowBeforePrevious = new Int32Array(b.length + 1);
    previousRow = new Int32Array(b.length + 1);
    currentRow = new Int32Array(b.length + 1);
  }
  const outside = limit + 1;
  for (let j = 0; j <= b.length; j++) previousRow[j] = j <= limit ? j : outside;
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - limit);
    const to = Math.min(b.length, i + limit);
    currentRow[0] = i <= limit ? i : outside;
    if (from > 1) currentRow[from - 1] = outside;
    let rowMinimum = currentRow[0] ?? outside;
    const aChar = a.charCodeAt(i - 1);
    for (let j = from; j <= to; j++) {
      const bChar = b.charCodeAt(j - 1);
      let distance = Math.min(
        (previousRow[j - 1] ?? outside) + (aChar === bChar ? 0 : 1),
        (previousRow[j] ?? outside) + 1,
        (currentRow[j - 1] ?? outside) + 1,
      );
      if (i > 1 && j > 1 && aChar === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bChar) {
        distance = Math.min(distance, (rowBeforePrevious[j - 2] ?? outside) + 1);
      }
      currentRow[j] = Math.min(distance, outside);
      if (distance < rowMinimum) rowMinimum = distance;
    }
    if (to < b.length) currentRow[to + 1] = outside;
    if (rowMinimum > limit) return outside;
    [rowBeforePrevious, previousRow, currentRow] = [previousRow, currentRow, rowBeforePrevious];
  }
  return Math.min(previousRow[b.length] ?? outside, outside);
}

/**
 * Step (4): Damerau–Levenshtein on folded names with single spaces kept (a missing or extra space
 * is one edit). The nearest admitted names must all name one municipality; a tie between codes is
 * ambiguous. A hint restricts the candidates to its department.
 */
function lookupMisspelling(words: readonly TypedWord[], hint: Hint | undefined): Outcome {
  const span = spanOf(words);
  const typed = span.folded;
  // Digits mean an address or a code, not a misspelt name.
  if (/\d/.test(typed)) return NONE;
  const limit = maxEdits(typed.replace(/ /g, '').length);
  if (limit === 0) return NONE;
  const initials = initialsLike(typed.charAt(0));
  let bestDistance = limit;
  let nearest: string[] = [];
  const longest = Math.min(LONGEST_NAME, typed.length + limit);
  for (let length = Math.max(1, typed.length - limit); length <= longest; length++) {
    for (const name of NAMES_BY_LENGTH[length] ?? []) {
      if (!initials.has(name.charAt(0)) || Math.abs(length - typed.length) > bestDistance) continue;
      if (hint && !isInDepartment(name, hint)) continue;
      const distance = boundedEditDistance(typed, name, bestDistance);
      if (distance > bestDistance) continue;
      if (distance < bestDistance || nearest.length === 0) {
        bestDistance = distance;
        nearest = [];
      }
      nearest.push(name);
    }
  }
  return decide(
    nearest.map((name) => NAMES_BY_FOLDED_NAME.get(name) ?? []),
    hint,
    span,
    bestDistance,
  );
}

const isInDepartment = (name: string, hint: Hint): boolean =>
  (NAMES_BY_FOLDED_NAME.get(name) ?? []).some((match) => departmentOf(match.code) === hint.departmentCode);

/**
 * The ends of `words[0, end)` as trailing countries and district suffixes are dropped one by one,
 * `end` first (`Puerto Colombia, Guainía` keeps its `Colombia` before it loses it). Never 0.
 */
function endsWithoutTrailingNoise(words: readonly TypedWord[], end: number): number[] {
  const ends = [end];
  let current = end;
  for (let dropped = true; dropped; ) {
    dropped = false;
    for (let count = Math.min(LONGEST_NOISE_WORDS, current - 1); count >= 1; count--) {
      const tail = words.slice(current - count, current).map((word) => word.folded).join(' ');
      if (TRAILING_NOISE.has(tail)) {
        current -= count;
        ends.push(current);
        dropped = true;
        break;
      }
    }
  }
  return ends;
}

function hintCodeAt(words: readonly TypedWord[], end: number, count: number): string | undefined {
  const hintWords = words.slice(end - count, end);
  const key = hintWords.map((word) => word.folded).join(' ');
  if (key === NORTE) return NORTE_SEPARATOR.test(hintWords[0]?.separatorBefore ?? '') ? NORTE_DEPARTMENT_CODE : undefined;
  return DEPARTMENT_HINTS.get(key);
}

interface TrailingReadings {
  readings: Reading[];
  /** Only a department (or a country, a district suffix) is left: no city to look for misspellings of. */
  nothingButDepartment: boolean;
}

/**
 * Step (3): the input without trailing countries or district suffixes, and with each department
 * hint it may end with (longest first), the least dropped first.
 */
function trailingReadings(words: readonly TypedWord[]): TrailingReadings {
  const readings: Reading[] = [];
  const ends = endsWithoutTrailingNoise(words, words.length);
  const lastEnd = ends.at(-1) ?? words.length;
  let nothingButDepartment = lastEnd === 1 && TRAILING_NOISE.has(words[0]?.folded ?? '');
  for (const end of ends.slice(1)) readings.push({ words: words.slice(0, end), hint: undefined, suffixDropped: true });
  for (const end of ends) {
    for (let count = Math.min(LONGEST_HINT_WORDS, end); count >= 1; count--) {
      const departmentCode = hintCodeAt(words, end, count);
      if (departmentCode === undefined) continue;
      if (count === end) {
        nothingButDepartment = true;
        continue;
      }
      for (const cityEnd of endsWithoutTrailingNoise(words, end - count)) {
        readings.push({
          words: words.slice(0, cityEnd),
          hint: { departmentCode },
          suffixDropped: end < words.length || cityEnd < end - count,
        });
      }
    }
  }
  return { readings, nothingButDepartment };
}

/** What the lookup found, with the reading that found it. */
interface Found {
  outcome: Outcome;
  reading: Reading | undefined;
  hintApplied: boolean;
}

/** Steps (1)–(4) in the contract's order; the whole input is always tried first (`Puerto Colombia`, `El Peñol`). */
function lookup(cleaned: string): Found {
  const words = readWords(cleaned);
  const whole: Reading = { words, hint: undefined, suffixDropped: false };
  const exact = lookupExact(words, undefined);
  if (exact.kind !== 'none' || words.length === 0) return { outcome: exact, reading: whole, hintApplied: false };
  const { readings, nothingButDepartment } = trailingReadings(words);

  for (const reading of readings) {
    const outcome = lookupExact(reading.words, reading.hint);
    if (outcome.kind !== 'none') return { outcome, reading, hintApplied: reading.hint !== undefined };
  }
  // A hint that leaves no candidate is ignored when the name alone decides (`Bogotá, Cundinamarca`).
  for (const reading of readings.filter((candidate) => candidate.hint !== undefined)) {
    const outcome = lookupExact(reading.words, undefined);
    if (outcome.kind !== 'none') return { outcome, reading, hintApplied: false };
  }
  // A department alone is no city (it resolved above when it is also a municipality's name).
  if (nothingButDepartment) return { outcome: NONE, reading: undefined, hintApplied: false };
  const misspelt = lookupMisspelling(words, undefined);
  if (misspelt.kind !== 'none') return { outcome: misspelt, reading: whole, hintApplied: false };
  for (const reading of readings) {
    const outcome = lookupMisspelling(reading.words, reading.hint);
    if (outcome.kind !== 'none') return { outcome, reading, hintApplied: reading.hint !== undefined };
  }
  // Nothing matched, but a typed hint still says where the city is (for review, and for a model's answer).
  const hinted = readings.find((reading) => reading.hint !== undefined);
  return { outcome: NONE, reading: hinted, hintApplied: hinted !== undefined };
}

function riskOf(outcome: Outcome, readingRisk: boolean): CityRisk {
  if (outcome.kind !== 'resolved') return 4;
  if (outcome.distance > 0) return outcome.distance === 1 ? 2 : 3;
  return readingRisk || outcome.match.source === 'alternate' || outcome.match.source === 'alias' ? 1 : 0;
}

function describe({ outcome, reading, hintApplied }: Found): CityResolution {
  const span = outcome.kind === 'none' ? undefined : outcome.span;
  const hintDepartment = reading?.hint && DEPARTMENTS.find((department) => department.code === reading.hint?.departmentCode);
  const hint = hintDepartment ? { departmentCode: hintDepartment.code, department: hintDepartment.name, applied: hintApplied } : null;
  const articleDropped = span?.articleDropped ?? false;
  const abbreviationExpanded = span?.abbreviationExpanded ?? false;
  let match: CityResolution['match'] = 'none';
  if (outcome.kind === 'resolved') {
    const isAlias = outcome.match.source === 'alternate' || outcome.match.source === 'alias';
    match = outcome.distance > 0 ? 'misspelling' : isAlias ? 'alias' : 'exact';
  }
  return {
    outcome: outcome.kind === 'none' ? 'unknown' : outcome.kind,
    match,
    matchedName: outcome.kind === 'resolved' ? outcome.match.name : null,
    distance: outcome.kind === 'resolved' && outcome.distance > 0 ? outcome.distance : null,
    hint,
    articleDropped,
    abbreviationExpanded,
    suffixDropped: reading?.suffixDropped ?? false,
    candidates: outcome.kind === 'ambiguous' ? outcome.codes : [],
    risk: riskOf(outcome, articleDropped || abbreviationExpanded || (hint !== null && !hint.applied)),
  };
}

/** A letter at the start of the value or after anything but a letter, mark or digit (`B/Quilla`, `(Antioquia)`). */
const WORD_START_LETTER = /(^|[^\p{L}\p{M}\p{N}])(\p{L})/gu;

/** A letter whose upper case is several letters (`ß`, `ᾀ`) stays as it is, or a second pass would change it. */
function upperCaseLetter(letter: string): string {
  const upper = letter.toUpperCase();
  return upper.length === letter.length ? upper : letter;
}

/**
 * The typed value kept for an unresolved city: title case with the data's particles, accents as
 * typed; runs of periods (`..`, `. .`) become one.
 */
function titleCaseTyped(cleaned: string): string {
  return cleaned
    .replace(/\.(?: ?\.)+/g, '.')
    .split(' ')
    .map((word, index) => {
      const lower = word.toLowerCase();
      if (index > 0 && CITY_PARTICLES.has(lower)) return lower;
      return lower.replace(WORD_START_LETTER, (_, before: string, letter: string) => before + upperCaseLetter(letter));
    })
    .join(' ')
    // cleanText composes before it drops zero-width characters, which can leave a letter and its accent apart.
    .normalize('NFC');
}

export function normalizeCity(input: string): RuleResult {
  const cleaned = cleanText(input);
  if (isNullLike(cleaned)) return decided(null);
  const found = lookup(cleaned);
  const cityResolution = describe(found);
  const municipality = found.outcome.kind === 'resolved' ? municipalityByCode(found.outcome.code) : undefined;
  if (municipality) {
    return {
      value: municipality.code === BOGOTA_CODE ? BOGOTA_DISPLAY_NAME : municipality.name,
      confident: true,
      flags: [],
      city: { departamento: municipality.department, codigoDane: municipality.code },
      cityResolution,
    };
  }
  return {
    value: titleCaseTyped(cleaned),
    confident: false,
    flags: [found.outcome.kind === 'ambiguous' ? 'ambiguous-city' : 'unknown-city'],
    cityResolution,
  };
}
