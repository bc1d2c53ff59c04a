import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePersonName } from '#shared/rules/person-name.ts';
import { expectWellFormed, messyText } from './messy-input.ts';
import { labeledRecords } from './labeled-set.ts';

const valueOf = (input: string) => normalizePersonName(input).value;

describe('normalizePersonName — contract §0 and §1 examples', () => {
  it.each([
    ['juan-carlos', 'Juan-Carlos'],
    ["o'neil", "O'Neil"],
    ['d’ambrosio', "D'Ambrosio"],
    ['MARIA DE LOS ANGELES', 'Maria de los Angeles'],
    ['DE LA CRUZ', 'De la Cruz'],
    ['del río', 'Del Río'],
    ['van der berg', 'Van der Berg'],
    ['PÉREZ Y SÁNCHEZ', 'Pérez y Sánchez'],
    ['gómez del castillo', 'Gómez del Castillo'],
    ['juan de dios', 'Juan de Dios'],
    ['RAMIREZ 3', 'Ramirez'],
    ['Andrés Felipe2', 'Andrés Felipe'],
    ['Edwin@', 'Edwin'],
    ['Camilo *', 'Camilo'],
    ['juan c', 'Juan C.'],
    ['maria e', 'Maria E.'],
    ['CLAUDIA P', 'Claudia P.'],
    ['J. Sebastián', 'J. Sebastián'],
    ['PEREZ', 'Perez'],
    ['PÉREZ', 'Pérez'],
    ['laura VALENTINA', 'Laura Valentina'],
    ['Ana\tLucía', 'Ana Lucía'],
    ['  Ana   Lucía  ', 'Ana Lucía'],
    ['Ana\u00A0Lucía', 'Ana Lucía'],
    ['\u200BTatiana', 'Tatiana'],
    ['Mo\u0301nica', 'Mónica'],
  ])('%j → %j', (input, expected) => {
    expect(valueOf(input)).toBe(expected);
  });

  it.each(['', '   ', '-', '.', 'N/A', 'NA', 'n.a.', 'no aplica', 'ninguno', 'ninguna', 'null', 'none', 'xxx', '0', '123', '*** 45', 'NA!'])(
    'null-like or symbols only %j → null',
    (input) => {
      expect(normalizePersonName(input)).toEqual({ value: null, confident: true, flags: [] });
    },
  );
});

describe('normalizePersonName — contract v2 §1 and §0', () => {
  it.each([
    ['MCDONALD', 'McDonald'],
    ['mcdonald', 'McDonald'],
    ['McDonald', 'McDonald'],
    ["McDonald's", "McDonald's"],
    ["o'neil", "O'Neil"],
    ['mcallister', 'McAllister'],
    ["o'neil mckenzie", "O'Neil McKenzie"],
    ['pérez-mcdonald', 'Pérez-McDonald'],
    ['Macías', 'Macías'],
    ['MACHADO', 'Machado'],
    ['MACDONALD', 'Macdonald'],
    ['mcal', 'Mcal'],
  ])('%j → %j', (input, expected) => {
    expect(valueOf(input)).toBe(expected);
  });

  it.each(['N / A', 'n / a', '?', '00', '000', 'x', 'X', 'no tiene', 'No Registra', 'SIN DATO', 'sin datos', 'Sin información',
    'no sabe', 'ns/nr', 'NS / NR', 'nr', 's/d', 'S / D', 'sd'])('null-like %j → null', (input) => {
    expect(normalizePersonName(input)).toEqual({ value: null, confident: true, flags: [] });
  });

  it('keeps organization-only null-likes as names', () => {
    expect(valueOf('sin empresa')).toBe('Sin Empresa');
  });
});

