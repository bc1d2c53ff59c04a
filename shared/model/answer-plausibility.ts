import levenshtein from 'damerau-levenshtein';
import { COMPLEMENT_WORDS, CARDINALS, VIA_WORDS } from '#shared/rules/address-vocabulary.ts';
import { NAMES_BY_FOLDED_NAME } from '#shared/rules/divipola.ts';
import { applyRule } from '#shared/rules/index.ts';
import type { FieldKind, RuleResult } from '#shared/rules/rule-result.ts';
import { foldKey, PHRASE_PARTICLES } from '#shared/rules/text-basics.ts';

/**
 * Lie rejection: a model answer that passed its kind's format checks (a canonical level, a city that
 * resolves, an address that parses) must also be something the typed input can support. A model
 * may fix case, accents, spelling and abbreviations, and pick among readings of the input; it may
 * not bring in facts the input does not hold: another person's surname, a higher degree, another
 * street, a neighbouring town, a URL or an instruction. Each check is a pure function of the input,
 * the rules' reading of it and the answer, so a cached answer is judged exactly as a fresh one.
 */

/** Part of every value-cache key: answers accepted under other checks are not replayed. */
export const PLAUSIBILITY_VERSION = '1';

export type ImplausibleReason =
  | 'injected-content'
  | 'other-person'
  | 'other-city'
  | 'level-not-in-input'
  | 'unexplained-words';

export type PlausibilityVerdict = { plausible: true } | { plausible: false; reason: ImplausibleReason };

const PLAUSIBLE: PlausibilityVerdict = { plausible: true };
const implausible = (reason: ImplausibleReason): PlausibilityVerdict => ({ plausible: false, reason });

export function checkAnswerPlausibility(kind: FieldKind, rawInput: string, rules: RuleResult, answer: RuleResult): PlausibilityVerdict {
  if (answer.value === null) return PLAUSIBLE;
  if (bringsInWebOrMarkup(rawInput, answer.value)) return implausible('injected-content');
  switch (kind) {
    case 'personName':
      return sameLetters(rawInput, answer.value) ? PLAUSIBLE : implausible('other-person');
    case 'city':
      return plausibleCity(rawInput, rules, answer) ? PLAUSIBLE : implausible('other-city');
    case 'educationLevel':
      return levelsInInput(rawInput).has(answer.value) ? PLAUSIBLE : implausible('level-not-in-input');
    case 'address':
      return wordsExplained(answer.value, addressVocabulary(rawInput, rules)) ? PLAUSIBLE : implausible('unexplained-words');
    case 'occupation':
    case 'organization':
      return wordsExplained(answer.value, phraseVocabulary(rawInput, rules), rawInput) ? PLAUSIBLE : implausible('unexplained-words');
    case 'text':
      return wordsExplained(answer.value, new Set(words(rawInput))) ? PLAUSIBLE : implausible('unexplained-words');
  }
}

const words = (text: string): string[] => foldKey(text).split(' ').filter(Boolean);
const isNumber = (word: string): boolean => /^\d+$/.test(word);

/** A URL, an e-mail address, markup or a code block the input did not have: injected, never a normalization. */
const WEB_WORDS: ReadonlySet<string> = new Set(['http', 'https', 'www', 'com', 'net', 'org', 'html', 'php', 'ftp', 'javascript', 'script']);
function bringsInWebOrMarkup(input: string, answer: string): boolean {
  const inputWords = new Set(words(input));
  if (words(answer).some((word) => WEB_WORDS.has(word) && !inputWords.has(word))) return true;
  return [...'<>{}[]@`\\|'].some((symbol) => answer.includes(symbol) && !input.includes(symbol));
}

/** A person's name may only be re-cased, re-accented, or lose digits and symbols: the same letters, in order. */
function sameLetters(input: string, answer: string): boolean {
  const letters = (text: string) => foldKey(text).replace(/[^a-z]/g, '');
  return letters(input) === letters(answer);
}

/** Folded names (official, alternate, alias) of each municipality code, letters only. */
let namesByCode: Map<string, string[]> | undefined;
function cityNames(code: string): string[] {
  if (!namesByCode) {
    namesByCode = new Map();
    for (const [name, matches] of NAMES_BY_FOLDED_NAME) {
      for (const match of matches) {
        const names = namesByCode.get(match.code) ?? [];
        if (!names.includes(name)) names.push(name);
        namesByCode.set(match.code, names);
      }
    }
  }
  return namesByCode.get(code) ?? [];
}

const CITY_ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ['pto', 'puerto'],
  ['sta', 'santa'],
  ['sn', 'san'],
  ['stgo', 'santiago'],
]);

/** Edits a model may fix in a typed name: more than the rules allow (that is what it is asked for), never a different short word. */
const nameEditLimit = (letters: number): number => (letters < 4 ? 0 : letters === 4 ? 1 : letters < 12 ? 2 : 3);

/**
 * A city the rules resolved must stay that municipality. An undecided one (unknown or ambiguous)
 * may become a municipality whose name is within a few edits of what was typed (or of its first
 * words, before a department hint), or that starts with the typed words: `Neiba` → Neiva,
 * `Sta Rosa` → Santa Rosa de Cabal; never `Cali` → Calima, nor another lead's city.
 */
