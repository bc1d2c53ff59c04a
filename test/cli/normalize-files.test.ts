import { link, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvWithDuckDb } from '../io/duckdb-csv.ts';
import { normflowProcess } from './normflow-process.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const normflow = (...args: string[]) => normflowProcess(args, { cwd: dir });
const at = (name: string) => join(dir, name);

/** Windows-1252 bytes of a text (Buffer's latin1 covers every character used here). */
const windows1252 = (text: string) => Buffer.from(text, 'latin1');

/** A CSV file as DuckDB reads it, rows as {column: text} (an empty cell as ''). */
async function csvRows(path: string, delimiter = ','): Promise<{ header: string[]; rows: Array<Record<string, string>> }> {
  const { columns, rows } = await readCsvWithDuckDb(path, delimiter);
  return { header: columns, rows: rows.map((row) => Object.fromEntries(columns.map((column, index) => [column, row[index] ?? '']))) };
}

const jsonLines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('an Excel CSV from a Spanish locale: Windows-1252, `;`, headers with spaces and accents', () => {
  const EXCEL = 'ID;Nombres;Apellidos;Ciudad de residencia;Nivel educativo\r\n1;ÁNGEL DAVID;OSPINA NÚÑEZ;medellin;BACHILLER\r\n2;MARÍA JOSÉ;PEÑA;bogota;profesional\r\n';

  it('is read exactly, said once, normalized under its own headers and written back with `;`', async () => {
    await writeFile(at('excel.csv'), windows1252(EXCEL));
    await writeFile(at('excel-config.json'), JSON.stringify({ idField: 'ID', fields: { Nombres: 'personName', Apellidos: 'personName', 'Ciudad de residencia': 'city', 'nivel educativo': 'educationLevel' } }));
    const result = await normflow('normalize', '--input', 'excel.csv', '--output', 'excel.normalized.csv', '--config', 'excel-config.json');
    expect(result.code).toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual(['normflow: note: excel.csv is not UTF-8: read as Windows-1252, as Excel saves CSV in Spanish locales (--encoding to choose)']);
    // The summary's field column is as wide as the longest header.
    expect(result.stdout).toMatch(/^Ciudad de residencia +2 +100\.0% {2}NORMAL +2\/0\/0/m);
    expect(result.stdout).toMatch(/^Nombres {13} +2 +100\.0%/m);
    const { header, rows } = await csvRows(at('excel.normalized.csv'), ';');
    expect(header).toEqual([
      'ID',
      'Nombres',
      'normalizedData.Nombres',
      'normalizationMeta.Nombres.flags',
      'Apellidos',
      'normalizedData.Apellidos',
      'normalizationMeta.Apellidos.flags',
      'Ciudad de residencia',
      'normalizedData.Ciudad de residencia',
      'normalizedData.Ciudad de residencia Departamento',
      'normalizedData.Ciudad de residencia CodigoDane',
      'normalizationMeta.Ciudad de residencia.flags',
      'Nivel educativo',
      'normalizedData.Nivel educativo',
      'normalizationMeta.Nivel educativo.flags',
      'normalizationMeta',
      '_extra',
    ]);
    expect(rows[0]).toMatchObject({
      ID: '1',
      Nombres: 'ÁNGEL DAVID',
      'normalizedData.Nombres': 'Ángel David',
      Apellidos: 'OSPINA NÚÑEZ',
      'normalizedData.Apellidos': 'Ospina Núñez',
      'normalizedData.Ciudad de residencia': 'Medellín',
      'normalizedData.Ciudad de residencia Departamento': 'Antioquia',
      'normalizedData.Ciudad de residencia CodigoDane': '05001',
      'normalizedData.Nivel educativo': 'Bachiller',
    });
    expect(rows[1]).toMatchObject({ Nombres: 'MARÍA JOSÉ', 'normalizedData.Nombres': 'María José', Apellidos: 'PEÑA' });
    // The summary names the configured fields, never a value.
    expect(result.stdout).toContain('Ciudad de residencia');
    expect(result.stdout).not.toContain('OSPINA');
  });

  it('matches the default fields to Spanish headers too (`Nombres` for nombres, `Nivel educativo` for nivelEducativo)', async () => {
    await writeFile(at('defaults.csv'), 'ID;Nombres;Ciudad;Nivel educativo;Teléfono\r\n7;ana maria;cali;tecnico;300\r\n');
    const result = await normflow('normalize', '--input', 'defaults.csv', '--output', 'defaults.jsonl');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('matches the configured field(s) "apellidos", "direccion", "ocupacionActual", "empresa"; they are not normalized');
    const [record] = jsonLines(await readFile(at('defaults.jsonl'), 'utf8'));
    expect(record).toEqual({
      ID: '7',
      Nombres: 'ana maria',
      Ciudad: 'cali',
      'Nivel educativo': 'tecnico',
      Teléfono: '300',
      normalizedData: { Nombres: 'Ana Maria', Ciudad: 'Santiago de Cali', CiudadDepartamento: 'Valle del Cauca', CiudadCodigoDane: '76001', 'Nivel educativo': 'Técnico' },
      normalizationMeta: expect.any(Object) as unknown,
    });
  });

  it('--encoding and --delimiter override the detection; a bad value is a usage error', async () => {
    await writeFile(at('forced.csv'), windows1252('ID|Nombres\r\n1|NÚÑEZ\r\n'));
    const forced = await normflow('normalize', '--input', 'forced.csv', '--output', 'forced.jsonl', '--encoding', 'latin1', '--delimiter', '|');
    expect(forced.code).toBe(0);
    expect(forced.stderr).not.toContain('Windows-1252');
    expect(jsonLines(await readFile(at('forced.jsonl'), 'utf8'))[0]).toMatchObject({ ID: '1', Nombres: 'NÚÑEZ', normalizedData: { Nombres: 'Núñez' } });
    // A name every object inherits is no encoding either (it was an unexpected error).
    for (const label of ['ebcdic', 'constructor', '__proto__']) {
      const bad = await normflow('normalize', '--input', 'forced.csv', '--output', 'x.jsonl', '--encoding', label);
      expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(new RegExp(`^normflow: --encoding must be one of utf-8, utf8, .*\\(got "${label}"\\)\\n$`)) as unknown });
    }
  });
});

