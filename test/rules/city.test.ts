import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import aliases from '#shared/data/divipola/aliases.json' with { type: 'json' };
import { boundedEditDistance, normalizeCity } from '#shared/rules/city.ts';
import {
  DEPARTMENT_NAMES,
  MUNICIPALITIES,
  accentedKey,
  municipalityByCode,
  type Municipality,
} from '#shared/rules/divipola.ts';
import type { RuleResult } from '#shared/rules/rule-result.ts';
import { foldKey } from '#shared/rules/text-basics.ts';
import { labeledRecords } from './labeled-set.ts';

/** The rule's decision without its explanation (`cityResolution` has tests of its own). */
const withoutExplanation = ({ cityResolution: _explanation, ...decided }: RuleResult): Omit<RuleResult, 'cityResolution'> =>
  decided;

const decision = (input: string): Omit<RuleResult, 'cityResolution'> => withoutExplanation(normalizeCity(input));

function expectResolved(input: string, value: string, departamento: string, codigoDane: string): void {
  expect(decision(input)).toEqual({ value, confident: true, flags: [], city: { departamento, codigoDane } });
}

function expectUndecided(input: string, value: string, flag: 'ambiguous-city' | 'unknown-city'): void {
  expect(decision(input)).toEqual({ value, confident: false, flags: [flag] });
}

describe('divipola data', () => {
  it('has the 1,122 entries and 33 first-level units of SOURCE.md', () => {
    expect(MUNICIPALITIES).toHaveLength(1122);
    expect(DEPARTMENT_NAMES).toHaveLength(33);
    expect(DEPARTMENT_NAMES).toContain('Bogotá, D.C.');
    expect(MUNICIPALITIES.filter((m) => m.nonMunicipalArea)).toHaveLength(18);
  });

  it('looks municipalities up by code', () => {
    expect(municipalityByCode('05001')).toMatchObject({ name: 'Medellín', department: 'Antioquia' });
    expect(municipalityByCode('99999')).toBeUndefined();
  });

  it('stores aliases folded exactly like foldKey', () => {
    for (const alias of aliases) expect(foldKey(alias.alias)).toBe(alias.alias);
  });
});

