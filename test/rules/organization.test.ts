import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KNOWN_ACRONYMS, KNOWN_ORGANIZATIONS } from '#shared/rules/known-organizations.ts';
import { normalizeOrganization } from '#shared/rules/organization.ts';
import { foldKey } from '#shared/rules/text-basics.ts';
import { expectWellFormed, messyText } from './messy-input.ts';
import { labeledRecords } from './labeled-set.ts';

const FIELD = 'empresa';
const valueOf = (input: string) => normalizeOrganization(input).value;

describe('known organizations data', () => {
  const aliasOwners = new Map<string, string[]>();
  for (const { canonical, aliases } of KNOWN_ORGANIZATIONS) {
    for (const alias of [canonical, ...aliases]) {
      aliasOwners.set(foldKey(alias), [...(aliasOwners.get(foldKey(alias)) ?? []), canonical]);
    }
  }

  it('gives every alias a single organization', () => {
    const shared = [...aliasOwners].filter(([, owners]) => new Set(owners).size > 1);
    expect(shared).toEqual([]);
  });

  it('has no alias ending with a legal form, which would be removed before lookup', () => {
    const endingWithLegalForm = [...aliasOwners.keys()].filter((alias) => /(?:^| )(?:sas|sa|ltda|eu|s en c)$/.test(alias));
    expect(endingWithLegalForm).toEqual([]);
  });

  it.each(KNOWN_ORGANIZATIONS.map(({ canonical }) => [canonical]))('canonical %j maps to itself', (canonical) => {
    expect(normalizeOrganization(canonical)).toEqual({ value: canonical, confident: true, flags: [] });
  });

  it.each(KNOWN_ORGANIZATIONS.flatMap(({ canonical, aliases }) => aliases.map((alias) => [alias, canonical])))(
    'alias %j → %j',
    (alias, canonical) => {
      expect(valueOf(alias)).toBe(canonical);
      expect(valueOf(alias.toUpperCase())).toBe(canonical);
    },
  );

  it('lists known acronyms in upper case, without the legal forms', () => {
    for (const acronym of KNOWN_ACRONYMS) expect(acronym).toMatch(/^[A-Z0-9]{2,}$/);
    expect(KNOWN_ACRONYMS).not.toContain('SAS');
    expect(KNOWN_ACRONYMS).toEqual(expect.arrayContaining(['SENA', 'ICBF', 'DIAN', 'EPM', 'ETB', 'UNAD', 'BBVA', 'IBM']));
  });
});

describe('normalizeOrganization — contract §6 examples', () => {
  it.each([
    ['sena', 'SENA'],
    ['servicio nacional de aprendizaje', 'SENA'],
    ['unal', 'Universidad Nacional de Colombia'],
    ['universidad nacional', 'Universidad Nacional de Colombia'],
    ['uniandes', 'Universidad de los Andes'],
    ['udea', 'Universidad de Antioquia'],
    ['javeriana', 'Pontificia Universidad Javeriana'],
    ['puj', 'Pontificia Universidad Javeriana'],
    ['unad', 'Universidad Nacional Abierta y a Distancia'],
    ['icbf', 'ICBF'],
    ['dian', 'DIAN'],
    ['SENA Regional Antioquia', 'SENA Regional Antioquia'],
    ['sena regional antioquia', 'SENA Regional Antioquia'],
    ['Luis Perez SAS', 'Luis Perez S.A.S.'],
    ['Tienda Augusta', 'Tienda Augusta'],
    ['Senado de la República', 'Senado de la República'],
    ['Clínica del Rosario', 'Clínica del Rosario'],
    ['Arsenal Deportivo SAS', 'Arsenal Deportivo S.A.S.'],
    ['Inversiones Gómez sas', 'Inversiones Gómez S.A.S.'],
    ['Inversiones Gómez s.a.s', 'Inversiones Gómez S.A.S.'],
    ['Inversiones Gómez sa', 'Inversiones Gómez S.A.'],
    ['Inversiones Gómez s.a', 'Inversiones Gómez S.A.'],
    ['Inversiones Gómez ltda', 'Inversiones Gómez Ltda.'],
    ['Inversiones Gómez eu', 'Inversiones Gómez E.U.'],
    ['Inversiones Gómez e.u', 'Inversiones Gómez E.U.'],
    ['Inversiones Gómez s en c', 'Inversiones Gómez S. en C.'],
    ['ALIMENTOS DEL CAMPO S.A', 'Alimentos del Campo S.A.'],
    ['transportes rápidos del sur s.a.', 'Transportes Rápidos del Sur S.A.'],
    ['TECNOLOGÍA ANDINA S.A.S', 'Tecnología Andina S.A.S.'],
    ['Martínez Hermanos S en C', 'Martínez Hermanos S. en C.'],
    ['Confecciones Patiño ltda.', 'Confecciones Patiño Ltda.'],
    ['Banco BBVA', 'Banco BBVA'],
    ['BANCO BBVA', 'Banco BBVA'],
    ['Grupo XYZ Ltda', 'Grupo XYZ Ltda.'],
    ['Soluciones TIC sas', 'Soluciones TIC S.A.S.'],
    ['COMERCIALIZADORA TIC SAS', 'Comercializadora Tic S.A.S.'],
    ['panadería la espiga', 'Panadería la Espiga'],
    ['Restaurante El Fogón', 'Restaurante el Fogón'],
    ['Gómez y Asociados', 'Gómez y Asociados'],
    ['la espiga', 'La Espiga'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeOrganization(input)).toEqual({ value: expected, confident: true, flags: [] });
  });

  it.each(['', '  ', '-', '.', 'N/A', 'NA', 'n.a.', 'no aplica', 'ninguno', 'Ninguna', 'null', 'none', 'xxx', '0', 'N/A,'])(
    'null-like %j → null',
    (input) => {
      expect(normalizeOrganization(input)).toEqual({ value: null, confident: true, flags: [] });
    },
  );
});

