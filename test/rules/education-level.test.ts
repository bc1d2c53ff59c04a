import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EDUCATION_LEVELS, normalizeEducationLevel } from '#shared/rules/education-level.ts';
import { expectWellFormed, messyText } from './messy-input.ts';
import { labeledRecords } from './labeled-set.ts';

const FIELD = 'nivelEducativo';

describe('EDUCATION_LEVELS', () => {
  it('is the canonical set of the contract, least to most specific', () => {
    expect(EDUCATION_LEVELS).toEqual([
      'Primaria', 'Bachiller', 'Técnico', 'Tecnólogo', 'Profesional', 'Especialista', 'Magíster', 'Doctorado',
    ]);
  });

  it.each(EDUCATION_LEVELS.map((level) => [level]))('canonical %j maps to itself, confidently', (level) => {
    expect(normalizeEducationLevel(level)).toEqual({ value: level, confident: true, flags: [] });
  });
});

describe('normalizeEducationLevel — contract §3 level words', () => {
  it.each([
    ['doctorado', 'Doctorado'], ['doctor', 'Doctorado'], ['doctora', 'Doctorado'], ['PhD', 'Doctorado'], ['Ph.D', 'Doctorado'],
    ['Ph.D.', 'Doctorado'],
    ['maestría', 'Magíster'], ['magíster', 'Magíster'], ['Master', 'Magíster'], ['MSc', 'Magíster'], ['M.Sc', 'Magíster'],
    ['MBA', 'Magíster'], ['maestria', 'Magíster'], ['magister', 'Magíster'],
    ['especialización', 'Especialista'], ['especialista', 'Especialista'], ['especializada', 'Especialista'],
    ['especializado', 'Especialista'], ['ESPECIALIZACION', 'Especialista'],
    ['tecnólogo', 'Tecnólogo'], ['tecnóloga', 'Tecnólogo'], ['tecnología', 'Tecnólogo'], ['tecnológico', 'Tecnólogo'],
    ['tecnologo', 'Tecnólogo'],
    ['técnico', 'Técnico'], ['técnica', 'Técnico'], ['Técnico laboral', 'Técnico'], ['TECNICO', 'Técnico'],
    ['profesional', 'Profesional'], ['pregrado', 'Profesional'], ['Universitario', 'Profesional'],
    ['universitaria', 'Profesional'], ['licenciatura', 'Profesional'], ['licenciado', 'Profesional'],
    ['licenciada', 'Profesional'], ['ingeniería', 'Profesional'], ['ingeniero', 'Profesional'], ['ingeniera', 'Profesional'],
    ['bachiller', 'Bachiller'], ['bachillerato', 'Bachiller'], ['secundaria', 'Bachiller'], ['educación media', 'Bachiller'],
    ['grado 11', 'Bachiller'], ['once', 'Bachiller'],
    ['primaria', 'Primaria'], ['Básica primaria', 'Primaria'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeEducationLevel(input)).toEqual({ value: expected, confident: true, flags: [] });
  });
});

describe('normalizeEducationLevel — contract §3 field of study, specificity, fixed names', () => {
  it.each([
    ['Profesional con especialización', 'Especialista'],
    ['Pregrado con maestría', 'Magíster'],
    ['técnico profesional', 'Técnico'],
    ['Técnico profesional en sistemas', 'Técnico'],
    ['bachiller técnico', 'Bachiller'],
    ['bachiller académico', 'Bachiller'],
    ['Profesional en multimedia', 'Profesional'],
    ['Licenciatura en Tecnología e Informática', 'Profesional'],
    ['TECNOLOGÍA EN SISTEMAS', 'Tecnólogo'],
    ['técnica en enfermería', 'Técnico'],
    ['BACHILLERATO COMPLETO', 'Bachiller'],
    ['Licenciada en biología', 'Profesional'],
    ['Maestría en educación', 'Magíster'],
    ['doctorado en ciencias', 'Doctorado'],
    ['Especialista en gerencia', 'Especialista'],
    ['Profesional en diseño gráfico', 'Profesional'],
    ['Tecnólogo en gestión empresarial', 'Tecnólogo'],
    ['Licenciatura en matemáticas', 'Profesional'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeEducationLevel(input)).toEqual({ value: expected, confident: true, flags: [] });
  });

  it.each([
    ['Posgrado', 'Posgrado'],
    ['bachillerato incompleto', 'Bachillerato Incompleto'],
    ['Primaria incompleta', 'Primaria Incompleta'],
    ['ingeniería en curso', 'Ingeniería en Curso'],
    ['cursando tecnología', 'Cursando Tecnología'],
    ['estudiante de ingeniería', 'Estudiante de Ingeniería'],
    ['ESTUDIANTE', 'Estudiante'],
    ['sin estudios', 'Sin Estudios'],
  ])('not decided: %j → %j, flagged', (input, expected) => {
    expect(normalizeEducationLevel(input)).toEqual({ value: expected, confident: false, flags: ['unrecognized-education'] });
  });

  it.each(['', '  ', '-', '.', 'N/A', 'NA', 'n.a.', 'no aplica', 'Ninguno', 'ninguna', 'null', 'none', 'xxx', '0'])(
    'null-like %j → null',
    (input) => {
      expect(normalizeEducationLevel(input)).toEqual({ value: null, confident: true, flags: [] });
    },
  );
});

