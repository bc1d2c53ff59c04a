import { KNOWN_ACRONYMS, KNOWN_ORGANIZATIONS } from './known-organizations.ts';
import { decided, undecided, type RuleResult } from './rule-result.ts';
import { capitalizeNameWord, cleanText, foldKey, isOrganizationNullLike, PHRASE_PARTICLES } from './text-basics.ts';

/** Kind `organization` (contract §6); see docs/normalization/organization.md. */

const CANONICAL_BY_ALIAS: ReadonlyMap<string, string> = new Map(
  KNOWN_ORGANIZATIONS.flatMap(({ canonical, aliases }) =>
    [canonical, ...aliases].map((alias) => [foldKey(alias), canonical] as const),
  ),
);

const KNOWN_ACRONYM_SET: ReadonlySet<string> = new Set(KNOWN_ACRONYMS);
const MAX_KNOWN_ACRONYM_LENGTH = Math.max(...KNOWN_ACRONYMS.map((acronym) => acronym.length));

/** Typed all-caps abbreviations that are ordinary words, never acronyms (`& CIA` → `& Cia`). */
const ABBREVIATIONS_NOT_ACRONYMS: ReadonlySet<string> = new Set(['cia', 'cía', 'hnos']);

// Trailing legal form, separated from the name by spaces, commas or a hyphen.
const LEGAL_FORM_AT_END = /[\s,;-]+(s\.?\s*a\.?\s*s|s\.?\s*a|ltda|e\.?\s*u|s(?:\.\s*|\s+)en\s+c)\.?$/iu;

const LEGAL_FORM_CANONICAL: ReadonlyMap<string, string> = new Map([
  ['sas', 'S.A.S.'],
  ['sa', 'S.A.'],
  ['ltda', 'Ltda.'],
  ['eu', 'E.U.'],
  ['senc', 'S. en C.'],
]);

const SPACE_BEFORE_PUNCTUATION = /\s+([.,;:])/g;
const PUNCTUATION_RUN = /([.,;:])[.,;:]+/g;
const LEADING_SEPARATORS = /^[\s.,;:\-/&+]+/;
const TRAILING_SEPARATORS = /[\s,;:\-/&+]+$/;
/** Tokens without letters or digits that still join words inside a name (`Pérez & Cía`). */
const JOINING_SYMBOLS: ReadonlySet<string> = new Set(['&', '-', '/', '+']);

const LEADING_NON_WORD = /^[^\p{L}\p{N}]+/u;
const TRAILING_NON_WORD = /[^\p{L}\p{N}]+$/u;
const DOTTED_ACRONYM = /^(?:\p{L}\p{M}*\.)+\p{L}\p{M}*$/u;
const TYPED_ACRONYM = /^\p{Lu}{2,4}$/u;
const LOWER_CASE_LETTER = /\p{Ll}/u;
const TWO_LETTERS_IN_A_ROW = /\p{L}\p{M}*\p{L}/u;

