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
    ['Curso de cocina', 'Curso de Cocina'],
    ['Estudiante de inglés', 'Estudiante de Inglés'],
    ['ESTUDIANTE', 'Estudiante'],
    ['sin estudios', 'Sin Estudios'],
  ])('not decided: %j → %j, flagged', (input, expected) => {
    expect(normalizeEducationLevel(input)).toEqual({ value: expected, confident: false, flags: ['unrecognized-education'] });
  });

  it.each([
    '', '  ', '-', '.', 'N/A', 'NA', 'n.a.', 'no aplica', 'Ninguno', 'ninguna', 'null', 'none', 'xxx', '0', 'N / A', '?',
    '00', 'no tiene', 'Sin dato', 'SIN INFORMACIÓN', 'ns/nr', 'NS / NR', 's/d', 'nr', 'no sabe', 'x',
  ])(
    'null-like %j → null',
    (input) => {
      expect(normalizeEducationLevel(input)).toEqual({ value: null, confident: true, flags: [] });
    },
  );
});

describe('normalizeEducationLevel — contract v2 §3', () => {
  it.each([
    ['tecnólogo profesional', 'Tecnólogo'],
    ['Tecnología profesional en sistemas', 'Tecnólogo'],
    ['Especialidad médica', 'Especialista'],
    ['Undécimo', 'Bachiller'],
    ['once', 'Bachiller'],
    ['grado 11', 'Bachiller'],
    ['Abogado', 'Profesional'], ['abogada', 'Profesional'], ['Médico', 'Profesional'], ['Médica general', 'Profesional'],
    ['contador público', 'Profesional'], ['Contadora pública', 'Profesional'], ['odontólogo', 'Profesional'],
    ['Odontóloga', 'Profesional'], ['psicólogo', 'Profesional'], ['psicóloga', 'Profesional'], ['arquitecto', 'Profesional'],
    ['Arquitecta', 'Profesional'], ['Economista', 'Profesional'], ['administrador de empresas', 'Profesional'],
    ['Administradora de Empresas', 'Profesional'], ['comunicador social', 'Profesional'],
    ['Comunicadora social', 'Profesional'], ['trabajador social', 'Profesional'], ['Trabajadora social', 'Profesional'],
    ['Médico especialista en pediatría', 'Especialista'],
    ['Abogado con maestría en derecho penal', 'Magíster'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeEducationLevel(input)).toEqual({ value: expected, confident: true, flags: [] });
  });

  it.each([
    ['Bachillerato incompleto', 'Bachiller'],
    ['secundaria incompleta', 'Bachiller'],
    ['Primaria incompleta', 'Primaria'],
    ['Estudiante universitario', 'Profesional'],
    ['5 semestre de ingeniería', 'Profesional'],
    ['semestre 5 de ingeniería', 'Profesional'],
    ['Magíster (c)', 'Magíster'],
    ['Doctorado (C)', 'Doctorado'],
    ['Técnico en curso', 'Técnico'],
    ['Técnico sin terminar', 'Técnico'],
    ['Tecnólogo sin culminar', 'Tecnólogo'],
    ['Licenciatura inconclusa', 'Profesional'],
    ['ingeniería en curso', 'Profesional'],
    ['cursando tecnología', 'Tecnólogo'],
    ['estudiante de ingeniería', 'Profesional'],
    ['cursando especialización', 'Especialista'],
    ['Universitario incompleto', 'Profesional'],
  ])('an incomplete level keeps its level, flagged and confident: %j → %j', (input, expected) => {
    expect(normalizeEducationLevel(input)).toEqual({ value: expected, confident: true, flags: ['incomplete-education'] });
  });

  it.each([
    ['grado 1', 'Primaria'], ['grado 5', 'Primaria'], ['primero', 'Primaria'], ['tercero de primaria', 'Primaria'],
    ['quinto', 'Primaria'], ['quinto de primaria', 'Primaria'], ['grado 6', 'Bachiller'], ['grado 10', 'Bachiller'],
    ['sexto', 'Bachiller'], ['séptimo', 'Bachiller'], ['noveno', 'Bachiller'], ['décimo', 'Bachiller'],
    ['primero de bachillerato', 'Bachiller'], ['quinto de bachillerato', 'Bachiller'], ['grado 7', 'Bachiller'],
    ['Grado noveno', 'Bachiller'], ['9 grado', 'Bachiller'],
  ])('a school grade gives its level, flagged incomplete: %j → %j', (input, expected) => {
    expect(normalizeEducationLevel(input)).toEqual({ value: expected, confident: true, flags: ['incomplete-education'] });
  });

  it('keeps the flag off a higher level given beside a school grade', () => {
    expect(normalizeEducationLevel('grado 9 y técnico en sistemas')).toEqual({ value: 'Técnico', confident: true, flags: [] });
  });
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
    ['cursando séptimo semestre de derecho', 'Cursando Séptimo Semestre de Derecho'],
    ['quinto semestre de psicología', 'Quinto Semestre de Psicología'],
    ['Contador', 'Contador'],
    ['Administrador', 'Administrador'],
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
    // `incomplete-education` describes the input: the level given with it is confident (contract §0).
    expect(result.confident).toBe(!flags.includes('unrecognized-education'));
  });
});

const EDUCATION_PIECES = [
  'bachiller', 'BACHILLERATO', 'técnico', 'Tecnologo', 'PROFESIONAL', 'especialización', 'maestría', 'Ph.D', 'MBA',
  'doctorado', 'primaria', 'básica', 'grado', '11', 'once', 'en', 'de', 'con', 'énfasis', 'sistemas', 'incompleto',
  'en curso', 'posgrado', 'licenciada', 'e', 'y', '.', '..', ',', '-', '*', 'Me\u0301dico', '\u200B',
  'abogada', 'estudiante', 'semestre', '(c)', 'séptimo', 'quinto', 'grado 7', 'profesional', 'especialidad',
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
        expect(isCanonical !== result.flags.includes('unrecognized-education')).toBe(true);
        if (result.flags.includes('incomplete-education')) expect(isCanonical).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
