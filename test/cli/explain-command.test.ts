import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeCityResolution, explainValue, formatExplanation } from '#cli/explain-command.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/normflow.mjs', import.meta.url).pathname;

async function normflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, FORCE_COLOR: '0' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const how = (input: string): string => {
  const resolution = explainValue('city', 'ciudad', input).result.cityResolution;
  if (!resolution) throw new Error(`no resolution for ${input}`);
  return describeCityResolution(resolution);
};

describe('explain: how a city resolved', () => {
  it.each([
    ['El Retiro, Antioquia', 'official name "Retiro"; after dropping the leading article; department hint Antioquia (05) restricted the lookup'],
    ['Barranca', 'alias or alternate name "barranca"'],
    ['Villarica', 'ambiguous between 19845 Villa Rica (Cauca) and 73873 Villarrica (Tolima)'],
    ['Cucuta N.S.', 'alias or alternate name "Cúcuta"; department hint Norte de Santander (54) restricted the lookup'],
    ['B/manga', 'alias or alternate name "b manga"'],
    ['Pto Boyacá', 'official name "Puerto Boyacá"; after expanding a prefix abbreviation (pto, sta, sn, stgo)'],
    ['Cartagena de Indias D.T. y C.', 'official name "Cartagena de Indias"; after dropping a country or district suffix'],
    ['Bogotá, Cundinamarca', 'alias or alternate name "Bogotá"; department hint Cundinamarca (25) ignored: the name alone decided'],
    ['Neiba, Caldas', 'misspelling of "Neira" at distance 1; department hint Caldas (17) restricted the lookup'],
    ['Springfield', 'no municipality matched'],
  ])('%s: %s', (input, expected) => {
    expect(how(input)).toBe(expected);
  });

  it('prints the value, the municipality, the flags and the review risk', () => {
    expect(formatExplanation(explainValue('city', 'ciudad', 'El Retiro, Antioquia'))).toBe(
      [
        'ciudad (city) "El Retiro, Antioquia"',
        '  value      Retiro',
        '  municipio  05607 Retiro (Antioquia)',
        '  decided    yes',
        '  flags      none',
        '  how        official name "Retiro"; after dropping the leading article; department hint Antioquia (05) restricted the lookup',
        '  risk       1 of 4: an alias or alternate name, a dropped article, an expanded abbreviation or an overruled hint',
      ].join('\n'),
    );
  });
});

describe('explain: every other kind', () => {
  it.each([
    ['educationLevel', 'Bachillerato incompleto', ['  value      Bachiller', '  flags      incomplete-education (the input says the level was not completed)']],
    ['educationLevel', 'Posgrado', ['  decided    no, the model may answer it', '  flags      unrecognized-education (no level word the rules know)']],
    ['address', 'Mz 5 Cs 12', ['  value      Manzana 5 Casa 12', '  flags      unparsed-address (not urban grid nomenclature)']],
    ['personName', 'N / A', ['  value      null']],
    ['occupation', 'JEFE DE RRHH', ['  value      Jefe de RRHH', '  decided    yes']],
    ['organization', 'I.C.B.F.', ['  value      ICBF']],
    ['text', '  hola   mundo ', ['  value      hola mundo']],
  ] as const)('%s %j', (kind, input, expectedLines) => {
    const text = formatExplanation(explainValue(kind, null, input));
    expect(text.split('\n')[0]).toBe(`${kind} ${JSON.stringify(input)}`);
    for (const line of expectedLines) expect(text.split('\n')).toContain(line);
    expect(text).not.toContain('risk');
  });
});

describe('normflow explain (the command)', () => {
  it('explains each value of a configured field, as text or JSON', async () => {
    const text = await normflow('explain', '--field', 'ciudad', 'El Retiro, Antioquia', 'Villarica');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('municipio  05607 Retiro (Antioquia)');
    expect(text.stdout).toContain('how        ambiguous between 19845 Villa Rica (Cauca) and 73873 Villarrica (Tolima)');

    const json = await normflow('explain', '--kind', 'city', '--json', 'Barranca');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({
        field: null,
        kind: 'city',
        input: 'Barranca',
        result: expect.objectContaining({ value: 'Barrancabermeja', cityResolution: expect.objectContaining({ match: 'alias', risk: 1 }) }),
      }),
    ]);
  });

  it('rejects an unknown field or kind with a one-line error and exit code 2', async () => {
    const unknownField = await normflow('explain', '--field', 'telefono', '123');
    expect(unknownField.code).toBe(2);
    expect(unknownField.stderr.trim()).toBe(
      'normflow: field "telefono" is not configured (fields: nombres, apellidos, direccion, ciudad, nivelEducativo, ocupacionActual, empresa)',
    );
    const unknownKind = await normflow('explain', '--kind', 'phone', '123');
    expect(unknownKind.code).toBe(2);
    expect(unknownKind.stderr).toMatch(/^normflow: --kind must be one of/);
    const neither = await normflow('explain', 'Cali');
    expect(neither.code).toBe(2);
    expect(neither.stderr.trim()).toBe('normflow: explain needs --field <name> or --kind <kind>');
  });
});
