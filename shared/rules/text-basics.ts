/**
 * Building blocks every field kind shares (contract §0): cleaning, null-like detection,
 * folding for lookups, and title casing with particles.
 */

// Control characters are exactly what this pattern is for.
// eslint-disable-next-line no-control-regex
const ZERO_WIDTH_AND_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200D\u2060\uFEFF\u00AD]/g;
const TYPOGRAPHIC_APOSTROPHES = /[\u2018\u2019\u201B\u02BC\u00B4\u0060\u2032]/g;
const UNICODE_SPACES = /[\s\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+/g;

/** NFC, control and zero-width characters removed, typographic apostrophes as `'`, whitespace trimmed and collapsed. */
export function cleanText(raw: string): string {
  // NFC last: removing a zero-width character can bring a letter and its combining accent together.
  return raw
    .replace(TYPOGRAPHIC_APOSTROPHES, "'")
    .replace(/[\t\n\r\v\f]/g, ' ')
    .replace(ZERO_WIDTH_AND_CONTROL, '')
    .replace(UNICODE_SPACES, ' ')
    .trim()
    .normalize('NFC')
    .replace(TYPOGRAPHIC_APOSTROPHES, "'");
}

const NULL_LIKE = new Set([
  'n/a',
  'na',
  'n.a.',
  'n.a',
  'no aplica',
  'ninguno',
  'ninguna',
  'null',
  'none',
  'xxx',
  '0',
]);

/**
 * Contract §0 null-likes, case-insensitive. Also any value without a single letter or digit
 * (`-`, `.`, `--`, `***`): a data steward would not keep punctuation alone as a value.
 */
export function isNullLike(cleaned: string): boolean {
  if (!/[\p{L}\p{N}]/u.test(cleaned)) return true;
  return NULL_LIKE.has(cleaned.toLowerCase());
}

export function stripDiacritics(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC');
}

/**
 * Lookup key: lower case, diacritics removed, every run of characters that are not letters
 * or digits replaced by one space, trimmed. Same as the keys of `aliases.json`.
 */
export function foldKey(text: string): string {
  return stripDiacritics(text.normalize('NFC'))
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Letters and digits only, folded: for similarity checks. */
export function foldLetters(text: string): string {
  return foldKey(text).replace(/ /g, '');
}

/** Spanish name particles (contract §1): lower case unless first. */
export const NAME_PARTICLES: ReadonlySet<string> = new Set([
  'de', 'del', 'la', 'las', 'los', 'y', 'e', 'da', 'das', 'do', 'dos', 'van', 'von', 'der', 'di',
]);

/** Contract §5: name particles plus prepositions and conjunctions of occupations and organizations. */
export const PHRASE_PARTICLES: ReadonlySet<string> = new Set([
  ...NAME_PARTICLES, 'en', 'el', 'a', 'al', 'para', 'con', 'o', 'u', 'por', 'sin',
]);

const LETTER = /\p{L}/u;
const ASCII_LOWER_A = 97;
const ASCII_LOWER_Z = 122;

/** Upper-cases the first letter, lower-cases the rest; the letter after a hyphen or apostrophe is upper case too. */
export function capitalizeWord(word: string): string {
  const lower = word.toLowerCase();
  let result = '';
  let upperNext = true;
  let changed = false;
  for (const char of lower) {
    const code = char.charCodeAt(0);
    // ASCII letters skip the Unicode test: most of what people type.
    if ((code >= ASCII_LOWER_A && code <= ASCII_LOWER_Z) || (code > 127 && LETTER.test(char))) {
      // Letters whose capital is several characters (ß → SS) stay as typed, or casing would not be idempotent.
      const upper = upperNext ? char.toUpperCase() : char;
      result += upper.length === 1 ? upper : char;
      upperNext = false;
      changed ||= code > 127;
    } else {
      result += char;
      upperNext = char === '-' || char === "'";
    }
  }
  // Casing a decomposed accent can leave text that is not NFC; only non-ASCII text can.
  return changed ? result.normalize('NFC') : result;
}

/** Title case word by word; `particles` stay lower case unless first. Expects cleaned text. */
export function titleCase(text: string, particles: ReadonlySet<string>): string {
  return text
    .split(' ')
    .map((word, index) => {
      const lower = word.toLowerCase();
      return index > 0 && particles.has(lower) ? lower : capitalizeWord(word);
    })
    .join(' ');
}