describe('normalizeOrganization — contract v2 §6', () => {
  it.each([
    ['I.C.B.F.', 'ICBF'],
    ['i.c.b.f', 'ICBF'],
    ['U.N.A.L.', 'Universidad Nacional de Colombia'],
    ['u.n.a.l.', 'Universidad Nacional de Colombia'],
    ['S.E.N.A.', 'SENA'],
    ['e.t.b.', 'ETB'],
    ['D.I.A.N. Seccional Cali', 'DIAN Seccional Cali'],
    ['Almacenes A.B.C. Ltda', 'Almacenes ABC Ltda.'],
    ['ALMACENES A.B.C. LTDA', 'Almacenes ABC Ltda.'],
    ['c.i. flores del campo s.a.s', 'CI Flores del Campo S.A.S.'],
    // A known organization plus a country word: the contract accepts either; normflow resolves.
    ['BBVA Colombia', 'BBVA'],
    ['IBM de Colombia', 'IBM'],
    ['Bancolombia Colombia', 'Bancolombia'],
    ["mcdonald's", "McDonald's"],
    ["MCDONALD'S", "McDonald's"],
    ["McDonald's Colombia", "McDonald's Colombia"],
    ['Macías y Machado Ltda', 'Macías y Machado Ltda.'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeOrganization(input)).toEqual({ value: expected, confident: true, flags: [] });
  });

  it.each(['sin empresa', 'Sin Empresa', 'ninguna empresa', 'NO LABORA', 'N / A', 'Sin dato', 'no tiene', 's/d', '?'])(
    'null-like for organizations %j → null',
    (input) => {
      expect(normalizeOrganization(input)).toEqual({ value: null, confident: true, flags: [] });
    },
  );
});

