import { decided, undecided, type RuleResult } from './rule-result.ts';
import { cleanText, foldKey, isNullLike, PHRASE_PARTICLES, titleCase } from './text-basics.ts';

/** Kind `educationLevel` (contract §3); see docs/normalization/education-level.md. */

/** The canonical set, from least to most specific. */
export const EDUCATION_LEVELS = [
  'Primaria',
  'Bachiller',
  'Técnico',
  'Tecnólogo',
  'Profesional',
  'Especialista',
  'Magíster',
  'Doctorado',
] as const;

export type EducationLevel = (typeof EDUCATION_LEVELS)[number];

/** Level terms (folded, one to three words); a term names its level whatever surrounds it. */
const TERMS_BY_LEVEL: Readonly<Record<EducationLevel, readonly string[]>> = {
  Primaria: ['primaria', 'basica primaria'],
  Bachiller: [
    'bachiller', 'bachillerato', 'secundaria', 'educacion media', 'grado 11', 'grado once', '11 grado', 'once grado',
    'once', 'undecimo', 'grado undecimo', 'undecimo grado',
    // Fixed names: a bachillerato with a track is still a bachillerato.
    'bachiller tecnico', 'bachiller academico', 'bachillerato tecnico', 'bachillerato academico',
  ],
  Técnico: [
    'tecnico', 'tecnica', 'tecnico laboral', 'tecnica laboral',
    // Fixed names: the `técnico profesional` title is a technical degree, not a professional one.
    'tecnico profesional', 'tecnica profesional',
  ],
  Tecnólogo: [
    'tecnologo', 'tecnologa', 'tecnologia', 'tecnologico', 'tecnologica',
    'tecnologo profesional', 'tecnologa profesional', 'tecnologia profesional',
  ],
  Profesional: [
    'profesional', 'pregrado', 'universitario', 'universitaria', 'licenciatura', 'licenciado', 'licenciada',
    'ingenieria', 'ingeniero', 'ingeniera',
    // Professions that require a university degree.
    'abogado', 'abogada', 'medico', 'medica', 'contador publico', 'contadora publica', 'odontologo', 'odontologa',
    'psicologo', 'psicologa', 'arquitecto', 'arquitecta', 'economista', 'administrador de empresas',
    'administradora de empresas', 'comunicador social', 'comunicadora social', 'trabajador social',
    'trabajadora social',
  ],
  Especialista: ['especializacion', 'especialista', 'especializada', 'especializado', 'especialidad'],
  Magíster: ['maestria', 'magister', 'master', 'msc', 'm sc', 'mba'],
  Doctorado: ['doctorado', 'doctor', 'doctora', 'phd', 'ph d', 'posdoctorado', 'postdoctorado'],
};

const PRIMARIA_RANK = EDUCATION_LEVELS.indexOf('Primaria');
const BACHILLER_RANK = EDUCATION_LEVELS.indexOf('Bachiller');
const FIRST_POSTGRADUATE_RANK = EDUCATION_LEVELS.indexOf('Especialista');

interface LevelTerm {
  rank: number;
  /** A school grade below the last one of its level (`grado 7`, `tercero de primaria`). */
  incomplete: boolean;
}

const PRIMARY_ORDINALS = ['primero', 'primer', 'segundo', 'tercero', 'tercer', 'cuarto', 'quinto'];
const SECONDARY_ORDINALS = ['sexto', 'septimo', 'setimo', 'octavo', 'noveno', 'decimo'];

/** Contract §3 school grades: `grado 1`–`grado 10`, `primero`…`décimo`, `… de primaria`, `… de bachillerato`. */
function schoolGradeTerms(): [string, LevelTerm][] {
  const primary: LevelTerm = { rank: PRIMARIA_RANK, incomplete: true };
  const secondary: LevelTerm = { rank: BACHILLER_RANK, incomplete: true };
  const terms: [string, LevelTerm][] = [];
  const addGrade = (grade: string, term: LevelTerm): void => {
    terms.push([grade, term], [`grado ${grade}`, term], [`${grade} grado`, term]);
  };
  for (let grade = 1; grade <= 10; grade++) {
    const term = grade <= 5 ? primary : secondary;
    terms.push([`grado ${grade}`, term], [`${grade} grado`, term]);
  }
  for (const ordinal of PRIMARY_ORDINALS) {
    addGrade(ordinal, primary);
    terms.push([`${ordinal} de primaria`, primary]);
    terms.push([`${ordinal} de bachillerato`, secondary], [`${ordinal} de secundaria`, secondary]);
  }
  for (const ordinal of SECONDARY_ORDINALS) {
    addGrade(ordinal, secondary);
    terms.push([`${ordinal} de bachillerato`, secondary], [`${ordinal} de secundaria`, secondary]);
  }
  return terms;
}

/** Folded term → its level; school grades add `incomplete`. */
const TERMS: ReadonlyMap<string, LevelTerm> = new Map([
  ...EDUCATION_LEVELS.flatMap((level, rank) =>
    TERMS_BY_LEVEL[level].map((term): [string, LevelTerm] => [term, { rank, incomplete: false }]),
  ),
  ...schoolGradeTerms(),
]);

