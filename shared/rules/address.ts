/**
 * `address` kind (contract §4): Colombian urban nomenclature
 * `<via> <number><letters> # <number><letters> - <plate> <complements>`.
 * Decisions where the contract is silent are in docs/normalization/address.md.
 */
import { casePhraseWord, type PreviousWord } from './address-casing.ts';
import {
  AVENIDA,
  BARRIO_INITIAL,
  BARRIO_SLASH,
  BIS,
  CALLE,
  CARDINALS,
  CARRERA,
  COMPLEMENT_WORDS,
  KILOMETRE,
  KILOMETRE_WORDS,
  NUMBER_SIGN,
  NUMBER_SIGN_WORDS,
  OTHER_VIA_WORDS,
  VIA_WORDS,
} from './address-vocabulary.ts';
import { NAMES_BY_FOLDED_NAME } from './divipola.ts';
import { decided, undecided, type RuleResult } from './rule-result.ts';
import { cleanText, isNullLike, stripDiacritics } from './text-basics.ts';

interface Token {
  /** As typed. */
  text: string;
  /** Lower case, no diacritics: for matching. */
  key: string;
  /** Typed right after the previous token, with no space, comma or period between. */
  glued: boolean;
  /** Typed with a period right after it (`B.` is barrio, `b` is a letter). */
  period: boolean;
}

interface OutputWord {
  text: string;
  /** Free words get their casing at assembly, from the word before them. */
  isPhrase: boolean;
  /** Part of a complement's value: particles are lower case, also as its first word (`Barrio la Floresta`). */
  inComplementValue?: boolean;
}

interface Reading<T> {
  value: T;
  next: number;
}

