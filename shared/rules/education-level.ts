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

const TERMS_BY_LEVEL: Readonly<Record<EducationLevel, readonly string[]>> = {
  Primaria: ['primaria', 'basica primaria'],
  Bachiller: [
    'bachiller', 'bachillerato', 'secundaria', 'educacion media', 'grado 11', 'grado once', '11 grado',
    'once', 'undecimo', 'grado undecimo',
    // Fixed names: a bachillerato with a track is still a bachillerato.
    'bachiller tecnico', 'bachiller academico', 'bachillerato tecnico', 'bachillerato academico',
  ],
  Técnico: [
    'tecnico', 'tecnica', 'tecnico laboral', 'tecnica laboral',
    // Fixed names: the `técnico profesional` title is a technical degree, not a professional one.
    'tecnico profesional', 'tecnica profesional',
  ],
  Tecnólogo: ['tecnologo', 'tecnologa', 'tecnologia', 'tecnologico', 'tecnologica'],
  Profesional: [
    'profesional', 'pregrado', 'universitario', 'universitaria', 'licenciatura', 'licenciado', 'licenciada',
    'ingenieria', 'ingeniero', 'ingeniera',
  ],
  Especialista: ['especializacion', 'especialista', 'especializada', 'especializado'],
  Magíster: ['maestria', 'magister', 'master', 'msc', 'm sc', 'mba'],
  Doctorado: ['doctorado', 'doctor', 'doctora', 'phd', 'ph d', 'posdoctorado', 'postdoctorado'],
};

/** Folded term (one or two words) → rank in EDUCATION_LEVELS. */
const RANK_BY_TERM: ReadonlyMap<string, number> = new Map(
  EDUCATION_LEVELS.flatMap((level, rank) => TERMS_BY_LEVEL[level].map((term) => [term, rank] as const)),
);

const INCOMPLETE_WORDS: ReadonlySet<string> = new Set([
  'incompleto', 'incompleta', 'inconcluso', 'inconclusa', 'cursando', 'estudiante', 'estudiando', 'semestre',
]);
const INCOMPLETE_PHRASES: ReadonlySet<string> = new Set([
  'en curso', 'en proceso', 'sin terminar', 'sin culminar', 'sin finalizar',
  'no terminado', 'no terminada', 'no culminado', 'no culminada',
]);

const FIELD_OF_STUDY_MARKERS: ReadonlySet<string> = new Set(['en', 'de']);
const FIRST_POSTGRADUATE_RANK = EDUCATION_LEVELS.indexOf('Especialista');

const SPACE_BEFORE_PUNCTUATION = /\s+([.,;:])/g;
const PUNCTUATION_RUN = /([.,;:])[.,;:]+/g;

function saysNotCompleted(words: readonly string[]): boolean {
  return words.some(
    (word, index) => INCOMPLETE_WORDS.has(word) || INCOMPLETE_PHRASES.has(`${word} ${words[index + 1] ?? ''}`),
  );
}

interface LevelReading {
  /** Highest rank among the level words before the field of study; -1 when there is none. */
  rank: number;
  /** Highest rank among level words inside the field of study (`… de sistemas con maestría`). */
  rankInFieldOfStudy: number;
}

function readLevels(words: readonly string[]): LevelReading {
  const reading: LevelReading = { rank: -1, rankInFieldOfStudy: -1 };
  let inFieldOfStudy = false;
  let index = 0;
  while (index < words.length) {
    const word = words[index] ?? '';
    const next = words[index + 1];
    if (reading.rank >= 0 && (FIELD_OF_STUDY_MARKERS.has(word) || (word === 'con' && next === 'enfasis'))) {
      inFieldOfStudy = true;
    }
    const pairRank = next === undefined ? undefined : RANK_BY_TERM.get(`${word} ${next}`);
    const rank = pairRank ?? RANK_BY_TERM.get(word);
    if (rank !== undefined) {
      if (inFieldOfStudy) reading.rankInFieldOfStudy = Math.max(reading.rankInFieldOfStudy, rank);
      else reading.rank = Math.max(reading.rank, rank);
    }
    index += pairRank === undefined ? 1 : 2;
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
  if (saysNotCompleted(words)) return unrecognized(cleaned);
  const { rank, rankInFieldOfStudy } = readLevels(words);
  const level = EDUCATION_LEVELS[rank];
  if (level === undefined) return unrecognized(cleaned);
  // A postgraduate degree named after the field of study (`Ingeniero de sistemas con maestría`)
  // does not change the contract's answer, but the model may read the whole sentence.
  const mentionsHigherDegree = rankInFieldOfStudy > rank && rankInFieldOfStudy >= FIRST_POSTGRADUATE_RANK;
  return mentionsHigherDegree ? undecided(level, []) : decided(level);
}
