import { casePhraseWord, isShouting, readPhraseTokens, type Token } from './organization.ts';
import { decided, undecided, type RuleResult } from './rule-result.ts';
import { cleanText, foldKey, isNullLike, PHRASE_PARTICLES } from './text-basics.ts';

/** Kind `occupation` (contract §5); see docs/normalization/occupation.md. */

/** Abbreviations of the first word, the title. Keys here and below are folded (`téc` → `tec`). */
const TITLE_ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ['ing', 'Ingeniero'],
  ['lic', 'Licenciado'],
  ['adm', 'Administrador'],
  ['admin', 'Administrador'],
  ['aux', 'Auxiliar'],
  ['asist', 'Asistente'],
  ['tec', 'Técnico'],
  ['prof', 'Profesor'],
  ['cont', 'Contador'],
]);

/** Abbreviations of the words after the first, the area. */
const AREA_ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ['adm', 'Administrativo'],
  ['admin', 'Administrativo'],
  ['cont', 'Contable'],
  ['sist', 'Sistemas'],
  ['tec', 'Técnico'],
]);

/** Contract §5: role and area acronyms, upper case in any input (`CEO`, `Jefe de RRHH`, `Coordinador SG-SST`). */
const ROLE_ACRONYMS: ReadonlySet<string> = new Set([
  'CEO', 'CFO', 'COO', 'CTO', 'TI', 'TIC', 'TICS', 'RRHH', 'SST', 'SG-SST', 'HSE', 'QA', 'UX', 'UI', 'BI', 'ERP',
  'SAP', 'CRM', 'PMO', 'IT',
]);

const LONGEST_ROLE_ACRONYM = 6;

/** A role acronym, or a slash compound of them (`UX/UI`). */
const isRoleAcronym = (core: string): boolean =>
  core.includes('/')
    ? core.split('/').every((part) => part.length <= LONGEST_ROLE_ACRONYM && ROLE_ACRONYMS.has(part.toUpperCase()))
    : core.length <= LONGEST_ROLE_ACRONYM && ROLE_ACRONYMS.has(core.toUpperCase());

const ENGINEER_TITLES: ReadonlySet<string> = new Set(['ingeniero', 'ingeniera']);

/** Fields that are nouns: `Ingeniero de Sistemas`. Adjectives (`Civil`, `Industrial`) take no `de`. */
const ENGINEERING_NOUN_FIELDS: ReadonlySet<string> = new Set([
  'sistemas', 'software', 'alimentos', 'minas', 'petroleos', 'petroleo', 'telecomunicaciones',
  'produccion', 'materiales', 'redes', 'datos', 'procesos', 'sonido',
]);

const ENDS_SEPARATORS = /^[\s,;:\-/&+]+|[\s,;:\-/&+]+$/g;

const DIGIT = /\p{N}/u;
const UNUSUAL_SYMBOL = /[^\p{L}\p{M}\p{N}\s.,&'\-()/]/u;
const EMAIL_OR_URL = /\S@\S|https?:|www\./i;
const MAX_CONFIDENT_CONTENT_WORDS = 5;

interface Word extends Token {
  expansion: string | null;
}

const LONGEST_ABBREVIATION = Math.max(
  ...[...TITLE_ABBREVIATIONS.keys(), ...AREA_ABBREVIATIONS.keys()].map((key) => key.length),
);

function expand(core: string, abbreviations: ReadonlyMap<string, string>): string | null {
  if (core === '' || core.length > LONGEST_ABBREVIATION) return null;
  return abbreviations.get(foldKey(core)) ?? null;
}

function readWords(cleaned: string): Word[] {
  // Periods only ever end abbreviations here (`Aux.Adm.`): they separate words and are dropped.
  return readPhraseTokens(cleaned.replace(/\./g, ' ')).map((token, index) => ({
    ...token,
    expansion: expand(token.core, index === 0 ? TITLE_ABBREVIATIONS : AREA_ABBREVIATIONS),
  }));
}

function withEngineeringDe(words: Word[]): Word[] {
  const [title, field] = words;
  if (!title || !field) return words;
  const isEngineer = ENGINEER_TITLES.has(foldKey(title.expansion ?? title.core));
  const isNounField = field.lead === '' && ENGINEERING_NOUN_FIELDS.has(foldKey(field.expansion ?? field.core));
  if (!isEngineer || !isNounField) return words;
  return [title, { lead: '', core: 'de', trail: '', expansion: null }, ...words.slice(1)];
}

export function normalizeOccupation(input: string): RuleResult {
  const cleaned = cleanText(input);
  if (isNullLike(cleaned)) return decided(null);

  const typedWords = readWords(cleaned);
  const shouting = isShouting(typedWords.map((word) => word.core), isRoleAcronym);
  const value = withEngineeringDe(typedWords)
    .map(({ lead, core, trail, expansion }, index) => {
      if (core === '') return lead;
      const cased = isRoleAcronym(core) ? core.toUpperCase() : casePhraseWord(core, index === 0, !shouting);
      return lead + (expansion ?? cased) + trail;
    })
    .join(' ')
    .replace(ENDS_SEPARATORS, '');
  if (isNullLike(value)) return decided(null);

  const contentWords = typedWords.filter(
    (word) => word.core !== '' && !PHRASE_PARTICLES.has(word.core.toLowerCase()),
  );
  const confident =
    !DIGIT.test(cleaned) &&
    !UNUSUAL_SYMBOL.test(cleaned) &&
    !EMAIL_OR_URL.test(cleaned) &&
    contentWords.length <= MAX_CONFIDENT_CONTENT_WORDS;
  return confident ? decided(value) : undecided(value, []);
}