function plausibleCity(input: string, rules: RuleResult, answer: RuleResult): boolean {
  if (!answer.city) return false;
  if (rules.city) return rules.city.codigoDane === answer.city.codigoDane;
  const typed = words(input).map((word) => CITY_ABBREVIATIONS.get(word) ?? word);
  const names = cityNames(answer.city.codigoDane).map((name) => name.split(' '));
  for (let length = typed.length; length >= 1 && length >= typed.length - 3; length -= 1) {
    const span = typed.slice(0, length);
    const spanLetters = span.join('');
    for (const name of names) {
      if (span.every((word, index) => name[index] === word)) return true;
      if (levenshtein(spanLetters, name.join('')).steps <= nameEditLimit(spanLetters.length)) return true;
    }
  }
  return false;
}

/** Vague words that say "some postgraduate degree": the least of them is all they support. */
const VAGUE_LEVEL_WORDS: ReadonlyMap<string, string> = new Map([
  ['posgrado', 'Especialista'],
  ['postgrado', 'Especialista'],
  ['posgrados', 'Especialista'],
  ['postgrados', 'Especialista'],
]);

/** Base level words, for typo fixes (`bachiyer`, `profecional`): a model may correct spelling, not invent a level. */
const LEVEL_SPELLINGS: ReadonlyMap<string, string> = new Map([
  ['primaria', 'Primaria'],
  ['bachiller', 'Bachiller'],
  ['bachillerato', 'Bachiller'],
  ['secundaria', 'Bachiller'],
  ['tecnico', 'Técnico'],
  ['tecnica', 'Técnico'],
  ['tecnologo', 'Tecnólogo'],
  ['tecnologa', 'Tecnólogo'],
  ['tecnologia', 'Tecnólogo'],
  ['profesional', 'Profesional'],
  ['universitario', 'Profesional'],
  ['universitaria', 'Profesional'],
  ['licenciatura', 'Profesional'],
  ['ingenieria', 'Profesional'],
  ['especializacion', 'Especialista'],
  ['especialista', 'Especialista'],
  ['maestria', 'Magíster'],
  ['magister', 'Magíster'],
  ['doctorado', 'Doctorado'],
]);

const spellingEditLimit = (letters: number): number => (letters < 5 ? 0 : letters < 8 ? 1 : 2);

/**
 * The levels the typed words name: each word and pair of words read by the rules themselves
 * (so a level word anywhere counts, even inside a field of study), plus vague postgraduate words
 * and misspelt level words. `Estudiante`, `Curso de cocina` name none; `Posgrado` names Especialista.
 */
export function levelsInInput(input: string): Set<string> {
  const levels = new Set<string>();
  const typed = words(input);
  const add = (text: string) => {
    const reading = applyRule('educationLevel', text);
    if (reading.value !== null && reading.flags.length === 0) levels.add(reading.value);
  };
  typed.forEach((word, index) => {
    add(word);
    if (index + 1 < typed.length) add(`${word} ${typed[index + 1]}`);
    const vague = VAGUE_LEVEL_WORDS.get(word);
    if (vague) levels.add(vague);
    if (word.length >= 5 && !VAGUE_LEVEL_WORDS.has(word)) {
      for (const [spelling, level] of LEVEL_SPELLINGS) {
        if (levenshtein(word, spelling).steps <= spellingEditLimit(word.length)) levels.add(level);
      }
    }
  });
  return levels;
}

/** Words an address answer may use: the input's, the rules' reading of it, and the canonical forms of its via, complement and cardinal words. */
function addressVocabulary(input: string, rules: RuleResult): Set<string> {
  const vocabulary = new Set([...words(input), ...words(rules.value ?? '')]);
  for (const word of words(input)) {
    for (const table of [VIA_WORDS, COMPLEMENT_WORDS, CARDINALS]) {
      const canonical = table.get(word);
      if (canonical) for (const part of words(canonical)) vocabulary.add(part);
    }
  }
  vocabulary.add('bis');
  return vocabulary;
}

/** Words an occupation or organization answer may use: the input's, the rules' reading (abbreviations expanded), particles. */
function phraseVocabulary(input: string, rules: RuleResult): Set<string> {
  return new Set([...words(input), ...words(rules.value ?? ''), ...PHRASE_PARTICLES]);
}

/**
 * Every word of the answer is explained by the vocabulary: equal, a typo fix (within the edit
 * limit), the expansion of a typed abbreviation (`adm` → Administrativo), or, for a typed acronym,
 * the words whose initials spell it (`ICBF` → Instituto Colombiano de Bienestar Familiar).
 * Numbers are the format checks' business (an address must keep them all).
 */
function wordsExplained(answer: string, vocabulary: ReadonlySet<string>, rawInput?: string): boolean {
  const answerWords = words(answer).filter((word) => !isNumber(word));
  const explainedByAcronym = new Set<number>();
  if (rawInput !== undefined) {
    const acronyms = new Set(words(rawInput).filter((word) => /^[a-z]{2,6}$/.test(word)));
    const content = answerWords.map((word, index) => ({ word, index })).filter(({ word }) => !PHRASE_PARTICLES.has(word));
    for (let start = 0; start < content.length; start += 1) {
      for (let end = start + 2; end <= content.length; end += 1) {
        const initials = content.slice(start, end).map(({ word }) => word[0]).join('');
        if (acronyms.has(initials)) for (const { index } of content.slice(start, end)) explainedByAcronym.add(index);
      }
    }
  }
  const typed = [...vocabulary];
  return answerWords.every((word, index) => {
    if (vocabulary.has(word) || explainedByAcronym.has(index)) return true;
    const limit = spellingEditLimit(word.length);
    return typed.some(
      (known) =>
        (limit > 0 && levenshtein(word, known).steps <= limit) ||
        // A typed abbreviation of 2–5 letters the answer spells out.
        (known.length >= 2 && known.length <= 5 && !PHRASE_PARTICLES.has(known) && word.length > known.length && word.startsWith(known)),
    );
  });
}