const UNUSUAL_SYMBOL = /[^\p{L}\p{M}\p{N}\s.,&'\-()/+]/u;
const EMAIL_OR_URL = /\S@\S|https?:|www\./i;
const MAX_CONFIDENT_WORDS = 8;

export interface Token {
  lead: string;
  core: string;
  trail: string;
}

/** Splits a space-free token into leading punctuation, the word, and trailing punctuation. */
function splitToken(token: string): Token {
  const lead = LEADING_NON_WORD.exec(token)?.[0] ?? '';
  if (lead.length === token.length) return { lead: token, core: '', trail: '' };
  const trail = TRAILING_NON_WORD.exec(token)?.[0] ?? '';
  return { lead, core: token.slice(lead.length, token.length - trail.length), trail };
}

/**
 * Words of a phrase with their punctuation. Tokens without letters or digits survive only as
 * joining symbols between two words (`Pérez & Cía`), so the first token is always a word.
 */
export function readPhraseTokens(text: string): Token[] {
  const tokens: Token[] = [];
  for (const piece of text.split(' ')) {
    if (piece === '') continue;
    const token = splitToken(piece);
    if (token.core !== '' || JOINING_SYMBOLS.has(token.lead)) tokens.push(token);
  }
  while (tokens[0]?.core === '') tokens.shift();
  while (tokens.at(-1)?.core === '') tokens.pop();
  return tokens;
}

/** Known acronyms are plain ASCII, so no accent folding is needed (it would cost more than the rest). */
function isKnownAcronym(core: string): boolean {
  return core.length <= MAX_KNOWN_ACRONYM_LENGTH && KNOWN_ACRONYM_SET.has(core.toUpperCase());
}

/**
 * Contract §6: typed 2–4 letter all-caps tokens are kept as acronyms unless the whole value is
 * written in capitals. Only words that still show lower case once normalized count as evidence (not
 * known or dotted acronyms, nor what `isAlwaysUpper` says the caller upper-cases, not `A'a` → `A'A`),
 * so normalizing a normalized value decides the same way.
 */
export function isShouting(cores: readonly string[], isAlwaysUpper: (core: string) => boolean = () => false): boolean {
  const evidence = cores.filter(
    (core) =>
      TWO_LETTERS_IN_A_ROW.test(core) && !isKnownAcronym(core) && !DOTTED_ACRONYM.test(core) && !isAlwaysUpper(core),
  );
  return evidence.length > 0 && evidence.every((core) => !LOWER_CASE_LETTER.test(core));
}

/** Phrase casing shared by occupations and organizations: acronyms, particles, title case. */
export function casePhraseWord(core: string, isFirst: boolean, keepTypedAcronyms: boolean): string {
  if (isKnownAcronym(core)) return core.toUpperCase();
  const lower = core.toLowerCase();
  if (
    keepTypedAcronyms &&
    TYPED_ACRONYM.test(core) &&
    !PHRASE_PARTICLES.has(lower) &&
    !ABBREVIATIONS_NOT_ACRONYMS.has(lower)
  ) {
    return core;
  }
  if (!core.includes('/')) return !isFirst && PHRASE_PARTICLES.has(lower) ? lower : capitalizeNameWord(core);
  // `Import/Export`, `y/o`: each part of a slash compound is cased on its own.
  return core
    .split('/')
    .map((part, index) => {
      const lowerPart = part.toLowerCase();
      return !(isFirst && index === 0) && PHRASE_PARTICLES.has(lowerPart) ? lowerPart : capitalizeNameWord(part);
    })
    .join('/');
}

function formatNameWord({ lead, core, trail }: Token, isFirst: boolean, shouting: boolean, joinDotted: boolean): string {
  if (DOTTED_ACRONYM.test(core)) {
    const joined = joinDottedAcronym(core);
    if (joinDotted || isKnownAcronym(joined)) return `${lead}${joined}${trail.replace(/^\./, '')}`;
    // Its final period absorbs punctuation right after it, as PUNCTUATION_RUN would on the next run.
    return `${lead}${core.toUpperCase()}.${trail.replace(/^[.,;:]+/, '')}`;
  }
  return lead + casePhraseWord(core, isFirst, !shouting) + trail;
}

/** `I.C.B.F` → `ICBF` (contract §6). */
const joinDottedAcronym = (core: string): string => core.replace(/\./g, '').toUpperCase();

/** 2–4 letters that a second pass keeps as a typed acronym (not `CIA`, not a particle such as `DE`). */
function isJoinableAcronym(joined: string): boolean {
  const lower = joined.toLowerCase();
  return TYPED_ACRONYM.test(joined) && !PHRASE_PARTICLES.has(lower) && !ABBREVIATIONS_NOT_ACRONYMS.has(lower);
}

/**
 * Contract §6 joins dotted acronyms (`I.C.B.F.` → `ICBF`). A joined acronym must come back upper
 * case on a second pass: known acronyms always do; others only as a 2–4 letter all-caps token in a
 * value that does not read as all capitals. Otherwise it keeps its periods (`A.B.C.` alone).
 */
function formatName(tokens: readonly Token[]): string {
  const shouting = isShouting(tokens.map((token) => token.core));
  const format = (joinDotted: boolean): string =>
    tokens
      .map((token, index) => {
        if (token.core === '') return token.lead;
        const joinable = joinDotted && DOTTED_ACRONYM.test(token.core) && isJoinableAcronym(joinDottedAcronym(token.core));
        return formatNameWord(token, index === 0, shouting, joinable);
      })
      .join(' ')
      .replace(LEADING_SEPARATORS, '')
      .replace(TRAILING_SEPARATORS, '');
  // Without a dotted acronym to join, both ways read the same: no second look is needed.
  if (!tokens.some((token) => DOTTED_ACRONYM.test(token.core))) return format(false);
  const joined = format(true);
  const readsAsCapitals = isShouting(readPhraseTokens(joined).map((token) => token.core));
  return readsAsCapitals ? format(false) : joined;
}

function splitLegalForm(text: string): { name: string; legalForm: string | null } {
  const match = LEGAL_FORM_AT_END.exec(text);
  if (!match?.[1]) return { name: text, legalForm: null };
  const name = text.slice(0, match.index).replace(TRAILING_SEPARATORS, '');
  if (!/[\p{L}\p{N}]/u.test(name)) return { name: text, legalForm: null };
  return { name, legalForm: LEGAL_FORM_CANONICAL.get(foldKey(match[1]).replace(/ /g, '')) ?? null };
}

/** Country words that may follow a known organization's alias (`BBVA Colombia`, `IBM de Colombia`). */
const COUNTRY_SUFFIX = / (?:de )?colombia$/;

/**
 * Contract §6: the whole folded name (dotted acronyms joined) equals an alias, or an alias
 * followed by the country (`IBM de Colombia` → IBM; the contract accepts either answer).
 */
function knownOrganization(tokens: readonly Token[]): string | undefined {
  const joined = tokens
    .map(({ core }) => (DOTTED_ACRONYM.test(core) ? joinDottedAcronym(core) : core))
    .join(' ');
  const folded = foldKey(joined);
  return CANONICAL_BY_ALIAS.get(folded) ?? CANONICAL_BY_ALIAS.get(folded.replace(COUNTRY_SUFFIX, ''));
}

export function normalizeOrganization(input: string): RuleResult {
  const cleaned = cleanText(input);
  if (isOrganizationNullLike(cleaned)) return decided(null);

  // Stray symbols go before the legal form is looked for, so a normalized value splits the same way.
  const tidied = readPhraseTokens(cleaned.replace(SPACE_BEFORE_PUNCTUATION, '$1').replace(PUNCTUATION_RUN, '$1'))
    .map(({ lead, core, trail }) => lead + core + trail)
    .join(' ')
    .replace(LEADING_SEPARATORS, '')
    .replace(TRAILING_SEPARATORS, '');
  const { name, legalForm } = splitLegalForm(tidied);

  const nameTokens = readPhraseTokens(name);
  const known = knownOrganization(nameTokens);
  if (known) return decided(known);

  const formattedName = formatName(nameTokens);
  const value = legalForm ? `${formattedName} ${legalForm}` : formattedName;
  if (isOrganizationNullLike(value)) return decided(null);

  const confident =
    !UNUSUAL_SYMBOL.test(cleaned) && !EMAIL_OR_URL.test(cleaned) && value.split(' ').length <= MAX_CONFIDENT_WORDS;
  return confident ? decided(value) : undecided(value, []);
}