describe('normalizeEducationLevel — decisions (docs/normalization/education-level.md)', () => {
  it.each([
    // `de`/`en` before any level word is not a field of study.
    ['Título de bachiller', 'Bachiller'],
    ['Nivel de tecnólogo', 'Tecnólogo'],
    // `con` alone joins levels; only `con énfasis` opens the field of study.
    ['Profesional con énfasis en finanzas', 'Profesional'],
    ['Ingeniero con especialización', 'Especialista'],
    ['grado 11°', 'Bachiller'],
    ['Grado once', 'Bachiller'],
    ['undécimo grado', 'Bachiller'],
    ['Posdoctorado', 'Doctorado'],
    ['técnica laboral en cocina', 'Técnico'],
    ['Bachiller, técnico', 'Bachiller'],
    ['Técnico y tecnólogo', 'Tecnólogo'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeEducationLevel(input)).toEqual({ value: expected, confident: true, flags: [] });
  });

  it.each([
    ['Ingeniero de sistemas con maestría', 'Profesional'],
    ['Profesional en derecho con especialización en familia', 'Profesional'],
  ])('a postgraduate degree inside the field of study keeps the contract value but is not confident: %j', (input, expected) => {
    expect(normalizeEducationLevel(input)).toEqual({ value: expected, confident: false, flags: [] });
  });

  it.each([
    ['semestre 5 de ingeniería', 'Semestre 5 de Ingeniería'],
    ['Técnico sin terminar', 'Técnico sin Terminar'],
    ['Posgrado..', 'Posgrado.'],
    ['Posgrado . .', 'Posgrado.'],
    ['11', '11'],
  ])('not decided: %j → %j, flagged', (input, expected) => {
    expect(normalizeEducationLevel(input)).toEqual({ value: expected, confident: false, flags: ['unrecognized-education'] });
  });
});

describe('normalizeEducationLevel — labeled set', () => {
  const withField = labeledRecords.filter((record) => FIELD in record.input || FIELD in record.expected);
  const valueCases = withField
    .filter((record) => FIELD in record.expected)
    .map((record) => ({ id: record.id, input: String(record.input[FIELD]), expected: record.expected[FIELD] }));
  const flagCases = withField.flatMap((record) => {
    const flags = record.expectedFlags?.[FIELD];
    if (flags === undefined) return [];
    return [{ id: record.id, input: String(record.input[FIELD]), flags: [flags].flat() }];
  });

  it('covers the labeled education values and flags', () => {
    expect(valueCases.length).toBeGreaterThan(20);
    expect(flagCases.length).toBeGreaterThan(0);
  });

  it.each(valueCases)('$id: $input → $expected', ({ input, expected }) => {
    expect(normalizeEducationLevel(input).value).toBe(expected);
  });

  it.each(flagCases)('$id: $input is flagged $flags', ({ input, flags }) => {
    const result = normalizeEducationLevel(input);
    expect(result.flags).toEqual(expect.arrayContaining(flags));
    expect(result.confident).toBe(false);
  });
});

const EDUCATION_PIECES = [
  'bachiller', 'BACHILLERATO', 'técnico', 'Tecnologo', 'PROFESIONAL', 'especialización', 'maestría', 'Ph.D', 'MBA',
  'doctorado', 'primaria', 'básica', 'grado', '11', 'once', 'en', 'de', 'con', 'énfasis', 'sistemas', 'incompleto',
  'en curso', 'posgrado', 'licenciada', 'e', 'y', '.', '..', ',', '-', '*', 'Me\u0301dico', '\u200B',
];
const SEPARATORS = [' ', '  ', '\t', '\u00A0', '', ' . ', ',', '/'];

const messyEducation = messyText(EDUCATION_PIECES, SEPARATORS, 6);


describe('normalizeEducationLevel — properties', () => {
  it.each([
    ['messy education text', messyEducation],
    ['arbitrary text', fc.string({ maxLength: 40 })],
  ])('is idempotent and well-formed on %s', (_, inputs) => {
    fc.assert(
      fc.property(inputs, (input) => {
        const result = normalizeEducationLevel(input);
        expectWellFormed(result.value);
        if (result.value === null) return;
        expect(normalizeEducationLevel(result.value).value).toBe(result.value);
        const isCanonical = (EDUCATION_LEVELS as readonly string[]).includes(result.value);
        expect(isCanonical || result.flags.includes('unrecognized-education')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
