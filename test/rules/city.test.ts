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
import { foldKey } from '#shared/rules/text-basics.ts';
import { labeledRecords } from './labeled-set.ts';

function expectResolved(input: string, value: string, departamento: string, codigoDane: string): void {
  expect(normalizeCity(input)).toEqual({ value, confident: true, flags: [], city: { departamento, codigoDane } });
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
    expect(normalizeCity(input)).toEqual({ value, confident: false, flags: ['unknown-city'] });
  });

  it.each([['Sucre'], ['Córdoba'], ['Bolívar'], ['Caldas'], ['Nariño']])(
    'a department that is also several municipalities\u2019 name is ambiguous: %s',
    (input) => {
      expect(normalizeCity(input)).toEqual({ value: input, confident: false, flags: ['ambiguous-city'] });
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
    expect(normalizeCity('Neiba')).toEqual({ value: 'Neiba', confident: false, flags: ['ambiguous-city'] });
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

  it('ignores spaces, so a run-together name is found (santamarta)', () => {
    expectResolved('santamarta', 'Santa Marta', 'Magdalena', '47001');
    expectResolved('villadeleyva', 'Villa de Leyva', 'Boyacá', '15407');
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
    expect(normalizeCity('La Unión')).toEqual({ value: 'La Unión', confident: false, flags: ['ambiguous-city'] });
    expect(normalizeCity('LA UNION')).toEqual({ value: 'La Union', confident: false, flags: ['ambiguous-city'] });
    expect(normalizeCity('san andres')).toEqual({ value: 'San Andres', confident: false, flags: ['ambiguous-city'] });
  });

  it('resolves an accent-exact official name first: Chima without accent is Chima, Santander', () => {
    expectResolved('Chima', 'Chima', 'Santander', '68176');
    expectResolved('CHIMA', 'Chima', 'Santander', '68176');
    expectResolved('CHIMÁ', 'Chimá', 'Córdoba', '23168');
  });

  it('lets a department hint choose between names that differ only by accents', () => {
    expectResolved('Chima, Córdoba', 'Chimá', 'Córdoba', '23168');
    expectResolved('Chimá (Santander)', 'Chima', 'Santander', '68176');
  });

  it('keeps the whole typed value, hint included, when a hint does not settle a shared name', () => {
    expect(normalizeCity('villanueva, valle')).toEqual({
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
    expect(normalizeCity('La Unión')).toEqual({ value: 'La Unión', confident: false, flags: ['ambiguous-city'] });
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
    expect(normalizeCity(input)).toEqual({ value, confident: false, flags: ['unknown-city'] });
  });

  it.each([[''], ['-'], ['.'], ['N/A'], ['n.a.'], ['no aplica'], ['Ninguna'], ['null'], ['xxx'], ['0'], ['  \t ']])(
    'null-like %j → null',
    (input) => {
      expect(normalizeCity(input)).toEqual({ value: null, confident: true, flags: [] });
    },
  );
});

describe('every name in the data resolves to itself', () => {
  const municipal = (m: Municipality): boolean => !m.nonMunicipalArea;

  /** Its own entry, the one municipality among same-named entries, or nobody (ambiguous). */
  function expectedCodeForOfficialName(entry: Municipality): string | undefined {
    const peers = MUNICIPALITIES.filter((m) => accentedKey(m.name) === accentedKey(entry.name));
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
    // and a non-municipal area each).
    expect(ambiguousCount).toBe(151 - 4);
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
          expect(again).toEqual(result);
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
