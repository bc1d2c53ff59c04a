import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeOccupation } from '#shared/rules/occupation.ts';
import { expectWellFormed, messyText } from './messy-input.ts';
import { labeledRecords } from './labeled-set.ts';

const FIELD = 'ocupacionActual';
const valueOf = (input: string) => normalizeOccupation(input).value;

describe('normalizeOccupation — contract §5 examples', () => {
  it.each([
    ['ANALISTA DE DATOS', 'Analista de Datos'],
    ['TECNICO EN SISTEMAS', 'Tecnico en Sistemas'],
    ['TÉCNICO EN SISTEMAS', 'Técnico en Sistemas'],
    ['ama de casa', 'Ama de Casa'],
    ['JEFE DE COMPRAS', 'Jefe de Compras'],
    ['ing', 'Ingeniero'],
    ['lic', 'Licenciado'],
    ['Lic.', 'Licenciado'],
    ['adm', 'Administrador'],
    ['admin', 'Administrador'],
    ['aux', 'Auxiliar'],
    ['asist', 'Asistente'],
    ['tec', 'Técnico'],
    ['téc', 'Técnico'],
    ['prof', 'Profesor'],
    ['cont', 'Contador'],
    ['Aux. Adm.', 'Auxiliar Administrativo'],
    ['aux admin', 'Auxiliar Administrativo'],
    ['aux cont', 'Auxiliar Contable'],
    ['aux sist', 'Auxiliar Sistemas'],
    ['aux contable', 'Auxiliar Contable'],
    ['asist administrativa', 'Asistente Administrativa'],
    ['cont publico', 'Contador Publico'],
    ['tec electricista', 'Técnico Electricista'],
    ['adm de empresas', 'Administrador de Empresas'],
    ['admin de redes', 'Administrador de Redes'],
    ['AUX DE BODEGA', 'Auxiliar de Bodega'],
    ['prof de matematicas', 'Profesor de Matematicas'],
    ['Ing. Sistemas', 'Ingeniero de Sistemas'],
    ['Ing Sist', 'Ingeniero de Sistemas'],
    ['ing software', 'Ingeniero de Software'],
    ['Ing minas', 'Ingeniero de Minas'],
    ['ing alimentos', 'Ingeniero de Alimentos'],
    ['ING PETRÓLEOS', 'Ingeniero de Petróleos'],
    ['ing telecomunicaciones', 'Ingeniero de Telecomunicaciones'],
    ['ing produccion', 'Ingeniero de Produccion'],
    ['ing materiales', 'Ingeniero de Materiales'],
    ['ing civil', 'Ingeniero Civil'],
    ['Ing. Industrial', 'Ingeniero Industrial'],
    ['Ing. Electrónico', 'Ingeniero Electrónico'],
    ['contadora', 'Contadora'],
    ['GERENTE GENERAL', 'Gerente General'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeOccupation(input)).toEqual({ value: expected, confident: true, flags: [] });
  });

  it.each(['', ' ', '-', '.', 'N/A', 'NA', 'n.a.', 'no aplica', 'ninguno', 'Ninguna', 'null', 'none', 'xxx', '0'])(
    'null-like %j → null',
    (input) => {
      expect(normalizeOccupation(input)).toEqual({ value: null, confident: true, flags: [] });
    },
  );
});

describe('normalizeOccupation — decisions (docs/normalization/occupation.md)', () => {
  it.each([
    // `de` after any Ingeniero/Ingeniera, typed or expanded, never twice.
    ['Ingeniera sistemas', 'Ingeniera de Sistemas'],
    ['INGENIERO SISTEMAS', 'Ingeniero de Sistemas'],
    ['Ing. de software', 'Ingeniero de Software'],
    ['ing redes', 'Ingeniero de Redes'],
    // Only Ingeniero takes an added preposition: nothing else is invented.
    ['Tec. sistemas', 'Técnico Sistemas'],
    ['Téc. en sistemas', 'Técnico en Sistemas'],
    // Abbreviations are whole words; the title list applies to the first word only.
    ['Auxiliar aux', 'Auxiliar Aux'],
    ['Contabilidad', 'Contabilidad'],
    ['aux. cont.', 'Auxiliar Contable'],
    ['Aux.Adm.', 'Auxiliar Administrativo'],
    ['Lic. en educación', 'Licenciado en Educación'],
    // Acronyms: known ones always, typed 2–4 letter capitals unless everything is in capitals.
    ['instructor sena', 'Instructor SENA'],
    ['Analista TI', 'Analista TI'],
    ['ANALISTA TI', 'Analista TI'],
    ['ANALISTA ABC', 'Analista Abc'],
    ['aux TI', 'Auxiliar TI'],
    ['Jefe DE compras', 'Jefe de Compras'],
    // Punctuation.
    ['Docente/investigador', 'Docente/Investigador'],
    ['ventas y/o mercadeo', 'Ventas y/o Mercadeo'],
    ['vendedor (independiente)', 'Vendedor (Independiente)'],
    ['docente - investigador', 'Docente - Investigador'],
    ['docente,', 'Docente'],
    ['- docente -', 'Docente'],
    ['docente , investigador', 'Docente Investigador'],
    ['Call center', 'Call Center'],
    ['A domicilio', 'A Domicilio'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeOccupation(input)).toEqual({ value: expected, confident: true, flags: [] });
  });

  it.each([
    ['docente grado 5', 'Docente Grado 5'],
    ['vendedor@tienda.com', 'Vendedor@tienda Com'],
    ['vendedor*', 'Vendedor*'],
    ['trabajo como vendedor de ropa y calzado en el centro comercial', 'Trabajo Como Vendedor de Ropa y Calzado en el Centro Comercial'],
  ])('not confident, still cased: %j → %j', (input, expected) => {
    expect(normalizeOccupation(input)).toEqual({ value: expected, confident: false, flags: [] });
  });
});