describe('normalizePersonName — decisions (docs/normalization/person-name.md)', () => {
  it.each([
    // A lone y/e between two words, typed without a period, is the conjunction (`e` only before an /i/ sound).
    ['Gómez e Hijos', 'Gómez e Hijos'],
    ['pérez e isaza', 'Pérez e Isaza'],
    ['juan e pérez', 'Juan E. Pérez'],
    ['Maria E. Pineda', 'Maria E. Pineda'],
    ['pérez y. gómez', 'Pérez Y. Gómez'],
    ['y pérez', 'Y. Pérez'],
    ['maría y', 'María Y.'],
    // Punctuation between words separates them; a period survives only after an initial.
    ['Perez,Gomez', 'Perez Gomez'],
    ['J.Sebastián', 'J. Sebastián'],
    ['j.c.', 'J. C.'],
    ['juan_carlos', 'Juan Carlos'],
    ['Ma. Fernanda', 'Ma Fernanda'],
    ['RODRIGUEZ P.', 'Rodriguez P.'],
    ['Diego Ó', 'Diego Ó.'],
    // Hyphens and apostrophes only join letters.
    ['Rodríguez - López', 'Rodríguez López'],
    ['juan--carlos', 'Juan-Carlos'],
    ["-ana- 'maría'", 'Ana María'],
    ['DE', 'De'],
  ])('%j → %j', (input, expected) => {
    expect(valueOf(input)).toBe(expected);
  });

  it.each([
    ['RAMIREZ 3', 'Ramirez'],
    ['Edwin@', 'Edwin'],
    ['Camilo *', 'Camilo'],
    ['SANTIAGO DANIEL4', 'Santiago Daniel'],
    ['Maria de los Angeles del Pilar', 'Maria de los Angeles del Pilar'],
  ])('confident when junk only trails a word: %j', (input, expected) => {
    expect(normalizePersonName(input)).toEqual({ value: expected, confident: true, flags: [] });
  });

  it.each([
    ['Jo3se', 'Jose'],
    ['Mar#ía', 'María'],
    ['juan@gmail.com', 'Juangmail Com'],
    ['www.juanperez.co', 'Www Juanperez Co'],
    ['Juan 3104567890', 'Juan'],
    ['mi nombre es juan carlos perez gomez', 'Mi Nombre Es Juan Carlos Perez Gomez'],
  ])('not confident, still cleaned, when the input does not look like a typed name: %j', (input, expected) => {
    expect(normalizePersonName(input)).toEqual({ value: expected, confident: false, flags: [] });
  });
});

describe('normalizePersonName — labeled set', () => {
  const cases = labeledRecords.flatMap((record) =>
    (['nombres', 'apellidos'] as const)
      .filter((field) => field in record.expected)
      .map((field) => ({ id: record.id, field, input: record.input[field], expected: record.expected[field] })),
  );

  it('covers the labeled name fields', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases)('$id $field: $input → $expected', ({ input, expected }) => {
    expect(valueOf(String(input))).toBe(expected);
  });
});

const NAME_PIECES = [
  'juan', 'CARLOS', 'maría', 'José', 'ÁNGEL', 'o’neil', "d'ambrosio", 'juan-carlos', 'de', 'DEL', 'la', 'los', 'y', 'e',
  'van', 'der', 'c', 'E.', 'j.', 'Mo\u0301nica', 'Pérez', 'ñuñez', 'ïsaza', 'hijos', '3', '2', '@', '*', '.', '..', '-',
  '--', "'", ',', '_', '#', 'x', 'ma.', 'a.b.', '\u200B', 'N/A',
];
const SEPARATORS = [' ', '  ', '\t', '\u00A0', '\u200B', '', ' . ', '.', '-', ' - ', ','];

const messyName = messyText(NAME_PIECES, SEPARATORS, 7);


describe('normalizePersonName — properties', () => {
  it('is idempotent and well-formed on messy names', () => {
    fc.assert(
      fc.property(messyName, (input) => {
        const { value } = normalizePersonName(input);
        expectWellFormed(value);
        if (value !== null) expect(valueOf(value)).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent and well-formed on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (input) => {
        const { value } = normalizePersonName(input);
        expectWellFormed(value);
        if (value !== null) expect(valueOf(value)).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps only letters, spaces, hyphens, apostrophes and the period of an initial', () => {
    fc.assert(
      fc.property(messyName, (input) => {
        const { value } = normalizePersonName(input);
        if (value === null) return;
        expect(value).toMatch(/^[\p{L}\p{M}' -]*(?:\p{L}\.[\p{L}\p{M}' .-]*)*$/u);
        for (const period of value.matchAll(/\./g)) {
          expect(value.slice(0, period.index)).toMatch(/(?:^| )\p{Lu}$/u);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