describe('contract §2 examples that resolve', () => {
  it.each([
    ['bogota', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
    ['Bogota DC', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
    ['santafe de bogota', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
    ['BOGOTÁ, D.C.', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
    ['bta', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
    ['Bogotá D.C.', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
    ['Bogotá, D.C.', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
    ['medellin', 'Medellín', 'Antioquia', '05001'],
    ['cucuta', 'San José de Cúcuta', 'Norte de Santander', '54001'],
    ['cartagena', 'Cartagena de Indias', 'Bolívar', '13001'],
    ['CALI', 'Santiago de Cali', 'Valle del Cauca', '76001'],
    ['Mompox', 'Santa Cruz de Mompox', 'Bolívar', '13468'],
    ['villavo', 'Villavicencio', 'Meta', '50001'],
    ['b/quilla', 'Barranquilla', 'Atlántico', '08001'],
    ['Chimá', 'Chimá', 'Córdoba', '23168'],
    ['Puerto Colombia', 'Puerto Colombia', 'Atlántico', '08573'],
    ['Manaure', 'Manaure', 'La Guajira', '44560'],
    ['Boyacá', 'Boyacá', 'Boyacá', '15104'],
    ['Risaralda', 'Risaralda', 'Caldas', '17616'],
    ['ARAUCA', 'Arauca', 'Arauca', '81001'],
  ])('%s → %s', (input, value, departamento, codigoDane) => {
    expectResolved(input, value, departamento, codigoDane);
  });
});

describe('department hints (contract §2)', () => {
  it.each([
    ['Cali, Valle', 'Santiago de Cali', 'Valle del Cauca', '76001'],
    ['Cali - Valle del Cauca', 'Santiago de Cali', 'Valle del Cauca', '76001'],
    ['Medellín (Antioquia)', 'Medellín', 'Antioquia', '05001'],
    ['Medellin Antioquia', 'Medellín', 'Antioquia', '05001'],
    ['La Union (Valle del Cauca)', 'La Unión', 'Valle del Cauca', '76400'],
    ['La Unión, Nariño', 'La Unión', 'Nariño', '52399'],
    ['Tunja, Boyacá', 'Tunja', 'Boyacá', '15001'],
    ['Armenia, Quindío', 'Armenia', 'Quindío', '63001'],
    ['Rionegro, Antioquia', 'Rionegro', 'Antioquia', '05615'],
    ['Florencia (Caquetá)', 'Florencia', 'Caquetá', '18001'],
    ['Bogotá, Cundinamarca', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
    ['Pereira, Colombia', 'Pereira', 'Risaralda', '66001'],
    ['Medellín, Antioquia, Colombia', 'Medellín', 'Antioquia', '05001'],
    ['Cali Col', 'Santiago de Cali', 'Valle del Cauca', '76001'],
    ['Villanueva, Guajira', 'Villanueva', 'La Guajira', '44874'],
    ['Villanueva, La Guajira', 'Villanueva', 'La Guajira', '44874'],
    ['Santiago, N. de Santander', 'Santiago', 'Norte de Santander', '54680'],
    ['Santiago - Nte. de Santander', 'Santiago', 'Norte de Santander', '54680'],
    ['Santiago Norte de Santander', 'Santiago', 'Norte de Santander', '54680'],
    ['Providencia, San Andrés', 'Providencia', 'Archipiélago de San Andrés, Providencia y Santa Catalina', '88564'],
    ['Bogotá, D.C., Colombia', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
    ['Bogotá DC', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
    ['Puerto Colombia, Atlántico', 'Puerto Colombia', 'Atlántico', '08573'],
  ])('%s → %s', (input, value, departamento, codigoDane) => {
    expectResolved(input, value, departamento, codigoDane);
  });

  it.each([
    ['Antioquia', 'Antioquia'],
    ['VALLE DEL CAUCA', 'Valle del Cauca'],
    ['CUNDINAMARCA', 'Cundinamarca'],
    ['Norte de Santander', 'Norte de Santander'],
    ['valle', 'Valle'],
    ['Guajira', 'Guajira'],
    ['DC', 'Dc'],
    ['Antioquia, Colombia', 'Antioquia, Colombia'],
  ])('a department alone is not a city: %s → %s', (input, value) => {
    expect(decision(input)).toEqual({ value, confident: false, flags: ['unknown-city'] });
  });

  it.each([['Sucre'], ['Córdoba'], ['Bolívar'], ['Caldas'], ['Nariño']])(
    'a department that is also several municipalities\u2019 name is ambiguous: %s',
    (input) => {
      expect(decision(input)).toEqual({ value: input, confident: false, flags: ['ambiguous-city'] });
    },
  );
});

describe('misspellings (contract §2)', () => {
  it.each([
    ['Medelin', 'Medellín', 'Antioquia', '05001'],
    ['Bucaramnga', 'Bucaramanga', 'Santander', '68001'],
    ['Bogta', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
    ['Itagui', 'Itagüí', 'Antioquia', '05360'],
    ['Poopayan', 'Popayán', 'Cauca', '19001'],
    ['Barranquila', 'Barranquilla', 'Atlántico', '08001'],
    ['Barrnquila', 'Barranquilla', 'Atlántico', '08001'],
    ['Medelin, Antioquia', 'Medellín', 'Antioquia', '05001'],
    ['Neiba, Huila', 'Neiva', 'Huila', '41001'],
    ['Neiba Huila Colombia', 'Neiva', 'Huila', '41001'],
    ['Bogta, Colombia', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
  ])('%s → %s', (input, value, departamento, codigoDane) => {
    expectResolved(input, value, departamento, codigoDane);
  });

  it('a tie between codes is ambiguous (Neiba: Neiva or Neira)', () => {
    expect(decision('Neiba')).toEqual({ value: 'Neiba', confident: false, flags: ['ambiguous-city'] });
  });

  it.each([
    ['Medlin', 'two edits on a 6-letter input'],
    ['Cal', 'three letters: exact names only'],
    ['Otro', 'first letter changed (Toro)'],
    ['Juan', 'first letter changed (Suan)'],
    ['Bogota 123', 'digits: not a misspelt name'],
    ['Cali 2', 'digits: not a misspelt name'],
    ['Calle 45', 'digits: not a misspelt name'],
    ['Antiokia', 'no municipality near'],
  ])('%s stays unknown: %s', (input) => {
    expect(normalizeCity(input).flags).toEqual(['unknown-city']);
  });

  it('counts a missing space as one edit, so a run-together name is still found (santamarta)', () => {
    expectResolved('santamarta', 'Santa Marta', 'Magdalena', '47001');
    expectResolved('villadeleyva', 'Villa de Leyva', 'Boyacá', '15407');
    expect(normalizeCity('santamarta').cityResolution).toMatchObject({ match: 'misspelling', distance: 1 });
    expect(normalizeCity('villadeleyva').cityResolution).toMatchObject({ match: 'misspelling', distance: 2 });
  });

  it('computes the bounded restricted Damerau–Levenshtein distance like the full table', () => {
    const referenceDistance = (a: string, b: string): number => {
      const table = Array.from({ length: a.length + 1 }, (_, i) =>
        Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
      );
      const at = (i: number, j: number): number => table[i]?.[j] ?? Infinity;
      for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
          const substitution = at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1);
          let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, substitution);
          if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
            distance = Math.min(distance, at(i - 2, j - 2) + 1);
          }
          (table[i] as number[])[j] = distance;
        }
      }
      return at(a.length, b.length);
    };
    const shortWord = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 12 });
    fc.assert(
      fc.property(shortWord, shortWord, fc.integer({ min: 0, max: 3 }), (a, b, limit) => {
        expect(boundedEditDistance(a, b, limit)).toBe(Math.min(referenceDistance(a, b), limit + 1));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('shared names and accents', () => {
  it('keeps a shared name title-cased with its own accents, flagged ambiguous', () => {
    expect(decision('La Unión')).toEqual({ value: 'La Unión', confident: false, flags: ['ambiguous-city'] });
    expect(decision('LA UNION')).toEqual({ value: 'La Union', confident: false, flags: ['ambiguous-city'] });
    expect(decision('san andres')).toEqual({ value: 'San Andres', confident: false, flags: ['ambiguous-city'] });
  });

  it('treats names that differ only by accents as shared for an input typed without any diacritic (Chima)', () => {
    expectUndecided('Chima', 'Chima', 'ambiguous-city');
    expectUndecided('CHIMA', 'Chima', 'ambiguous-city');
    expectResolved('CHIMÁ', 'Chimá', 'Córdoba', '23168');
    expectResolved('Chimá', 'Chimá', 'Córdoba', '23168');
  });

  it('lets a department hint choose between names that differ only by accents', () => {
    expectResolved('Chima, Córdoba', 'Chimá', 'Córdoba', '23168');
    expectResolved('Chimá (Santander)', 'Chima', 'Santander', '68176');
  });

  it('keeps the whole typed value, hint included, when a hint does not settle a shared name', () => {
    expect(decision('villanueva, valle')).toEqual({
      value: 'Villanueva, Valle',
      confident: false,
      flags: ['ambiguous-city'],
    });
  });

  it('prefers a municipality to a non-municipal area of the same name, unless a hint says otherwise', () => {
    expectResolved('Puerto Santander', 'Puerto Santander', 'Norte de Santander', '54553');
    expectResolved('Puerto Santander, Amazonas', 'Puerto Santander', 'Amazonas', '91669');
    expectResolved('Puerto Colombia, Guainía', 'Puerto Colombia', 'Guainía', '94884');
    expect(normalizeCity('La Victoria').flags).toEqual(['ambiguous-city']);
  });

  it('drops the hint that resolved a shared name, so the name alone is ambiguous again', () => {
    expectResolved('La Unión, Nariño', 'La Unión', 'Nariño', '52399');
    expect(decision('La Unión')).toEqual({ value: 'La Unión', confident: false, flags: ['ambiguous-city'] });
  });

  it('lets a hint pick the municipality whose alternate name lost to an official one', () => {
    expectResolved('Manaure, Cesar', 'Manaure Balcón del Cesar', 'Cesar', '20443');
  });

  it('treats Colombia alone as the municipality in Huila (the whole input is tried first)', () => {
    expectResolved('Colombia', 'Colombia', 'Huila', '41206');
  });
});

describe('unknown cities', () => {
  it.each([
    ['Springfield', 'Springfield'],
    ['Madrid, España', 'Madrid, España'],
    ['QUITO', 'Quito'],
    ['Bogotá Norte', 'Bogotá Norte'],
    ['ciudad de los angeles', 'Ciudad de los Angeles'],
    ['el paso (texas)', 'El Paso (Texas)'],
    ['springfield..', 'Springfield.'],
    ['springfielde\u200B\u0301', 'Springfield\u00E9'],
    ['STRAßE', 'Straße'],
  ])('%s → %s, flagged unknown', (input, value) => {
    expect(decision(input)).toEqual({ value, confident: false, flags: ['unknown-city'] });
  });

  it.each([[''], ['-'], ['.'], ['N/A'], ['n.a.'], ['no aplica'], ['Ninguna'], ['null'], ['xxx'], ['0'], ['  \t ']])(
    'null-like %j → null',
    (input) => {
      expect(decision(input)).toEqual({ value: null, confident: true, flags: [] });
    },
  );
});

describe('every name in the data resolves to itself', () => {
  const municipal = (m: Municipality): boolean => !m.nonMunicipalArea;

  /**
   * Its own entry, the one municipality among same-named entries, or nobody (ambiguous). A name
   * typed without any diacritic shares it with every name it folds to (Chima, Chimá).
   */
  function expectedCodeForOfficialName(entry: Municipality): string | undefined {
    const withoutDiacritic = foldKey(entry.name) === entry.name.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
    const sameName = (m: Municipality): boolean =>
      withoutDiacritic ? foldKey(m.name) === foldKey(entry.name) : accentedKey(m.name) === accentedKey(entry.name);
    const peers = MUNICIPALITIES.filter(sameName);
    if (peers.length === 1) return entry.code;
    const municipalPeers = peers.filter(municipal);
    return municipalPeers.length === 1 ? municipalPeers[0]?.code : undefined;
  }

  it('resolves each official name to its code, or flags it ambiguous when shared, and the output is stable', () => {
    const mismatches: string[] = [];
    let ambiguousCount = 0;
    for (const entry of MUNICIPALITIES) {
      const result = normalizeCity(entry.name);
      const expectedCode = expectedCodeForOfficialName(entry);
      if (expectedCode === undefined) {
        ambiguousCount += 1;
        if (result.value !== entry.name || result.flags[0] !== 'ambiguous-city') mismatches.push(entry.name);
        continue;
      }
      if (result.city?.codigoDane !== expectedCode) mismatches.push(`${entry.code} ${entry.name}`);
      const again = normalizeCity(result.value ?? '');
      if (again.value !== result.value || again.city?.codigoDane !== expectedCode) {
        mismatches.push(`unstable ${entry.name}`);
      }
    }
    expect(mismatches).toEqual([]);
    // SOURCE.md: 151 records share a name. Not ambiguous: Puerto Colombia and Puerto Santander (a municipality
    // and a non-municipal area each). Ambiguous besides: Chima, the accent-only twin of Chimá (contract §2).
    expect(ambiguousCount).toBe(151 - 4 + 1);
  });

  it('resolves each altName to its code unless it is another municipality\u2019s official name', () => {
    const mismatches: string[] = [];
    for (const entry of MUNICIPALITIES) {
      for (const altName of entry.altNames) {
        const officialHolders = MUNICIPALITIES.filter(
          (m) => m.code !== entry.code && foldKey(m.name) === foldKey(altName),
        );
        const expectedCode = officialHolders.length === 1 ? officialHolders[0]?.code : entry.code;
        const result = normalizeCity(altName);
        if (result.city?.codigoDane !== expectedCode) mismatches.push(`${altName} → ${result.city?.codigoDane}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(normalizeCity('Manaure').city?.codigoDane).toBe('44560');
  });

  it('resolves each alias of aliases.json to its code', () => {
    for (const alias of aliases) expect(normalizeCity(alias.alias).city?.codigoDane).toBe(alias.code);
  });

  it('outputs the official name as in the data, except Bogotá D.C.', () => {
    for (const entry of MUNICIPALITIES) {
      const result = normalizeCity(`${foldKey(entry.name)}, ${entry.department}`);
      expect(result.city).toEqual({ departamento: entry.department, codigoDane: entry.code });
      expect(result.value).toBe(entry.code === '11001' ? 'Bogotá D.C.' : entry.name);
    }
  });
});

const CITY_FRAGMENTS = [
  'Medellín', 'medellin', 'BOGOTA', 'D.C.', 'Cali', 'Valle', 'La Unión', 'la union', 'Chimá', 'chima', 'Córdoba',
  'Puerto', 'Colombia', 'col', 'San', 'de', 'los', 'Neiba', 'Springfield', 'Antioquia',
  'El', 'Retiro', 'Peñol', 'Pto', 'Sta', 'Ant', 'n/s', 'Norte', 'D.T. y C.', 'Villarica', 'B/manga', 'barranca',
  'x', 'Ñ', 'é', '\u0301', 'ß', '7',
  ',', '.', '..', '-', '(', ')', '/', "'", '\u2019', ' ', '  ', '\t', '\u00A0', '\u200B', '\uFEFF',
];

const messyCityText = fc.array(fc.constantFrom(...CITY_FRAGMENTS), { maxLength: 8 }).map((parts) => parts.join(''));

const randomCasing = (text: string, flips: readonly boolean[]): string =>
  [...text].map((char, index) => (flips[index % flips.length] ? char.toUpperCase() : char.toLowerCase())).join('');

describe('properties', () => {
  it('never outputs empty, double or edge spaces, `..` or `. .`, and keeps its value on a second pass', () => {
    fc.assert(
      fc.property(messyCityText, (input) => {
        const result = normalizeCity(input);
        if (result.value === null) return;
        expect(result.value).not.toBe('');
        expect(result.value).not.toMatch(/ {2}|^ | $|\.\.|\. \./);
        const again = normalizeCity(result.value);
        expect(again.value).toBe(result.value);
        if (result.city === undefined) {
          expect(withoutExplanation(again)).toEqual(withoutExplanation(result));
        } else if (again.city !== undefined) {
          expect(again.city).toEqual(result.city);
        } else {
          // A hint resolved a shared name (`La Unión, Nariño` → `La Unión`); the name alone is ambiguous again.
          expect(again.flags).toEqual(['ambiguous-city']);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('resolves unique names through random casing, whitespace, zero-width characters and punctuation', () => {
    const uniqueNames = MUNICIPALITIES.filter(
      (entry) => MUNICIPALITIES.filter((m) => foldKey(m.name) === foldKey(entry.name)).length === 1,
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...uniqueNames),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(' ', '  ', '\t', '\u00A0', ' \u200B'),
        fc.constantFrom('', '.', ',', ' .', '\u200B', ' '),
        fc.boolean(),
        (entry, flips, separator, edge, stripAccents) => {
          const words = (stripAccents ? foldKey(entry.name) : entry.name).split(' ');
          const input = edge + randomCasing(words.join(separator), flips) + edge;
          expect(normalizeCity(input).city?.codigoDane).toBe(entry.code);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

const labeledCities = labeledRecords.filter((record) => typeof record.input.ciudad === 'string');

describe('labeled set (data/eval/leads.labeled.jsonl)', () => {
  it('has city records', () => {
    expect(labeledCities.length).toBeGreaterThan(50);
  });

  it.each(labeledCities.map((record) => [record.id, record] as const))('%s', (_id, record) => {
    const result = normalizeCity(record.input.ciudad as string);
    const expectedFlag = record.expectedFlags?.ciudad;
    if ('ciudad' in record.expected) {
      expect(result.value).toBe(record.expected.ciudad);
      const expectedCity =
        record.expected.ciudadCodigoDane === undefined
          ? undefined
          : { departamento: record.expected.ciudadDepartamento, codigoDane: record.expected.ciudadCodigoDane };
      expect(result.city).toEqual(expectedCity);
    } else {
      expect(expectedFlag).toBeDefined();
    }
    if (expectedFlag !== undefined) expect(result.flags).toContain(expectedFlag);
  });
});

describe('misspelt first letters that sound the same', () => {
  it.each([
    ['Sipaquira', 'Zipaquirá', '25899'],
    ['Vucaramanga', 'Bucaramanga', '68001'],
    ['Kali', 'Santiago de Cali', '76001'],
    ['Sartagena', 'Cartagena de Indias', '13001'],
  ])('%s → %s (the nearest name wins, never a farther one)', (input, name, code) => {
    expect(normalizeCity(input)).toMatchObject({ value: name, confident: true, city: { codigoDane: code } });
  });

  it('still keeps other first letters apart', () => {
    expect(normalizeCity('Otro').flags).toEqual(['unknown-city']);
    expect(normalizeCity('Juan').flags).toEqual(['unknown-city']);
  });
});

describe('contract v2 §2: leading article (step 2b), whole input first', () => {
  it.each([
    ['El Retiro', 'Retiro', 'Antioquia', '05607'],
    ['EL RETIRO', 'Retiro', 'Antioquia', '05607'],
    ['El Retiro, Antioquia', 'Retiro', 'Antioquia', '05607'],
    ['el retiro antioquia', 'Retiro', 'Antioquia', '05607'],
    ['El Líbano', 'Líbano', 'Tolima', '73411'],
    ['El Peñol', 'El Peñol', 'Nariño', '52254'],
    ['El Peñol, Antioquia', 'Peñol', 'Antioquia', '05541'],
    ['El Guamo', 'El Guamo', 'Bolívar', '13248'],
    ['El Guamo, Tolima', 'Guamo', 'Tolima', '73319'],
    ['Los Andes, Antioquia', 'Andes', 'Antioquia', '05034'],
    ['El Santuario, Risaralda', 'Santuario', 'Risaralda', '66687'],
  ])('%s → %s', (input, value, departamento, codigoDane) => {
    expectResolved(input, value, departamento, codigoDane);
  });

  it('never reads El Retiro as El Retorno (Guaviare), with or without a hint', () => {
    for (const input of ['El Retiro', 'El Retiro, Antioquia', 'el retiro']) {
      expect(normalizeCity(input).city?.codigoDane).toBe('05607');
    }
  });
});

describe('contract v2 §2: prefix abbreviations', () => {
  it.each([
    ['Pto Berrío', 'Puerto Berrío', 'Antioquia', '05579'],
    ['Pto. Boyacá', 'Puerto Boyacá', 'Boyacá', '15572'],
    ['pto asis', 'Puerto Asís', 'Putumayo', '86568'],
    ['Sta Marta', 'Santa Marta', 'Magdalena', '47001'],
    ['Sta. Rosa de Cabal', 'Santa Rosa de Cabal', 'Risaralda', '66682'],
    ['Sn Gil', 'San Gil', 'Santander', '68679'],
    ['Stgo de Cali', 'Santiago de Cali', 'Valle del Cauca', '76001'],
    ['Pto Asís, Put', 'Puerto Asís', 'Putumayo', '86568'],
  ])('%s → %s', (input, value, departamento, codigoDane) => {
    expectResolved(input, value, departamento, codigoDane);
  });

  it('expands whole words only', () => {
    expectUndecided('Ptos', 'Ptos', 'unknown-city');
    expectUndecided('Sta', 'Sta', 'unknown-city');
  });
});

describe('contract v2 §2: department hints as abbreviations, `norte`, `/` as a separator', () => {
  it.each([
    ['Medellín - Ant', 'Medellín', 'Antioquia', '05001'],
    ['Envigado Ant.', 'Envigado', 'Antioquia', '05266'],
    ['Rionegro, Ant', 'Rionegro', 'Antioquia', '05615'],
    ['Rionegro, Antq', 'Rionegro', 'Antioquia', '05615'],
    ['Soacha - Cund.', 'Soacha', 'Cundinamarca', '25754'],
    ['Fusagasugá - Cundi', 'Fusagasugá', 'Cundinamarca', '25290'],
    ['Zipaquirá cmarca', 'Zipaquirá', 'Cundinamarca', '25899'],
    ['Barranquilla - Atl', 'Barranquilla', 'Atlántico', '08001'],
    ['Soledad, Atlco', 'Soledad', 'Atlántico', '08758'],
    ['Bucaramanga, Sder', 'Bucaramanga', 'Santander', '68001'],
    ['Girón, Sder', 'Girón', 'Santander', '68307'],
    ['Barrancabermeja s/der', 'Barrancabermeja', 'Santander', '68081'],
    ['Floridablanca stder', 'Floridablanca', 'Santander', '68276'],
    ['Cucuta N.S.', 'San José de Cúcuta', 'Norte de Santander', '54001'],
    ['Cúcuta NS', 'San José de Cúcuta', 'Norte de Santander', '54001'],
    ['Ocaña n/s', 'Ocaña', 'Norte de Santander', '54498'],
    ['Pamplona nsder', 'Pamplona', 'Norte de Santander', '54518'],
    ['Villa del Rosario n/der', 'Villa del Rosario', 'Norte de Santander', '54874'],
    ['Palmira V/Cauca', 'Palmira', 'Valle del Cauca', '76520'],
    ['Tuluá vcauca', 'Tuluá', 'Valle del Cauca', '76834'],
    ['Cartagena, Bol', 'Cartagena de Indias', 'Bolívar', '13001'],
    ['Sogamoso, Boy', 'Sogamoso', 'Boyacá', '15759'],
    ['La Dorada, Cald', 'La Dorada', 'Caldas', '17380'],
    ['Dosquebradas Ris', 'Dosquebradas', 'Risaralda', '66170'],
    ['Armenia, Quind', 'Armenia', 'Quindío', '63001'],
    ['Ibagué, Tol', 'Ibagué', 'Tolima', '73001'],
    ['Neiva - Hui', 'Neiva', 'Huila', '41001'],
    ['Pasto, Nar', 'Pasto', 'Nariño', '52001'],
    ['Montería (Cord)', 'Montería', 'Córdoba', '23001'],
    ['Santa Marta, Magd', 'Santa Marta', 'Magdalena', '47001'],
    ['Yopal Cas', 'Yopal', 'Casanare', '85001'],
    ['Florencia - Caq', 'Florencia', 'Caquetá', '18001'],
    ['Mocoa, Put', 'Mocoa', 'Putumayo', '86001'],
    ['Cúcuta, Norte', 'San José de Cúcuta', 'Norte de Santander', '54001'],
    ['Santiago - Norte', 'Santiago', 'Norte de Santander', '54680'],
    ['Santiago (Norte)', 'Santiago', 'Norte de Santander', '54680'],
    ['Tunja/Boyacá', 'Tunja', 'Boyacá', '15001'],
    ['Cali, Valle.', 'Santiago de Cali', 'Valle del Cauca', '76001'],
  ])('%s → %s', (input, value, departamento, codigoDane) => {
    expectResolved(input, value, departamento, codigoDane);
  });

  it('reads `norte` as a hint only after `,`, `-` or `(`', () => {
    expectUndecided('Cucuta Norte', 'Cucuta Norte', 'unknown-city');
    expectUndecided('Santiago Norte', 'Santiago Norte', 'unknown-city');
  });

  it.each([['Ant'], ['Cund.'], ['N.S.'], ['Valle']])('an abbreviation alone is a department, not a city: %s', (input) => {
    expect(decision(input).flags).toEqual(['unknown-city']);
  });
});

describe('contract v2 §2: district suffixes are dropped and decide nothing', () => {
  it.each([
    ['Cartagena de Indias, D.T. y C.', 'Cartagena de Indias', 'Bolívar', '13001'],
    ['Cartagena de Indias D.T. y C.', 'Cartagena de Indias', 'Bolívar', '13001'],
    ['Cartagena D.T. y C., Bolívar', 'Cartagena de Indias', 'Bolívar', '13001'],
    ['Barranquilla D.E.', 'Barranquilla', 'Atlántico', '08001'],
    ['Santa Marta D.T.C.H.', 'Santa Marta', 'Magdalena', '47001'],
    ['Buenaventura, Distrito Especial', 'Buenaventura', 'Valle del Cauca', '76109'],
    ['Medellín D.E., Colombia', 'Medellín', 'Antioquia', '05001'],
    ['Bogotá, D.C., Colombia', 'Bogotá D.C.', 'Bogotá, D.C.', '11001'],
  ])('%s → %s', (input, value, departamento, codigoDane) => {
    expectResolved(input, value, departamento, codigoDane);
  });

  it('no longer reads `dc` as a Bogotá hint: a shared name stays ambiguous', () => {
    expectUndecided('La Unión DC', 'La Unión Dc', 'ambiguous-city');
    expectUndecided('D.C.', 'D.C.', 'unknown-city');
  });
});

describe('contract v2 §2: a hint restricts every step, misspellings included', () => {
  it.each([
    ['Villarica, Cauca', 'Villa Rica', 'Cauca', '19845'],
    ['Villarica, Tolima', 'Villarrica', 'Tolima', '73873'],
    ['Neiba, Caldas', 'Neira', 'Caldas', '17486'],
    ['Neiba, Huila', 'Neiva', 'Huila', '41001'],
    ['Manaure, Cesar', 'Manaure Balcón del Cesar', 'Cesar', '20443'],
    ['Chima, Córdoba', 'Chimá', 'Córdoba', '23168'],
    ['Chima, Santander', 'Chima', 'Santander', '68176'],
  ])('%s → %s', (input, value, departamento, codigoDane) => {
    expectResolved(input, value, departamento, codigoDane);
  });

  it('does not take a misspelling outside the hinted department', () => {
    expectUndecided('Medelin, Cundinamarca', 'Medelin, Cundinamarca', 'unknown-city');
  });

  it('ignores a hint only for a name that is unique on its own', () => {
    expectResolved('Bogotá, Cundinamarca', 'Bogotá D.C.', 'Bogotá, D.C.', '11001');
    expectResolved('Soacha, Bogotá', 'Soacha', 'Cundinamarca', '25754');
    expectUndecided('Granada, Valle', 'Granada, Valle', 'ambiguous-city');
  });
});

describe('contract v2 §2: misspellings keep single spaces, count the input, break no tie', () => {
  it.each([
    ['Villarica', 'Villa Rica (a space) and Villarrica (a letter), one edit each'],
    ['Neiba', 'Neiva and Neira'],
    ['Girardo', 'Girardot and Giraldo'],
    ['Chimaa', 'Chima and Chimá, an accent-only pair'],
  ])('%s is ambiguous: %s', (input) => {
    expect(decision(input).flags).toEqual(['ambiguous-city']);
  });

  it('sets the allowed distance from the input’s letter count', () => {
    // 9 letters: 2 edits allowed, although Popayán has 7.
    expectResolved('Poppayaan', 'Popayán', 'Cauca', '19001');
    // 6 letters: 1 edit allowed; Medellín needs 2.
    expectUndecided('Medlin', 'Medlin', 'unknown-city');
  });

  it('lets a sound-alike first letter admit a candidate but never prefer it', () => {
    // Kali: Cali (k/c sound alike) is admitted; Yali (y) is not a candidate, so there is no tie.
    expectResolved('Kali', 'Santiago de Cali', 'Valle del Cauca', '76001');
    expectResolved('Sipaquira', 'Zipaquirá', 'Cundinamarca', '25899');
  });
});

describe('contract v2 §2: new aliases', () => {
  it.each([
    ['barranca', 'Barrancabermeja', 'Santander', '68081'],
    ['Barranca, Santander', 'Barrancabermeja', 'Santander', '68081'],
    ['B/manga', 'Bucaramanga', 'Santander', '68001'],
    ['bmanga', 'Bucaramanga', 'Santander', '68001'],
    ['medallo', 'Medellín', 'Antioquia', '05001'],
    ['villavo', 'Villavicencio', 'Meta', '50001'],
    ['Codazzi', 'Agustín Codazzi', 'Cesar', '20013'],
    ['bquilla', 'Barranquilla', 'Atlántico', '08001'],
    ['B/quilla', 'Barranquilla', 'Atlántico', '08001'],
    ['quilla', 'Barranquilla', 'Atlántico', '08001'],
  ])('%s → %s', (input, value, departamento, codigoDane) => {
    expectResolved(input, value, departamento, codigoDane);
  });

  it('keeps Barrancas (La Guajira) for its own name', () => {
    expectResolved('Barrancas', 'Barrancas', 'La Guajira', '44078');
  });
});

describe('cityResolution: how a city was read (issue 11)', () => {
  const explain = (input: string) => normalizeCity(input).cityResolution;
  const nothingElse = {
    matchedName: null,
    distance: null,
    hint: null,
    articleDropped: false,
    abbreviationExpanded: false,
    suffixDropped: false,
    candidates: [],
  };

  it('records an official name typed as such: risk 0', () => {
    expect(explain('Medellín')).toEqual({ ...nothingElse, outcome: 'resolved', match: 'exact', matchedName: 'Medellín', risk: 0 });
  });

  it('records a dropped article and the hint that restricted the lookup', () => {
    expect(explain('El Retiro, Antioquia')).toEqual({
      ...nothingElse,
      outcome: 'resolved',
      match: 'exact',
      matchedName: 'Retiro',
      hint: { departmentCode: '05', department: 'Antioquia', applied: true },
      articleDropped: true,
      risk: 1,
    });
  });

  it('records an alias, an expanded abbreviation and a dropped suffix', () => {
    expect(explain('Barranca')).toEqual({ ...nothingElse, outcome: 'resolved', match: 'alias', matchedName: 'barranca', risk: 1 });
    expect(explain('Pto Boyacá')).toMatchObject({ match: 'exact', abbreviationExpanded: true, risk: 1 });
    expect(explain('Cartagena de Indias D.T. y C.')).toMatchObject({ match: 'exact', suffixDropped: true, risk: 0 });
    expect(explain('Cucuta N.S.')).toMatchObject({
      match: 'alias',
      matchedName: 'Cúcuta',
      hint: { departmentCode: '54', department: 'Norte de Santander', applied: true },
    });
  });

  it('records a hint the name alone overruled', () => {
    expect(explain('Bogotá, Cundinamarca')).toMatchObject({
      outcome: 'resolved',
      hint: { departmentCode: '25', department: 'Cundinamarca', applied: false },
      risk: 1,
    });
  });

  it('records a misspelling with its distance: risk 2 at one edit, 3 at two', () => {
    expect(explain('Neiba, Caldas')).toMatchObject({ match: 'misspelling', matchedName: 'Neira', distance: 1, risk: 2 });
    expect(explain('Baranquila')).toMatchObject({ match: 'misspelling', matchedName: 'Barranquilla', distance: 2, risk: 3 });
  });

  it('records the codes an ambiguous value could be, and nothing for an unknown one: risk 4', () => {
    expect(explain('Villarica')).toEqual({ ...nothingElse, outcome: 'ambiguous', match: 'none', candidates: ['19845', '73873'], risk: 4 });
    expect(explain('Chima')).toMatchObject({ outcome: 'ambiguous', candidates: ['23168', '68176'] });
    expect(explain('Springfield')).toEqual({ ...nothingElse, outcome: 'unknown', match: 'none', risk: 4 });
  });

  it('is absent for a null-like value', () => {
    expect(normalizeCity('N / A').cityResolution).toBeUndefined();
  });

  it('ranks every resolved value below every undecided one, and agrees with the flags', () => {
    fc.assert(
      fc.property(messyCityText, (input) => {
        const result = normalizeCity(input);
        if (result.value === null) return;
        const resolution = result.cityResolution;
        expect(resolution).toBeDefined();
        if (!resolution) return;
        expect(resolution.outcome === 'resolved').toBe(result.city !== undefined);
        expect(resolution.risk === 4).toBe(result.city === undefined);
        expect(resolution.candidates.length > 1).toBe(result.flags.includes('ambiguous-city'));
        expect(resolution.distance !== null).toBe(resolution.match === 'misspelling');
      }),
      { numRuns: 2000 },
    );
  });
});