describe('a malformed CSV row', () => {
  it('a stray quote: its line goes to the rejected file with its number, every other row is written, exit 1', async () => {
    await writeFile(at('stray.csv'), 'leadId,nombres,ciudad\n1,Ana,Cali\n2,"PEREZ, ANA,Bogotá\n3,Luis,Neiva\n4,"Ruiz, Eva",Pasto\n');
    const result = await normflow('normalize', '--input', 'stray.csv', '--output', 'stray.jsonl');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('1 line(s) rejected (see stray.jsonl.rejected.jsonl');
    expect(jsonLines(await readFile(at('stray.jsonl'), 'utf8')).map((record) => record.leadId)).toEqual(['1', '3', '4']);
    expect(jsonLines(await readFile(at('stray.jsonl.rejected.jsonl'), 'utf8'))).toEqual([
      { line: 3, reason: 'a quote opened on this line is never closed', raw: '2,"PEREZ, ANA,Bogotá' },
    ]);
  });

  it('a rejected file left from an earlier run is removed when this run rejects nothing', async () => {
    await writeFile(at('clean.csv'), 'leadId,nombres\n1,Ana\n');
    await writeFile(at('clean.jsonl.rejected.jsonl'), '{"line":9,"reason":"old"}\n');
    expect((await normflow('normalize', '--input', 'clean.csv', '--output', 'clean.jsonl')).code).toBe(0);
    expect((await readdir(dir)).includes('clean.jsonl.rejected.jsonl')).toBe(false);
  });
});

