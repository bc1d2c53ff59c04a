import { decided, undecided, type RuleResult } from './rule-result.ts';
import { capitalizeNameWord, cleanText, isNullLike, NAME_PARTICLES, stripDiacritics } from './text-basics.ts';

/** Kind `personName` (contract §1); see docs/normalization/person-name.md. */

/** Punctuation that separates words (`Perez,Gomez`, `J.Sebastián`); every other symbol and digit is deleted. */
const WORD_SEPARATORS = /[,;:/\\_|+&()[\]{}"«»¿?¡!]+/g;
const DELETED_CHARACTERS = /[^\p{L}\p{M}\s'\-.]+/gu;
/** A deleted character with a letter on both sides (`Jo3se`): the typed word itself was damaged. */
const DELETION_INSIDE_WORD = /[\p{L}\p{M}][^\p{L}\p{M}\s'\-.,;:/\\_|+&()[\]{}"«»¿?¡!]+\p{L}/u;
const EMAIL_OR_URL = /\S@\S|https?:|www\./i;
const PHONE_OR_ID_NUMBER = /\d{5}/;
const MAX_CONFIDENT_NAME_WORDS = 5;

const LEADING_NON_LETTERS = /^[^\p{L}]+/u;
const TRAILING_NON_LETTERS = /[^\p{L}\p{M}]+$/u;
const JOINER_RUN = /(['-])['-]+/g;
const ONLY_LETTERS = /^\p{L}+$/u;
const SINGLE_LETTER = /^\p{L}\p{M}*$/u;
/** Spanish writes `e` for `y` only before an /i/ sound: `Gómez e Hijos`, `Pérez e Isaza`. */
const I_SOUND_START = /^h?i(?![aeou])/;

interface NameToken {
  word: string;
  endsWithPeriod: boolean;
}

function readTokens(cleaned: string): NameToken[] {
  return cleaned
    .replace(WORD_SEPARATORS, ' ')
    .replace(DELETED_CHARACTERS, '')
    .replace(/\./g, '. ')
    .split(/\s+/)
    .map((raw) => ({
      // A word of letters only, the usual one, has nothing to strip.
      word: ONLY_LETTERS.test(raw)
        ? raw
        : raw
            .replace(/\./g, '')
            .replace(LEADING_NON_LETTERS, '')
            .replace(TRAILING_NON_LETTERS, '')
            .replace(JOINER_RUN, '$1'),
      endsWithPeriod: raw.endsWith('.'),
    }))
    .filter((token) => token.word !== '');
}

/**
 * A lone `y`/`e` is the conjunction only between two words and typed without a period (`e` only
 * before an /i/ sound); anywhere else it is an initial like any other single letter.
 */
function isConjunction(tokens: readonly NameToken[], index: number): boolean {
  const token = tokens[index];
  const next = tokens[index + 1];
  if (!token || !next || index === 0 || token.endsWithPeriod) return false;
  const letter = token.word.toLowerCase();
  if (letter === 'y') return true;
  return letter === 'e' && I_SOUND_START.test(stripDiacritics(next.word).toLowerCase());
}

function formatToken({ word }: NameToken, index: number, tokens: readonly NameToken[]): string {
  const lower = word.toLowerCase();
  if (SINGLE_LETTER.test(word)) return isConjunction(tokens, index) ? lower : `${word.toUpperCase()}.`;
  if (index > 0 && NAME_PARTICLES.has(lower)) return lower;
  return capitalizeNameWord(word);
}

export function normalizePersonName(input: string): RuleResult {
  const cleaned = cleanText(input);
  if (isNullLike(cleaned)) return decided(null);

  const tokens = readTokens(cleaned);
  const value = tokens.map(formatToken).join(' ');
  if (isNullLike(value)) return decided(null);

  const nameWords = tokens.filter((token) => !NAME_PARTICLES.has(token.word.toLowerCase()));
  const confident =
    !DELETION_INSIDE_WORD.test(cleaned) &&
    !EMAIL_OR_URL.test(cleaned) &&
    !PHONE_OR_ID_NUMBER.test(cleaned) &&
    nameWords.length <= MAX_CONFIDENT_NAME_WORDS;
  return confident ? decided(value) : undecided(value, []);
}
