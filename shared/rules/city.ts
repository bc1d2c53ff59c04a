/**
 * `city` kind (contract §2): resolves a typed city against DANE DIVIPOLA. Decisions where the
 * contract is silent are in docs/normalization/city.md.
 */
import {
  DEPARTMENTS,
  NAME_SOURCE_RANK,
  NAMES_BY_ACCENTED_OFFICIAL_NAME,
  NAMES_BY_FOLDED_NAME,
  NAMES_BY_LETTER_KEY,
  accentedWords,
  letterKey,
  municipalityByCode,
  type NameMatch,
} from './divipola.ts';
import { decided, undecided, type RuleResult } from './rule-result.ts';
import { cleanText, foldKey, isNullLike } from './text-basics.ts';

const BOGOTA_CODE = '11001';
const BOGOTA_DISPLAY_NAME = 'Bogotá D.C.';

/** Folded department hint → department code: every official department name plus the contract's short forms. */
const DEPARTMENT_HINTS: ReadonlyMap<string, string> = new Map([
  ...DEPARTMENTS.map((department): [string, string] => [foldKey(department.name), department.code]),
  ['valle', '76'],
  ['norte de santander', '54'],
  ['n de santander', '54'],
  ['nte de santander', '54'],
  ['guajira', '44'],
  ['san andres', '88'],
  ['bogota', '11'],
  ['dc', '11'],
  // `D.C.` folds to `d c`.
  ['d c', '11'],
]);

const LONGEST_HINT_WORDS = Math.max(...[...DEPARTMENT_HINTS.keys()].map((hint) => hint.split(' ').length));

const COUNTRY_WORDS: ReadonlySet<string> = new Set(['colombia', 'col']);

/** Lower case when not the first word, like the data's own names (`San José de la Montaña`). */
const CITY_PARTICLES: ReadonlySet<string> = new Set(['de', 'del', 'la', 'las', 'los', 'el', 'y', 'e']);

type Outcome = { kind: 'resolved'; code: string } | { kind: 'ambiguous' } | { kind: 'none' };

const NONE: Outcome = { kind: 'none' };
const AMBIGUOUS: Outcome = { kind: 'ambiguous' };

/** A run of the input's words: accented (step 1) and folded (steps 2–4), word for word. */
interface Span {
  accented: string;
  folded: string;
}

function codesOfBestSource(matches: readonly NameMatch[]): string[] {
  const bestRank = Math.min(...matches.map((match) => NAME_SOURCE_RANK[match.source]));
  return [...new Set(matches.filter((m) => NAME_SOURCE_RANK[m.source] === bestRank).map((m) => m.code))];
}

/**
 * Each group is the matches of one name. A hint that picks exactly one of all their codes decides;
 * otherwise (no hint, or it contradicts) each name keeps its best-source codes and they must agree.
 */
function resolveGroups(groups: readonly (readonly NameMatch[])[], hintDepartmentCode: string | undefined): Outcome {
  if (groups.length === 0) return NONE;
  if (hintDepartmentCode !== undefined) {
    const hinted = new Set<string>();
    for (const group of groups) {
      for (const match of group) {
        if (municipalityByCode(match.code)?.departmentCode === hintDepartmentCode) hinted.add(match.code);
      }
    }
    const [onlyCode] = hinted;
    if (hinted.size === 1 && onlyCode !== undefined) return { kind: 'resolved', code: onlyCode };
  }
  const codes = new Set(groups.flatMap(codesOfBestSource));
  const [onlyCode] = codes;
  return codes.size === 1 && onlyCode !== undefined ? { kind: 'resolved', code: onlyCode } : AMBIGUOUS;
}

/** Steps (1) and (2) on one span; the folded names are what a hint picks among (`Chima, Córdoba` → Chimá). */
function lookupExact(span: Span, hintDepartmentCode: string | undefined): Outcome {
  const folded = NAMES_BY_FOLDED_NAME.get(span.folded);
  if (!folded) return NONE;
  if (hintDepartmentCode !== undefined) {
    const outcome = resolveGroups([folded], hintDepartmentCode);
    if (outcome.kind === 'resolved') return outcome;
  }
  const accented = NAMES_BY_ACCENTED_OFFICIAL_NAME.get(span.accented);
  return resolveGroups([accented ?? folded], undefined);
}

/** Contract §2: at most 1 edit for names of 4–7 letters, 2 from 8; "letters" is the shorter of the two names. */
function maxEdits(letters: number): number {
  if (letters >= 8) return 2;
  return letters >= 4 ? 1 : 0;
}

/**
 * Misspelling candidates by first letter, then by length. A misspelling must keep the first letter,
 * or swap it for one that sounds the same in Spanish (`Sipaquira` → Zipaquirá, `Vogotá`): people
 * rarely get it wrong otherwise, and without the rule `Otro` would be `Toro` and `Juan` `Suan`.
 */
const SOUND_ALIKE_INITIALS: readonly string[] = ['szc', 'ckq', 'bv', 'gj', 'iy'];

const initialsLike = (initial: string): string[] => [
  ...new Set([initial, ...SOUND_ALIKE_INITIALS.filter((group) => group.includes(initial)).flatMap((group) => [...group])]),
];