describe('CSV out: RFC 4180, formulas neutralized, normalized again without duplicate columns', () => {
  const INPUT = [
    'leadId,nombres,nota,telefono',
    'L2,"ana\nmaria","=HYPERLINK(""http://x.example"",""clic"")",+573001234567',
    'L10,luis,"@SUM(1+1)*cmd|\' /C calc\'!A0",-5',
    'L1,"PEREZ, EVA","línea 1\rlínea 2",+57 300 123 4567',
  ].join('\r\n');

  it('a second CSV reader (DuckDB) sees the same rows; formula cells carry a leading \'; plain numbers do not', async () => {
    await writeFile(at('formulas.csv'), INPUT);
    expect((await normflow('normalize', '--input', 'formulas.csv', '--output', 'formulas.out.csv')).code).toBe(0);
    const { rows } = await csvRows(at('formulas.out.csv'));
    expect(rows.map((row) => [row.leadId, row.nombres, row['normalizedData.nombres'], row.nota, row.telefono])).toEqual([
      ['L2', 'ana\nmaria', 'Ana Maria', `'=HYPERLINK("http://x.example","clic")`, '+573001234567'],
      ['L10', 'luis', 'Luis', `'@SUM(1+1)*cmd|' /C calc'!A0`, '-5'],
      ['L1', 'PEREZ, EVA', 'Perez Eva', 'línea 1\rlínea 2', `'+57 300 123 4567`],
    ]);
  });

  it('--no-neutralize-formulas writes them as they are', async () => {
    await writeFile(at('raw.csv'), INPUT);
    expect((await normflow('normalize', '--input', 'raw.csv', '--output', 'raw.out.csv', '--no-neutralize-formulas')).code).toBe(0);
    const { rows } = await csvRows(at('raw.out.csv'));
    expect(rows[0]?.nota).toBe('=HYPERLINK("http://x.example","clic")');
  });

  it('a normalized CSV normalized again: the same columns once, the originals exactly as first read', async () => {
    await writeFile(at('twice.csv'), INPUT);
    expect((await normflow('normalize', '--input', 'twice.csv', '--output', 'twice.1.csv')).code).toBe(0);
    expect((await normflow('normalize', '--input', 'twice.1.csv', '--output', 'twice.2.csv')).code).toBe(0);
    const first = await readFile(at('twice.1.csv'), 'utf8');
    expect(await readFile(at('twice.2.csv'), 'utf8')).toBe(first);
    expect((await normflow('normalize', '--input', 'twice.1.csv', '--output', 'twice.jsonl')).code).toBe(0);
    expect(jsonLines(await readFile(at('twice.jsonl'), 'utf8')).map(({ leadId, nombres, nota, telefono }) => ({ leadId, nombres, nota, telefono }))).toEqual([
      { leadId: 'L2', nombres: 'ana\nmaria', nota: '=HYPERLINK("http://x.example","clic")', telefono: '+573001234567' },
      { leadId: 'L10', nombres: 'luis', nota: "@SUM(1+1)*cmd|' /C calc'!A0", telefono: '-5' },
      { leadId: 'L1', nombres: 'PEREZ, EVA', nota: 'línea 1\rlínea 2', telefono: '+57 300 123 4567' },
    ]);
  });
});

