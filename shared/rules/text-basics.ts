/**
 * Building blocks every field kind shares (contract §0): cleaning, null-like detection,
 * folding for lookups, and title casing with particles.
 */

// Control characters are exactly what this pattern is for.
// eslint-disable-next-line no-control-regex
const ZERO_WIDTH_AND_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200D\u2060\uFEFF\u00AD]/g;
const TYPOGRAPHIC_APOSTROPHES = /[\u2018\u2019\u201B\u02BC\u00B4\u0060\u2032]/g;
const UNICODE_SPACES = /[\s\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+/g;

/**
 * Text `cleanText` leaves as it is: Latin-1 characters it neither drops nor replaces (no control,
 * soft hyphen, no-break space, backtick or acute accent), words apart by single spaces. Latin-1
 * has no combining marks, so such text is NFC already. Most typed values are: they skip the passes.
 */
const ALREADY_CLEAN = /^[\x21-\x5F\x61-\x7E\xA1-\xAC\xAE-\xB3\xB5-\xFF]+(?: [\x21-\x5F\x61-\x7E\xA1-\xAC\xAE-\xB3\xB5-\xFF]+)*$/;

/** NFC, control and zero-width characters removed, typographic apostrophes as `'`, whitespace trimmed and collapsed. */
export function cleanText(raw: string): string {
  if (ALREADY_CLEAN.test(raw)) return raw;
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

/** Contract §0 null-likes, in the form {@link nullLikeKey} gives them. */
const NULL_LIKE: ReadonlySet<string> = new Set([
  '?', '0', '00', '000', 'x', 'xxx', 'n/a', 'na', 'n.a.', 'n.a', 'no aplica', 'ninguno', 'ninguna', 'null',
  'none', 'no tiene', 'no registra', 'sin dato', 'sin datos', 'sin informacion', 'no sabe', 'ns/nr', 'nr', 's/d',
  'sd',
]);

/** Contract §0: null-like for kind `organization` only (`sin empresa` is an occupation's words). */
const ORGANIZATION_NULL_LIKE: ReadonlySet<string> = new Set(['sin empresa', 'ninguna empresa', 'no labora']);

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const SPACES_AROUND_SLASH = / *\/ */g;

/** How §0 compares a whole value with the null-likes: case and diacritics folded, spaces around `/` ignored. */
function nullLikeKey(cleaned: string): string {
  const folded = stripDiacritics(cleaned).toLowerCase();
  return folded.includes('/') ? folded.replace(SPACES_AROUND_SLASH, '/') : folded;
}

/**
 * Contract §0 null-likes. Also any value without a single letter or digit (`-`, `.`, `--`,
 * `***`): a data steward would not keep punctuation alone as a value.
 */
export function isNullLike(cleaned: string): boolean {
  if (!LETTER_OR_DIGIT.test(cleaned)) return true;
  return NULL_LIKE.has(nullLikeKey(cleaned));
}

/** {@link isNullLike}, plus the forms that mean "no employer" (`sin empresa`, `no labora`). */
export function isOrganizationNullLike(cleaned: string): boolean {
  if (!LETTER_OR_DIGIT.test(cleaned)) return true;
  const key = nullLikeKey(cleaned);
  return NULL_LIKE.has(key) || ORGANIZATION_NULL_LIKE.has(key);
}

const COMBINING_MARKS = /\p{M}+/gu;

const stripDiacriticsOfAnyText = (text: string): string => text.normalize('NFD').replace(COMBINING_MARKS, '').normalize('NFC');

/** A character outside Latin-1 (U+0000–U+00FF); a code unit test, so surrogate pairs count too. */
const BEYOND_LATIN_1 = /[\u0100-\uFFFF]/;
const LAST_LATIN_1 = 0xff;

/** Each Latin-1 character without its diacritics (`é` → `e`) as the general rule makes it; undefined when it has none. */
const LATIN_1_STRIPPED: ReadonlyArray<string | undefined> = Array.from({ length: LAST_LATIN_1 + 1 }, (_, code) => {
  const char = String.fromCharCode(code);
  const stripped = stripDiacriticsOfAnyText(char);
  return stripped === char ? undefined : stripped;
});

/**
 * Diacritics removed (`Bogotá` → `Bogota`), the result NFC. Latin-1 text (what Spanish is typed
 * in) goes character by character through a table the general rule built: Latin-1 has no
 * combining marks, and no two of its characters compose, so the whole is the sum of its
 * characters, without the two normalization passes.
 */
export function stripDiacritics(text: string): string {
  let stripped = '';
  let copiedUpTo = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code > LAST_LATIN_1) return stripDiacriticsOfAnyText(text);
    const replacement = LATIN_1_STRIPPED[code];
    if (replacement === undefined) continue;
    stripped += text.slice(copiedUpTo, index) + replacement;
    copiedUpTo = index + 1;
  }
  return copiedUpTo === 0 ? text : stripped + text.slice(copiedUpTo);
}

const NOT_LETTERS_OR_DIGITS = /[^\p{L}\p{N}]+/gu;

/**
 * Lookup key: lower case, diacritics removed, every run of characters that are not letters
 * or digits replaced by one space, trimmed. Same as the keys of `aliases.json`.
 */
export function foldKey(text: string): string {
  // Latin-1 text is NFC already (it has no combining marks).
  return stripDiacritics(BEYOND_LATIN_1.test(text) ? text.normalize('NFC') : text)
    .toLowerCase()
    .replace(NOT_LETTERS_OR_DIGITS, ' ')
    .trim();
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

/**
 * Upper-cases the first letter, lower-cases the rest; the letter after a hyphen or apostrophe is
 * upper case too, except a lone `s` that ends the word (`O'Neil`, but `McDonald's`).
 */
export function capitalizeWord(word: string): string {
  const lower = word.toLowerCase();
  let result = '';
  let upperNext = true;
  let changed = false;
  let index = 0;
  for (const char of lower) {
    const code = char.charCodeAt(0);
    // ASCII letters skip the Unicode test: most of what people type.
    if ((code >= ASCII_LOWER_A && code <= ASCII_LOWER_Z) || (code > 127 && LETTER.test(char))) {
      const possessive = upperNext && char === 's' && index > 0 && index === lower.length - 1 && lower[index - 1] === "'";
      // Letters whose capital is several characters (ß → SS) stay as typed, or casing would not be idempotent.
      const upper = upperNext && !possessive ? char.toUpperCase() : char;
      result += upper.length === 1 ? upper : char;
      upperNext = false;
      changed ||= code > 127;
    } else {
      result += char;
      upperNext = char === '-' || char === "'";
    }
    index += char.length;
  }
  // Casing a decomposed accent can leave text that is not NFC; only non-ASCII text can.
  return changed ? result.normalize('NFC') : result;
}

/** `mc` + three or more letters → `Mc` + capital (`MCDONALD` → `McDonald`); `Mac` is never touched (§1, §6). */
const MC_PREFIX = /(^|-)Mc(\p{Ll})(?=\p{Ll}{2})/gu;

/** {@link capitalizeWord} with the `Mc` rule of personal names and organizations, also after a hyphen. */
export function capitalizeNameWord(word: string): string {
  const capitalized = capitalizeWord(word);
  if (!capitalized.includes('Mc')) return capitalized;
  return capitalized.replace(MC_PREFIX, (whole, before: string, letter: string) => {
    const upper = letter.toUpperCase();
    return upper.length === 1 ? `${before}Mc${upper}` : whole;
  });
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