const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;
const NUMBER_SIGNS = /[\uFF03\u2116]/g;
// Decimal numbers stay one token (`Km 5.5`, `Km 5,5`); other `.`, `,`, `;` and `:` separate words.
const TOKEN_PATTERN = /\p{N}+(?:[.,]\p{N}+)+|[#-]|[^\s#\-,;:.]+|[.,;:]/gu;
/**
 * `B/ San Fernando`, `b/san antonio`: barrio written `b/`, when no other `/` comes before the next
 * number (`b/x/y` is not a barrio; `B/la45/` is, as `B/ La45/` will read the next time).
 */
const BARRIO_SLASH_PREFIX = /^b\/(?!\p{N})(?=[^/\p{N}]*(?:\p{N}|$))/iu;
const DIGIT_OR_OTHER_RUNS = /\p{N}+|\P{N}+/gu;
const DIGIT = /\p{N}/u;
const ONLY_DIGITS = /^\p{N}+$/u;
const DECIMAL = /^\p{N}+(?:[.,]\p{N}+)+$/u;
const ASCII_LETTER = /^[a-z]$/;
const NON_ASCII = /[^ -~]/;

/** Matching key; skips the costly diacritic folding for printable ASCII, the common case. */
const foldWord = (text: string): string =>
  (NON_ASCII.test(text) ? stripDiacritics(text) : text).toLowerCase();

/** Whether run `index` of a piece is a barrio `b/` glued after a number (`130B/nº`). */
function isGluedBarrio(runs: readonly string[], index: number): boolean {
  const run = runs[index];
  const barrio = index > 0 && run !== undefined ? BARRIO_SLASH_PREFIX.exec(run) : null;
  return barrio !== null && run !== undefined && (run.length > barrio[0].length || index === runs.length - 1);
}

/**
 * One piece of text without spaces, as tokens. Wherever the output will have a space the next time
 * (`130B/nº` → `130 B/ Nº`, `B/cs4` → `B/ Cs4`), the piece is read now as if the space were there,
 * so a normalized value reads the same again (idempotence).
 */
function pushPiece(tokens: Token[], piece: string, glued: boolean): void {
  if (piece === '') return;
  // `80a`, `#139`, `n°45`: numbers and letters typed together are separate tokens (glued to each other).
  const runs = DECIMAL.test(piece) || !DIGIT.test(piece) ? [piece] : (piece.match(DIGIT_OR_OTHER_RUNS) ?? [piece]);
  const cut = runs.findIndex((_, index) => isGluedBarrio(runs, index));
  if (cut > 0) {
    pushPiece(tokens, runs.slice(0, cut).join(''), glued);
    pushPiece(tokens, runs.slice(cut).join(''), false);
    return;
  }
  const barrio = BARRIO_SLASH_PREFIX.exec(piece);
  if (barrio) {
    tokens.push({ text: barrio[0], key: BARRIO_SLASH, glued, period: false });
    pushPiece(tokens, piece.slice(barrio[0].length), false);
    return;
  }
  for (const [index, run] of runs.entries()) tokens.push({ text: run, key: foldWord(run), glued: glued || index > 0, period: false });
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const prepared = text.replace(DASHES, '-').replace(NUMBER_SIGNS, '#');
  let previousEnd = 0;
  let separated = true;
  for (const match of prepared.matchAll(TOKEN_PATTERN)) {
    const piece = match[0];
    const touching = match.index === previousEnd;
    previousEnd = match.index + piece.length;
    if (piece === '.' || piece === ',' || piece === ';' || piece === ':') {
      const last = tokens.at(-1);
      if (piece === '.' && touching && !separated && last) last.period = true;
      separated = true;
      continue;
    }
    const glued = touching && !separated;
    separated = false;
    pushPiece(tokens, piece, glued);
  }
  // `Km` is always written as a word of its own (`vereda-km12` → `Vereda- Km 12`): read it so now,
  // or the next reading, seeing it apart, would parse differently (idempotence).
  for (const [index, token] of tokens.entries()) {
    if (!KILOMETRE_WORDS.has(token.key)) continue;
    token.glued = false;
    const next = tokens[index + 1];
    if (next) next.glued = false;
  }
  return tokens;
}

const isDigits = (token: Token | undefined): token is Token => token !== undefined && ONLY_DIGITS.test(token.text);
const isSymbol = (token: Token): boolean => token.text === NUMBER_SIGN || token.text === '-';

const fixed = (text: string): OutputWord => ({ text, isPhrase: false });

/** Glued tokens form one free word (`301-B`, `Casa-Lote`). */
function phraseWords(tokens: readonly Token[]): OutputWord[] {
  const words: OutputWord[] = [];
  for (const [index, token] of tokens.entries()) {
    const last = words.at(-1);
    if (last && index > 0 && token.glued) last.text += token.text;
    else words.push({ text: token.text, isPhrase: true });
  }
  return words;
}

function readVia(tokens: readonly Token[]): Reading<OutputWord> | undefined {
  const first = tokens[0];
  if (!first) return undefined;
  const canonical = VIA_WORDS.get(first.key);
  if (canonical === AVENIDA) {
    const second = VIA_WORDS.get(tokens[1]?.key ?? '');
    if (second === CARRERA || second === CALLE) return { value: fixed(`${AVENIDA} ${second}`), next: 2 };
  }
  if (canonical) return { value: fixed(canonical), next: 1 };
  if (OTHER_VIA_WORDS.has(first.key)) return { value: { text: first.text, isPhrase: true }, next: 1 };
  return undefined;
}

/** The letter of a number block at `index`, pushed upper case onto `words`; the index after it (`index` when none). */
function readBlockLetter(tokens: readonly Token[], index: number, words: string[]): number {
  const token = tokens[index];
  // A lone `n` before the cross number is the number sign, not a letter.
  if (!token || !ASCII_LETTER.test(token.key) || (token.key === 'n' && isDigits(tokens[index + 1]))) return index;
  words.push(token.key.toUpperCase());
  return index + 1;
}

/** `80`, `80 A`, `80 Bis`, `80 Bis A`, `16 A Bis`, each optionally followed by a cardinal. */
function readNumberBlock(tokens: readonly Token[], start: number): Reading<string[]> | undefined {
  const number = tokens[start];
  if (!isDigits(number)) return undefined;
  const words = [number.text];
  let index = readBlockLetter(tokens, start + 1, words);
  if (tokens[index]?.key === 'bis') {
    words.push(BIS);
    index = readBlockLetter(tokens, index + 1, words);
  }
  const cardinal = CARDINALS.get(tokens[index]?.key ?? '');
  if (cardinal) {
    words.push(cardinal);
    index += 1;
  }
  return { value: words, next: index };
}

const SIGN_FAILED = -1;

/** Index of the cross number after a run of number signs; SIGN_FAILED for a `#` that leads nowhere. */
function readNumberSign(tokens: readonly Token[], start: number): number | undefined {
  let index = start;
  let hasHash = false;
  for (let token = tokens[index]; token; token = tokens[index]) {
    if (token.text === NUMBER_SIGN) hasHash = true;
    else if (!NUMBER_SIGN_WORDS.has(token.key)) break;
    index += 1;
  }
  if (index === start) return undefined;
  if (isDigits(tokens[index])) return index;
  return hasHash ? SIGN_FAILED : undefined;
}

/** Needs a value after it; `casa-lote` is a word of its own. */
function isComplementWord(tokens: readonly Token[], index: number): boolean {
  const token = tokens[index];
  const next = tokens[index + 1];
  if (!token || !next || !COMPLEMENT_WORDS.has(token.key)) return false;
  if (token.key === BARRIO_INITIAL && !token.period) return false;
  const afterNext = tokens[index + 2];
  const isHyphenated = next.text === '-' && next.glued && afterNext?.glued === true && !isDigits(afterNext);
  return !isHyphenated;
}

/** Words of a named via (`Av. Boyacá`, `Autopista Norte`): up to a number, a sign or a complement. */
function readViaName(tokens: readonly Token[], start: number): Reading<OutputWord[]> | undefined {
  let index = start;
  for (let token = tokens[index]; token; token = tokens[index]) {
    if (ONLY_DIGITS.test(token.text) || isSymbol(token) || isComplementWord(tokens, index)) break;
    if (NUMBER_SIGN_WORDS.has(token.key) && readNumberSign(tokens, index) !== undefined) break;
    index += 1;
  }
  if (index === start) return undefined;
  return { value: phraseWords(tokens.slice(start, index)), next: index };
}

const PLATE_FAILED = -1;

function readPlate(tokens: readonly Token[], start: number): Reading<string> | typeof PLATE_FAILED | undefined {
  const token = tokens[start];
  if (token?.text === '-') {
    const plate = tokens[start + 1];
    return isDigits(plate) ? { value: plate.text, next: start + 2 } : PLATE_FAILED;
  }
  return isDigits(token) ? { value: token.text, next: start + 1 } : undefined;
}

interface Complements {
  words: OutputWord[];
  hasComplement: boolean;
  hasFreeWords: boolean;
}

/** Complement words with their values; words before the first complement word are free words. */
function readComplements(tokens: readonly Token[]): Complements | undefined {
  const first = tokens[0];
  if (!first) return { words: [], hasComplement: false, hasFreeWords: false };
  if (first.text === '-' || tokens.some((token) => token.text === NUMBER_SIGN)) return undefined;
  const words: OutputWord[] = [];
  let hasComplement = false;
  let hasFreeWords = false;
  let expectingValue = false;
  let previousWasComplement = false;
  for (const [index, token] of tokens.entries()) {
    const startsWord = index === 0 || !token.glued || previousWasComplement;
    previousWasComplement = false;
    if (!expectingValue && startsWord && isComplementWord(tokens, index)) {
      words.push(fixed(COMPLEMENT_WORDS.get(token.key) ?? token.text));
      hasComplement = true;
      expectingValue = true;
      previousWasComplement = true;
      continue;
    }
    expectingValue = false;
    if (!hasComplement) hasFreeWords = true;
    const last = words.at(-1);
    if (!startsWord && last?.isPhrase) last.text += token.text;
    else words.push({ text: token.text, isPhrase: true, inComplementValue: hasComplement });
  }
  return { words, hasComplement, hasFreeWords };
}

interface UrbanAddress {
  words: OutputWord[];
  confident: boolean;
}

function parseUrban(tokens: readonly Token[]): UrbanAddress | undefined {
  const via = readVia(tokens);
  if (!via) return undefined;
  const words: OutputWord[] = [via.value];
  let index: number;
  const viaNumber = readNumberBlock(tokens, via.next);
  if (viaNumber) {
    words.push(...viaNumber.value.map(fixed));
    index = viaNumber.next;
  } else {
    const viaName = readViaName(tokens, via.next);
    if (!viaName) return undefined;
    words.push(...viaName.value);
    index = viaName.next;
  }

  let crossStart = readNumberSign(tokens, index);
  if (crossStart === SIGN_FAILED) return undefined;
  if (crossStart === undefined && isDigits(tokens[index])) {
    // No sign typed: `Calle 45 12-30` still reads as a cross number when a plate follows.
    const cross = readNumberBlock(tokens, index);
    const plate = cross && readPlate(tokens, cross.next);
    if (plate && plate !== PLATE_FAILED) crossStart = index;
  }

  let hasCross = false;
  let hasPlate = false;
  if (crossStart !== undefined) {
    const cross = readNumberBlock(tokens, crossStart);
    if (!cross) return undefined;
    hasCross = true;
    words.push(fixed(NUMBER_SIGN), ...cross.value.map(fixed));
    index = cross.next;
    const plate = readPlate(tokens, index);
    if (plate === PLATE_FAILED) return undefined;
    if (plate) {
      hasPlate = true;
      words.push(fixed('-'), fixed(plate.value));
      index = plate.next;
      const cardinal = CARDINALS.get(tokens[index]?.key ?? '');
      if (cardinal) {
        words.push(fixed(cardinal));
        index += 1;
      }
    }
  }

  const complements = readComplements(tokens.slice(index));
  if (!complements) return undefined;
  words.push(...complements.words);
  const confident =
    !complements.hasFreeWords && (hasCross ? hasPlate : viaNumber !== undefined && !complements.hasComplement);
  return { words, confident };
}

/**
 * Words as typed in title case, `Km` for kilometre; commas and periods dropped, except the period
 * of `B.` (barrio): without it the text would read differently the next time (not idempotent).
 */
function unparsedWords(tokens: readonly Token[]): OutputWord[] {
  const words: OutputWord[] = [];
  let previousWasKilometre = false;
  for (const token of tokens) {
    const isKilometre = KILOMETRE_WORDS.has(token.key);
    const text = token.key === BARRIO_INITIAL && token.period ? `${token.text}.` : token.text;
    const last = words.at(-1);
    if (last && token.glued && !isKilometre && !previousWasKilometre) last.text += text;
    else words.push(isKilometre ? fixed(KILOMETRE) : { text, isPhrase: true });
    previousWasKilometre = isKilometre;
  }
  return words;
}

/** A complement word is followed by its value (`Manzana A`, `Torre B`), also in unparsed text. */
const isComplementText = (text: string): boolean => {
  const key = foldWord(text);
  // `t` and `b` typed alone are more often letters than words.
  return key.length > 1 && COMPLEMENT_WORDS.has(key);
};

function assemble(words: readonly OutputWord[]): string {
  const texts: string[] = [];
  let previous: PreviousWord | undefined;
  for (const word of words) {
    const text = word.isPhrase ? casePhraseWord(word.text, previous, word.inComplementValue ?? false) : word.text;
    texts.push(text);
    previous = { text, isPhrase: word.isPhrase && !isComplementText(text) };
  }
  return texts.join(' ');
}

const LONGEST_MUNICIPALITY_WORDS = Math.max(...[...NAMES_BY_FOLDED_NAME.keys()].map((name) => name.split(' ').length));

/**
 * Contract §4: a municipality name typed before the via (`BOGOTA - Calle 50 # 10-20`, `Cali: Cl 5 …`)
 * is dropped when a via word of the table follows it. Returns the tokens from the via on.
 */
function withoutLeadingMunicipality(tokens: readonly Token[]): readonly Token[] | undefined {
  for (let length = Math.min(LONGEST_MUNICIPALITY_WORDS, tokens.length - 1); length >= 1; length--) {
    // The via word first: it is one lookup, the name a join of words.
    const viaAt = tokens[length]?.text === '-' ? length + 1 : length;
    if (!VIA_WORDS.has(tokens[viaAt]?.key ?? '')) continue;
    const name = tokens.slice(0, length).map((token) => token.key).join(' ');
    if (NAMES_BY_FOLDED_NAME.has(name)) return tokens.slice(viaAt);
  }
  return undefined;
}

function parseWithLeadingMunicipality(tokens: readonly Token[]): UrbanAddress | undefined {
  const afterMunicipality = withoutLeadingMunicipality(tokens);
  return (afterMunicipality && parseUrban(afterMunicipality)) ?? parseUrban(tokens);
}

/** Contract §4: `Mz 5 Cs 12`, `Vereda San Isidro`: complements only, canonical, and not grid nomenclature. */
function complementsOnly(tokens: readonly Token[]): OutputWord[] | undefined {
  if (!isComplementWord(tokens, 0)) return undefined;
  const complements = readComplements(tokens);
  return complements && !complements.hasFreeWords ? complements.words : undefined;
}

export function normalizeAddress(input: string): RuleResult {
  const cleaned = cleanText(input);
  if (isNullLike(cleaned)) return decided(null);
  const tokens = tokenize(cleaned);
  const urban = parseWithLeadingMunicipality(tokens);
  const value = assemble(urban?.words ?? complementsOnly(tokens) ?? unparsedWords(tokens));
  // Dropping punctuation can leave a null-like (`0.` → `0`); null keeps the rule idempotent.
  if (isNullLike(value)) return decided(null);
  if (!urban) return undecided(value, ['unparsed-address']);
  return urban.confident ? decided(value) : undecided(value, []);
}