describe('files: standard input and output, the input is never the output, nothing half-written', () => {
  const RECORDS = ['{"leadId":"1","nombres":"JUAN  PEREZ"}', '{"leadId":"2","ciudad":"medellin"}', 'oops'].join('\n');

  it('- reads standard input and writes standard output; the summary goes to standard error; --quiet drops it', async () => {
    const result = await normflowProcess(['normalize', '--input', '-', '--output', '-'], { cwd: dir, stdin: RECORDS });
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout).map((record) => record.normalizedData)).toEqual([{ nombres: 'Juan Perez' }, { ciudad: 'Medellín', ciudadDepartamento: 'Antioquia', ciudadCodigoDane: '05001' }]);
    expect(result.stderr).toContain('records: 2');
    expect(result.stderr).toContain('1 line(s) rejected (see normalize.rejected.jsonl');
    expect(jsonLines(await readFile(at('normalize.rejected.jsonl'), 'utf8'))).toEqual([{ line: 3, reason: 'not valid JSON', raw: 'oops' }]);
    const quiet = await normflowProcess(['normalize', '--input', '-', '--output', '-', '--quiet'], { cwd: dir, stdin: RECORDS.split('\n').slice(0, 2).join('\n') });
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
    expect(jsonLines(quiet.stdout)).toHaveLength(2);
  });

  it('CSV on standard input is recognised from its text, and written back as CSV', async () => {
    const result = await normflowProcess(['normalize', '--input', '-', '--output', '-', '--quiet'], { cwd: dir, stdin: 'leadId;nombres\r\n1;ANA\r\n' });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      '\uFEFFleadId;nombres;normalizedData.nombres;normalizationMeta.nombres.flags;normalizationMeta;_extra\r\n1;ANA;Ana;;"{""nombres"":{""source"":""rules"",""changed"":true,""flags"":[]}}";\r\n',
    );
    // --quiet drops the summary, not the notes on how the input was read.
    expect(result.stderr).toMatch(/^normflow: note: no column of standard input matches the configured field\(s\) "apellidos"/);
  });

  it.each([
    ['the same path', async () => 'same.jsonl'],
    ['a symbolic link to it', async () => (await symlink(at('same.jsonl'), at('link.jsonl')), 'link.jsonl')],
    ['a hard link to it (the same inode)', async () => (await link(at('same.jsonl'), at('hard.jsonl')), 'hard.jsonl')],
  ])('an output that is the input (%s) is refused before anything is written', async (_name, outputOf) => {
    await writeFile(at('same.jsonl'), RECORDS);
    const output = await outputOf();
    const result = await normflow('normalize', '--input', 'same.jsonl', '--output', output);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(`normflow: --output ${output} is the input file itself; writing it would destroy the originals: choose another file\n`);
    expect(await readFile(at('same.jsonl'), 'utf8')).toBe(RECORDS);
    await rm(at(output), { force: true }).catch(() => undefined);
  });

  it('the rejected file may not be the input either', async () => {
    await writeFile(at('mine.jsonl'), RECORDS);
    const result = await normflow('normalize', '--input', 'mine.jsonl', '--output', 'o.jsonl', '--rejected', 'mine.jsonl');
    expect(result.code).toBe(2);
    expect(await readFile(at('mine.jsonl'), 'utf8')).toBe(RECORDS);
  });

  it('a full disk is one line, exit 1 (/dev/full)', async () => {
    await writeFile(at('full.jsonl'), RECORDS);
    const result = await normflow('normalize', '--input', 'full.jsonl', '--output', '/dev/full', '--quiet');
    expect(result).toMatchObject({ code: 1, stderr: 'normflow: cannot write /dev/full: no space left on device (ENOSPC)\n' });
  });

  it('a missing input is one line, exit 2, and nothing is created', async () => {
    const result = await normflow('normalize', '--input', 'nope.csv', '--output', 'never.csv');
    expect(result).toMatchObject({ code: 2, stderr: 'normflow: --input nope.csv: no such file\n' });
    expect((await readdir(dir)).some((name) => name.includes('never.csv'))).toBe(false);
  });
});

describe('eval --config with your own column names', () => {
  it('scores a labeled set whose names match the configured fields case- and accent-insensitively', async () => {
    const items = [
      { id: '1', input: { NOMBRES: 'ANGEL  DAVID', 'ciudad de residencia': 'medellin' }, expected: { NOMBRES: 'Angel David', 'Ciudad de residencia': 'Medellín', 'ciudad de residencia departamento': 'Antioquia' } },
      { id: '2', input: { NOMBRES: 'maria', 'ciudad de residencia': 'cali' }, expected: { NOMBRES: 'Maria', 'Ciudad de residencia': 'Santiago de Cali' } },
    ];
    await writeFile(at('labels.jsonl'), items.map((item) => JSON.stringify(item)).join('\n'));
    await writeFile(at('labels-config.json'), JSON.stringify({ fields: { Nombres: 'personName', 'Ciudad de residencia': 'city' } }));
    const result = await normflow('eval', '--dataset', 'labels.jsonl', '--config', 'labels-config.json', '--json');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { records: number; accuracy: { hits: number; total: number }; fieldAccuracy: Record<string, unknown> };
    expect(report.records).toBe(2);
    expect(report.accuracy).toMatchObject({ hits: 5, total: 5 });
    expect(Object.keys(report.fieldAccuracy).sort()).toEqual(['Ciudad de residencia', 'Ciudad de residencia Departamento', 'Nombres']);

    // The same set as one JSON array, as a JSON editor saves it.
    await writeFile(at('labels.json'), JSON.stringify(items, null, 2));
    const fromArray = await normflow('eval', '--dataset', 'labels.json', '--config', 'labels-config.json', '--json');
    expect(fromArray.code).toBe(0);
    expect(JSON.parse(fromArray.stdout)).toMatchObject({ records: 2, accuracy: { hits: 5, total: 5 } });
  });
});