const LONGEST_TERM_WORDS = Math.max(...[...TERMS.keys()].map((term) => term.split(' ').length));

/** Bare ordinals are school grades, except when they count semesters (`séptimo semestre de derecho`). */
const ORDINALS: ReadonlySet<string> = new Set([...PRIMARY_ORDINALS, ...SECONDARY_ORDINALS]);
const SEMESTER_WORDS: ReadonlySet<string> = new Set(['semestre', 'semestres']);

/** Contract §3 completion words: the level was started, not finished. */
const INCOMPLETE_WORDS: ReadonlySet<string> = new Set([
  'incompleto', 'incompleta', 'inconcluso', 'inconclusa', 'cursando', 'estudiante', 'estudiando', 'semestre',
  'semestres',
]);
const INCOMPLETE_PHRASES: ReadonlySet<string> = new Set([
  'en curso', 'en proceso', 'sin terminar', 'sin culminar', 'sin finalizar',
  'no terminado', 'no terminada', 'no culminado', 'no culminada',
]);
/** `Magíster (c)`: candidate, not yet graduated. */
const CANDIDATE_MARK = /\(\s*c\s*\)/i;

const FIELD_OF_STUDY_MARKERS: ReadonlySet<string> = new Set(['en', 'de']);

const SPACE_BEFORE_PUNCTUATION = /\s+([.,;:])/g;
const PUNCTUATION_RUN = /([.,;:])[.,;:]+/g;

function saysNotCompleted(cleaned: string, words: readonly string[]): boolean {
  return (
    CANDIDATE_MARK.test(cleaned) ||
    words.some((word, index) => INCOMPLETE_WORDS.has(word) || INCOMPLETE_PHRASES.has(`${word} ${words[index + 1] ?? ''}`))
  );
}

interface LevelReading {
  /** Highest rank among the level terms before the field of study; -1 when there is none. */
  rank: number;
  /** The term that gave `rank` is a school grade below the last one. */
  incompleteGrade: boolean;
  /** Highest rank among level terms inside the field of study (`… de sistemas con maestría`). */
  rankInFieldOfStudy: number;
}

/** The longest term starting at `index`; a bare ordinal that counts semesters is not a school grade. */
function termAt(words: readonly string[], index: number): { term: LevelTerm; length: number } | undefined {
  for (let length = Math.min(LONGEST_TERM_WORDS, words.length - index); length >= 1; length--) {
    const term = TERMS.get(words.slice(index, index + length).join(' '));
    if (!term) continue;
    const countsSemesters = length === 1 && ORDINALS.has(words[index] ?? '') && SEMESTER_WORDS.has(words[index + 1] ?? '');
    return countsSemesters ? undefined : { term, length };
  }
  return undefined;
}

function readLevels(words: readonly string[]): LevelReading {
  const reading: LevelReading = { rank: -1, incompleteGrade: false, rankInFieldOfStudy: -1 };
  let inFieldOfStudy = false;
  let index = 0;
  while (index < words.length) {
    const word = words[index] ?? '';
    if (reading.rank >= 0 && (FIELD_OF_STUDY_MARKERS.has(word) || (word === 'con' && words[index + 1] === 'enfasis'))) {
      inFieldOfStudy = true;
    }
    const found = termAt(words, index);
    if (!found) {
      index += 1;
      continue;
    }
    const { term, length } = found;
    if (inFieldOfStudy) {
      reading.rankInFieldOfStudy = Math.max(reading.rankInFieldOfStudy, term.rank);
    } else if (term.rank > reading.rank || (term.rank === reading.rank && !term.incomplete)) {
      reading.rank = term.rank;
      reading.incompleteGrade = term.incomplete;
    }
    index += length;
  }
  return reading;
}

function unrecognized(cleaned: string): RuleResult {
  const tidied = cleaned.replace(SPACE_BEFORE_PUNCTUATION, '$1').replace(PUNCTUATION_RUN, '$1');
  return undecided(titleCase(tidied, PHRASE_PARTICLES), ['unrecognized-education']);
}

export function normalizeEducationLevel(input: string): RuleResult {
  const cleaned = cleanText(input);
  if (isNullLike(cleaned)) return decided(null);

  const words = foldKey(cleaned).split(' ');
  const { rank, incompleteGrade, rankInFieldOfStudy } = readLevels(words);
  const level = EDUCATION_LEVELS[rank];
  if (level === undefined) return unrecognized(cleaned);
  // Contract §0/§3: `incomplete-education` describes the input; the level given with it is confident.
  const flags = incompleteGrade || saysNotCompleted(cleaned, words) ? (['incomplete-education'] as const) : [];
  // A postgraduate degree named after the field of study (`Ingeniero de sistemas con maestría`)
  // does not change the contract's answer, but the model may read the whole sentence.
  const mentionsHigherDegree = rankInFieldOfStudy > rank && rankInFieldOfStudy >= FIRST_POSTGRADUATE_RANK;
  return mentionsHigherDegree ? undecided(level, [...flags]) : decided(level, [...flags]);
}