const LETTER_KEYS_BY_INITIAL_AND_LENGTH: ReadonlyMap<string, readonly (readonly string[])[]> = (() => {
  const buckets = new Map<string, string[][]>();
  for (const key of NAMES_BY_LETTER_KEY.keys()) {
    const byLength = buckets.get(key.charAt(0)) ?? [];
    buckets.set(key.charAt(0), byLength);
    (byLength[key.length] ??= []).push(key);
  }
  return buckets;
})();

const LONGEST_LETTER_KEY = Math.max(...[...NAMES_BY_LETTER_KEY.keys()].map((key) => key.length));
const MAX_LENGTH_DIFFERENCE = 2;

// Three rolling rows of the distance table, allocated once.
const ROW_SIZE = LONGEST_LETTER_KEY + MAX_LENGTH_DIFFERENCE + 2;
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

/** Step (4): the nearest names within the allowed distance must all name one municipality. */
function lookupMisspelling(span: Span, hintDepartmentCode: string | undefined): Outcome {
  const typed = letterKey(span.folded);
  // Digits mean an address or a code, not a misspelt name.
  if (/\d/.test(typed) || maxEdits(typed.length) === 0) return NONE;
  const buckets = initialsLike(typed.charAt(0)).map((initial) => LETTER_KEYS_BY_INITIAL_AND_LENGTH.get(initial) ?? []);
  let bestDistance = Infinity;
  let nearest: string[] = [];
  const shortest = Math.max(4, typed.length - MAX_LENGTH_DIFFERENCE);
  const longest = Math.min(LONGEST_LETTER_KEY, typed.length + MAX_LENGTH_DIFFERENCE);
  for (let length = shortest; length <= longest; length++) {
    const limit = Math.min(maxEdits(Math.min(length, typed.length)), bestDistance);
    if (Math.abs(length - typed.length) > limit) continue;
    for (const candidate of buckets.flatMap((byLength) => byLength[length] ?? [])) {
      const distance = boundedEditDistance(typed, candidate, limit);
      if (distance > limit) continue;
      if (distance < bestDistance) {
        bestDistance = distance;
        nearest = [];
      }
      nearest.push(candidate);
    }
  }
  return resolveGroups(
    nearest.map((key) => NAMES_BY_LETTER_KEY.get(key) ?? []),
    hintDepartmentCode,
  );
}

interface Reading {
  span: Span;
  hintDepartmentCode: string | undefined;
}

/** Steps (1)–(4) in the contract's order; the whole input is always tried first (`Puerto Colombia`). */
function lookup(cleaned: string): Outcome {
  const typedWords = accentedWords(cleaned);
  const foldedWords = typedWords.map(foldKey);
  const firstWords = (count: number): Span => ({
    accented: typedWords.slice(0, count).join(' '),
    folded: foldedWords.slice(0, count).join(' '),
  });
  const readings: Reading[] = [{ span: firstWords(typedWords.length), hintDepartmentCode: undefined }];
  const lastWord = foldedWords.at(-1);
  const endsWithCountry = typedWords.length > 1 && lastWord !== undefined && COUNTRY_WORDS.has(lastWord);
  const cityWordCount = endsWithCountry ? typedWords.length - 1 : typedWords.length;
  if (endsWithCountry) readings.push({ span: firstWords(cityWordCount), hintDepartmentCode: undefined });
  for (const reading of readings) {
    const exact = lookupExact(reading.span, undefined);
    if (exact.kind !== 'none') return exact;
  }
  // A department alone is not a city (it resolved above when it is also a municipality's name).
  if (DEPARTMENT_HINTS.has(foldedWords.slice(0, cityWordCount).join(' '))) return NONE;

  const hintedReadings: Reading[] = [];
  for (let hintWords = Math.min(LONGEST_HINT_WORDS, cityWordCount - 1); hintWords >= 1; hintWords--) {
    const hint = foldedWords.slice(cityWordCount - hintWords, cityWordCount).join(' ');
    const hintDepartmentCode = DEPARTMENT_HINTS.get(hint);
    if (hintDepartmentCode !== undefined) {
      hintedReadings.push({ span: firstWords(cityWordCount - hintWords), hintDepartmentCode });
    }
  }
  for (const reading of hintedReadings) {
    const exact = lookupExact(reading.span, reading.hintDepartmentCode);
    if (exact.kind !== 'none') return exact;
  }
  for (const reading of [...readings, ...hintedReadings]) {
    const misspelt = lookupMisspelling(reading.span, reading.hintDepartmentCode);
    if (misspelt.kind !== 'none') return misspelt;
  }
  return NONE;
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
  const outcome = lookup(cleaned);
  if (outcome.kind === 'resolved') {
    const municipality = municipalityByCode(outcome.code);
    if (municipality) {
      return {
        value: municipality.code === BOGOTA_CODE ? BOGOTA_DISPLAY_NAME : municipality.name,
        confident: true,
        flags: [],
        city: { departamento: municipality.department, codigoDane: municipality.code },
      };
    }
  }
  return undecided(titleCaseTyped(cleaned), [outcome.kind === 'ambiguous' ? 'ambiguous-city' : 'unknown-city']);
}
