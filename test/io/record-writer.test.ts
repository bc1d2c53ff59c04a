import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords, type ReadItem } from '#shared/io/record-reader.ts';
import { createCsvWriter, createJsonLinesWriter, createRecordWriter, type RecordWriter } from '#shared/io/record-writer.ts';

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

async function writeAll(writer: RecordWriter, records: Array<Record<string, unknown>>): Promise<void> {
  for (const record of records) await writer.write(record);
  await writer.close();
}

async function writeCsv(records: Array<Record<string, unknown>>): Promise<{ header: string[]; rows: Array<Record<string, string>> }> {
  const path = nextPath('csv');
  await writeAll(createCsvWriter(path), records);
  const text = await readFile(path, 'utf8');
  const [header = []] = parse(text, { to_line: 1 }) as string[][];
  return { header, rows: parse(text, { columns: true }) as Array<Record<string, string>> };
}

const META = { nombres: { source: 'rules', changed: true, flags: [] }, ciudad: { source: 'llm', changed: true, flags: ['ambiguous-city'] } };

const NORMALIZED_LEAD = {
  leadId: 'L-1',
  nombres: 'MARIA  DE LOS ANGELES',
  ciudad: 'cucuta, norte de santander',
  direccion: 'Cll 80 "bis" a #45-12\napto 301',
  edad: 31,
  normalizedData: { nombres: 'Maria de los Angeles', ciudad: 'San José de Cúcuta' },
  normalizationMeta: META,
};

describe('createCsvWriter', () => {
  it('writes the first record’s attributes, then normalizedData.<field> columns, then normalizationMeta and _extra', async () => {
    const { header } = await writeCsv([NORMALIZED_LEAD]);
    expect(header).toEqual([
      'leadId',
      'nombres',
      'ciudad',
      'direccion',
      'edad',
      'normalizedData.nombres',
      'normalizedData.ciudad',
      'normalizationMeta',
      '_extra',
    ]);
  });

  it('round-trips every attribute, the normalized values and the metadata (read back with csv-parse)', async () => {
    const { rows } = await writeCsv([NORMALIZED_LEAD]);
    expect(rows).toEqual([
      {
        leadId: 'L-1',
        nombres: 'MARIA  DE LOS ANGELES',
        ciudad: 'cucuta, norte de santander',
        direccion: 'Cll 80 "bis" a #45-12\napto 301',
        edad: '31',
        'normalizedData.nombres': 'Maria de los Angeles',
        'normalizedData.ciudad': 'San José de Cúcuta',
        normalizationMeta: JSON.stringify(META),
        _extra: '',
      },
    ]);
    expect(JSON.parse(rows[0]?.normalizationMeta ?? '')).toEqual(META);
  });

  it('writes null and missing values as empty cells and nested attributes as JSON', async () => {
    const { rows } = await writeCsv([
      { leadId: '1', empresa: null, tags: ['a', 'b'], extraInfo: { origen: 'web' }, normalizedData: { empresa: null } },
      { leadId: '2', tags: [], extraInfo: null, normalizedData: {} },
    ]);
    expect(rows).toEqual([
      { leadId: '1', empresa: '', tags: '["a","b"]', extraInfo: '{"origen":"web"}', 'normalizedData.empresa': '', normalizationMeta: '', _extra: '' },
      { leadId: '2', empresa: '', tags: '[]', extraInfo: '', 'normalizedData.empresa': '', normalizationMeta: '', _extra: '' },
    ]);
  });

  it('puts attributes and normalized fields that only later records have into _extra, as JSON', async () => {
    const { header, rows } = await writeCsv([
      { leadId: '1', nombres: 'ana', normalizedData: { nombres: 'Ana' }, normalizationMeta: {} },
      {
        leadId: '2',
        nombres: 'luis',
        telefono: '300 123 4567',
        notas: 'llamar, "urgente"',
        normalizedData: { nombres: 'Luis', empresa: 'SENA' },
        normalizationMeta: {},
      },
    ]);
    expect(header).toEqual(['leadId', 'nombres', 'normalizedData.nombres', 'normalizationMeta', '_extra']);
    expect(rows[0]?._extra).toBe('');
    expect(rows[1]).toMatchObject({ leadId: '2', nombres: 'luis', 'normalizedData.nombres': 'Luis' });
    expect(JSON.parse(rows[1]?._extra ?? '')).toEqual({
      telefono: '300 123 4567',
      notas: 'llamar, "urgente"',
      'normalizedData.empresa': 'SENA',
    });
  });

  it('is read back by the record reader with line numbers, ids and every value intact', async () => {
    const path = nextPath('csv');
    const records = [NORMALIZED_LEAD, { ...NORMALIZED_LEAD, leadId: 'L-2', direccion: 'Av. Cl. 26, Bogotá\r\nTorre 2' }];
    await writeAll(createCsvWriter(path), records);
    const items: ReadItem[] = [];
    for await (const item of readRecords(path, { format: 'csv', idFields: ['leadId'] })) items.push(item);
    expect(items.map((item) => (item.kind === 'record' ? [item.line, item.id, item.record.direccion] : item))).toEqual([
      [3, 'L-1', 'Cll 80 "bis" a #45-12\napto 301'],
      [5, 'L-2', 'Av. Cl. 26, Bogotá\r\nTorre 2'],
    ]);
  });

  it('writes an empty file when no record was written', async () => {
    const path = nextPath('csv');
    await createCsvWriter(path).close();
    expect(await readFile(path, 'utf8')).toBe('');
  });

  it('keeps memory flat on many rows and writes them all', async () => {
    const records = Array.from({ length: 5000 }, (_, index) => ({
      leadId: String(index),
      direccion: `Cl. ${index} # 1 - 2`,
      normalizedData: { direccion: `Cl. ${index} # 1 - 2` },
      normalizationMeta: { direccion: { source: 'rules', changed: false, flags: [] } },
    }));
    const { rows } = await writeCsv(records);
    expect(rows).toHaveLength(5000);
    expect(rows[4999]?.leadId).toBe('4999');
  });
});

describe('createJsonLinesWriter', () => {
  it('writes one JSON object per line', async () => {
    const path = nextPath('jsonl');
    const records = [NORMALIZED_LEAD, { leadId: 'L-2', nota: 'línea 1\nlínea 2', normalizedData: {} }, { leadId: 'L-3' }];
    await writeAll(createJsonLinesWriter(path), records);
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(records);
  });

  it('writes many records, waiting for the stream to drain', async () => {
    const path = nextPath('jsonl');
    const records = Array.from({ length: 20_000 }, (_, index) => ({ leadId: index, payload: 'x'.repeat(50) }));
    await writeAll(createJsonLinesWriter(path), records);
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(20_000);
    expect(JSON.parse(lines[19_999] ?? '')).toEqual(records[19_999]);
  });

  it('writes an empty file when no record was written', async () => {
    const path = nextPath('jsonl');
    await createJsonLinesWriter(path).close();
    expect(await readFile(path, 'utf8')).toBe('');
  });
});

describe('createRecordWriter', () => {
  it.each([
    ['csv', 'leadId,normalizationMeta,_extra\n1,,\n'],
    ['jsonl', '{"leadId":"1"}\n'],
  ] as const)('picks the %s writer', async (format, expected) => {
    const path = nextPath(format);
    await writeAll(createRecordWriter(path, format), [{ leadId: '1' }]);
    expect(await readFile(path, 'utf8')).toBe(expected);
  });
});