describe('normalizeOrganization — decisions (docs/normalization/organization.md)', () => {
  it.each([
    // A known organization drops a typed legal form: one value per employer.
    ['Bancolombia S.A.', 'Bancolombia'],
    ['ECOPETROL S.A.', 'Ecopetrol'],
    ['UNIVERSIDAD DE ANTIOQUIA', 'Universidad de Antioquia'],
    ['U. de A.', 'Universidad de Antioquia'],
    ['banco de bogota', 'Banco de Bogotá'],
    // Legal forms: any spacing or periods, a comma or hyphen before them, only at the end.
    ['Alimentos del Campo, S.A.', 'Alimentos del Campo S.A.'],
    ['Alimentos del Campo - sas', 'Alimentos del Campo S.A.S.'],
    ['Hermanos S. A. S.', 'Hermanos S.A.S.'],
    ['Almacén S.A.S..', 'Almacén S.A.S.'],
    ['Sas Comercial', 'Sas Comercial'],
    ['SAS', 'Sas'],
    ['Pérez & Cía S. en C.', 'Pérez & Cía S. en C.'],
    // All-caps is judged on the name without its legal form.
    ['XYZ sas', 'Xyz S.A.S.'],
    ['XYZ Comercial sas', 'XYZ Comercial S.A.S.'],
    ['Pérez & CIA Ltda', 'Pérez & Cia Ltda.'],
    ['Sena XYZ', 'SENA Xyz'],
    // Dotted acronyms are joined (contract v2) where a second pass keeps them upper case; otherwise
    // they keep their periods.
    ['c.i. flores sas', 'CI Flores S.A.S.'],
    ['Flores C.I', 'Flores CI'],
    ['A.B.C.', 'A.B.C.'],
    ['J.R. S.A.S.', 'J.R. S.A.S.'],
    ['Comercial A.B.C.D.E.', 'Comercial A.B.C.D.E.'],
    ['Pérez & C.I.A.', 'Pérez & C.I.A.'],
    ['U.S.A.I.D. Colombia', 'USAID Colombia'],
    // Punctuation.
    ['Panadería La Espiga (Sede Norte)', 'Panadería la Espiga (Sede Norte)'],
    ['coca-cola femsa', 'Coca-Cola Femsa'],
    ['import/export andina', 'Import/Export Andina'],
    ['Cía . Nacional', 'Cía. Nacional'],
    ['- Tienda Augusta -', 'Tienda Augusta'],
    ['Almacén La 14', 'Almacén la 14'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeOrganization(input)).toEqual({ value: expected, confident: true, flags: [] });
  });

  it.each([
    ['Tienda *La Esquina*', 'Tienda *la Esquina*'],
    ['ventas@tienda.com', 'Ventas@tienda.com'],
    ['trabajo en una tienda de barrio cerca de mi casa en el centro', 'Trabajo en Una Tienda de Barrio Cerca de Mi Casa en el Centro'],
  ])('not confident, still cased: %j → %j', (input, expected) => {
    expect(normalizeOrganization(input)).toEqual({ value: expected, confident: false, flags: [] });
  });
});

describe('normalizeOrganization — labeled set', () => {
  const cases = labeledRecords
    .filter((record) => FIELD in record.expected)
    .map((record) => ({ id: record.id, input: String(record.input[FIELD]), expected: record.expected[FIELD] }));

  it('covers the labeled organizations', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases)('$id: $input → $expected', ({ input, expected }) => {
    expect(valueOf(input)).toBe(expected);
  });
});

const ORGANIZATION_PIECES = [
  'sena', 'SENA', 'unal', 'Universidad', 'nacional', 'de', 'DEL', 'la', 'y', 'El', 'XYZ', 'tic', 'ABC', 'Cía', 'CIA',
  'Gómez', 'PÉREZ', 'ñandú', 'sas', 'S.A.S', 's.a.', 'SA', 'ltda.', 'E.U', 's en c', 'c.i.', 'C.I', '&', '-', '/', '+',
  '(', ')', ',', '.', '..', '*', '@', '14', "'", 'Me\u0301dica', '\u200B', 'a', 'A',
  'I.C.B.F.', 'u.n.a.l', 'A.B.C.', 'c.i.a.', 'd.e.', "mcdonald's", 'MCDONALD', 'colombia', 'Macías',
];
const SEPARATORS = [' ', '  ', '\t', '\u00A0', '', ' . ', '.', ',', '-', ' - '];

const messyOrganization = messyText(ORGANIZATION_PIECES, SEPARATORS, 6);


describe('normalizeOrganization — properties', () => {
  it.each([
    ['messy organizations', messyOrganization],
    ['arbitrary text', fc.string({ maxLength: 40 })],
  ])('is idempotent and well-formed on %s', (_, inputs) => {
    fc.assert(
      fc.property(inputs, (input) => {
        const { value } = normalizeOrganization(input);
        expectWellFormed(value);
        if (value !== null) expect(valueOf(value)).toBe(value);
      }),
      { numRuns: 3000 },
    );
  });
});
