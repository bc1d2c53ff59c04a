/**
 * Casing of the free words of an address (complement values, via names, unparsed text).
 * Decisions are in docs/normalization/address.md ("Casing of words").
 */
import { capitalizeWord, PHRASE_PARTICLES } from './text-basics.ts';

export interface PreviousWord {
  text: string;
  /** False for words the rules fixed (via, `#`, number parts, complement words): a value follows them. */
  isPhrase: boolean;
}

const ARTICLES: ReadonlySet<string> = new Set(['el', 'la', 'los', 'las']);
const ROMAN_NUMERAL = /^(?=[ivx]{2,}$)x{0,3}(?:ix|iv|v?i{0,3})$/;
const ONLY_DIGITS = /^\p{N}+$/u;
const HAS_DIGIT = /\p{N}/u;
const LETTERS = /\p{L}/gu;
const SINGLE_LETTER = /^\p{L}$/u;

/**
 * Title case with PHRASE_PARTICLES in lower case: always in a complement's value (`Barrio la
 * Floresta`); elsewhere (via names, unparsed text) except an article that opens a name
 * (`Hacienda El Paraíso`, but `Villa de los Alpes`); a single letter is upper case
 * unless it is a conjunction between words; numbers as typed; `301b` → `301B`; `ii` → `II`.
 */
export function casePhraseWord(word: string, previous: PreviousWord | undefined, inComplementValue: boolean): string {
  const cased = caseWord(word, previous, inComplementValue);
  // A letter whose other case is several letters (`ß` → `SS`, `ﬁ` → `FI`) would not survive a second pass.
  return cased.length === word.length ? cased : word;
}

function caseWord(word: string, previous: PreviousWord | undefined, inComplementValue: boolean): string {
  if (ONLY_DIGITS.test(word)) return word;
  const lower = word.toLowerCase();
  if (HAS_DIGIT.test(word)) return (word.match(LETTERS)?.length ?? 0) === 1 ? word.toUpperCase() : lower;
  if (ROMAN_NUMERAL.test(lower)) return word.toUpperCase();
  if (SINGLE_LETTER.test(word)) {
    const isConjunction =
      previous !== undefined && previous.isPhrase && !HAS_DIGIT.test(previous.text) && PHRASE_PARTICLES.has(lower);
    return isConjunction ? lower : word.toUpperCase();
  }
  if (previous === undefined || !PHRASE_PARTICLES.has(lower)) return capitalizeWord(word);
  // Contract §4: a complement's value has its particles in lower case, also as its first word.
  if (inComplementValue) return lower;
  const followsParticle = previous.isPhrase && PHRASE_PARTICLES.has(previous.text.toLowerCase());
  return ARTICLES.has(lower) && !followsParticle ? capitalizeWord(word) : lower;
}