describe('normalizeOccupation — contract v2 §5', () => {
  it.each([
    ['CEO', 'CEO'],
    ['ceo', 'CEO'],
    ['JEFE DE RRHH', 'Jefe de RRHH'],
    ['COORDINADOR DE RRHH', 'Coordinador de RRHH'],
    ['analista de TI', 'Analista de TI'],
    ['gerente de ti', 'Gerente de TI'],
    ['Coordinador SG-SST', 'Coordinador SG-SST'],
    ['COORDINADOR SG-SST', 'Coordinador SG-SST'],
    ['Inspector HSE', 'Inspector HSE'],
    ['ANALISTA QA', 'Analista QA'],
    ['DISEÑADOR UX/UI', 'Diseñador UX/UI'],
    ['Consultor SAP', 'Consultor SAP'],
    ['ANALISTA BI', 'Analista BI'],
    ['LIDER PMO', 'Lider PMO'],
    ['Asesor CRM', 'Asesor CRM'],
    ['CFO', 'CFO'], ['COO', 'COO'], ['CTO', 'CTO'], ['Docente TIC', 'Docente TIC'], ['GESTOR TICS', 'Gestor TICS'],
    ['Técnico ERP', 'Técnico ERP'], ['Soporte IT', 'Soporte IT'],
    // Mixed-case input keeps any other 2–4 letter all-caps token (as §6 does).
    ['Líder de PQR', 'Líder de PQR'],
    ['Aux. Tec.', 'Auxiliar Técnico'],
    ['aux. tec.', 'Auxiliar Técnico'],
    ['Asist. Téc.', 'Asistente Técnico'],
    ['Auxiliar tec', 'Auxiliar Técnico'],
    ['Tec. Tec.', 'Técnico Técnico'],
    ['no labora', 'No Labora'],
    ['sin empresa', 'Sin Empresa'],
    ['desempleado', 'Desempleado'],
    ['ama de casa', 'Ama de Casa'],
    ['pensionado', 'Pensionado'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeOccupation(input)).toEqual({ value: expected, confident: true, flags: [] });
  });

  it.each(['N / A', 'Sin dato', 'no tiene', 'NS/NR', '?', '00', 'x', 'no registra'])('null-like %j → null', (input) => {
    expect(normalizeOccupation(input)).toEqual({ value: null, confident: true, flags: [] });
  });
});

describe('normalizeOccupation — labeled set', () => {
  const cases = labeledRecords
    .filter((record) => FIELD in record.expected)
    .map((record) => ({ id: record.id, input: String(record.input[FIELD]), expected: record.expected[FIELD] }));

  it('covers the labeled occupations', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases)('$id: $input → $expected', ({ input, expected }) => {
    expect(valueOf(input)).toBe(expected);
  });
});

const OCCUPATION_PIECES = [
  'ing', 'ING.', 'aux', 'Aux.', 'adm', 'admin', 'cont', 'sist', 'lic', 'prof', 'téc', 'asist', 'de', 'DE', 'en', 'y', 'o',
  'sistemas', 'software', 'civil', 'bodega', 'contable', 'ingeniera', 'Técnico', 'TI', 'SENA', 'Dane', 'y/o', '/', '-',
  '&', '(', ')', ',', '.', '..', '*', '3', "'", 'Me\u0301dico', '\u200B', 'ñoño',
  'CEO', 'rrhh', 'SG-SST', 'qa', 'tec', 'JEFE', 'ABC', 'mcdonald',
];
const SEPARATORS = [' ', '  ', '\t', '\u00A0', '', ' . ', '.', ',', '/', '-'];

const messyOccupation = messyText(OCCUPATION_PIECES, SEPARATORS, 6);


describe('normalizeOccupation — properties', () => {
  it.each([
    ['messy occupations', messyOccupation],
    ['arbitrary text', fc.string({ maxLength: 40 })],
  ])('is idempotent and well-formed on %s', (_, inputs) => {
    fc.assert(
      fc.property(inputs, (input) => {
        const { value } = normalizeOccupation(input);
        expectWellFormed(value);
        if (value !== null) expect(valueOf(value)).toBe(value);
      }),
      { numRuns: 3000 },
    );
  });

  it('drops every period', () => {
    fc.assert(
      fc.property(messyOccupation, (input) => {
        expect(valueOf(input) ?? '').not.toContain('.');
      }),
      { numRuns: 1000 },
    );
  });
});
