import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatOfPath, readRecords, type ReadItem, type ReadOptions } from '#shared/io/record-reader.ts';

let directory: string;
let fileCounter = 0;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'normflow-reader-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function readText(text: string, options: ReadOptions): Promise<ReadItem[]> {
  fileCounter += 1;
  const path = join(directory, `input-${fileCounter}.${options.format}`);
  await writeFile(path, text, 'utf8');
  const items: ReadItem[] = [];
  for await (const item of readRecords(path, options)) items.push(item);
  return items;
}

const JSONL = { format: 'jsonl', idFields: ['leadId'] } as const;
const CSV = { format: 'csv', idFields: ['leadId'] } as const;

const summary = (items: ReadItem[]) =>
  items.map((item) => (item.kind === 'record' ? { line: item.line, id: item.id } : { line: item.line, rejected: item.reason }));

describe('formatOfPath', () => {
  it.each([
    ['leads.csv', 'csv'],
    ['LEADS.CSV', 'csv'],
    ['leads.jsonl', 'jsonl'],
    ['leads.json', 'jsonl'],
    ['leads', 'jsonl'],
  ])('%s → %s', (path, format) => {
    expect(formatOfPath(path)).toBe(format);
  });
});

describe('readRecords JSONL', () => {
  it('reads records with 1-based line numbers, skipping blank lines and rejecting non-records', async () => {
    const lines = [
      '{"leadId": "a1", "nombres": "JUAN"}',
      '',
      '{"leadId": "a2", "nombres": ',
      '[1, 2, 3]',
      '42',
      '   ',
      '{"nombres": "sin id"}',
      'null',
      '"texto"',
      '{"leadId": "a3", "ciudad": "Medellín"}',
    ];
    const items = await readText(`${lines.join('\n')}\n`, JSONL);
    expect(summary(items)).toEqual([
      { line: 1, id: 'a1' },
      { line: 3, rejected: 'not valid JSON' },
      { line: 4, rejected: 'not a JSON object' },
      { line: 5, rejected: 'not a JSON object' },
      { line: 7, rejected: 'no id (expected "leadId")' },
      { line: 8, rejected: 'not a JSON object' },
      { line: 9, rejected: 'not a JSON object' },
      { line: 10, id: 'a3' },
    ]);
  });

  it('keeps the raw text of a rejected line', async () => {
    const [item] = await readText('{"leadId": broken\n', JSONL);
    expect(item).toEqual({ kind: 'rejected', line: 1, reason: 'not valid JSON', raw: '{"leadId": broken' });
  });

  it('leaves good records untouched', async () => {
    const record = { leadId: 'x', nombres: '  MARÍA  ', edad: 31, tags: ['a'], nested: { ciudad: null } };
    const items = await readText(`not json\n${JSON.stringify(record)}\n`, JSONL);
    expect(items[1]).toEqual({ kind: 'record', line: 2, id: 'x', record });
  });

  it('reads a last line without a trailing newline, and CRLF line ends', async () => {
    const items = await readText('{"leadId": "1"}\r\n\r\n{"leadId": "2"}', JSONL);
    expect(summary(items)).toEqual([
      { line: 1, id: '1' },
      { line: 3, id: '2' },
    ]);
  });

  it('takes the id from the first of idFields present, string or number', async () => {
    const lines = [
      '{"leadId": "L1", "id": 9}',
      '{"id": 9}',
      '{"id": 0}',
      '{"leadId": "", "id": "fallback"}',
      '{"leadId": "   ", "id": 7.5}',
      '{"leadId": null, "id": true}',
      '{"leadId": {"v": 1}}',
    ];
    const items = await readText(lines.join('\n'), { format: 'jsonl', idFields: ['leadId', 'id'] });
    expect(summary(items)).toEqual([
      { line: 1, id: 'L1' },
      { line: 2, id: '9' },
      { line: 3, id: '0' },
      { line: 4, id: 'fallback' },
      { line: 5, id: '7.5' },
      { line: 6, rejected: 'no id (expected "leadId" or "id")' },
      { line: 7, rejected: 'no id (expected "leadId" or "id")' },
    ]);
  });

  it('reports the bytes read so far', async () => {
    const text = `${'{"leadId": "1", "nombres": "juan"}\n'.repeat(50)}`;
    const seen: number[] = [];
    fileCounter += 1;
    const path = join(directory, `bytes-${fileCounter}.jsonl`);
    await writeFile(path, text, 'utf8');
    let count = 0;
    for await (const item of readRecords(path, { ...JSONL, onBytes: (bytes) => seen.push(bytes) })) {
      if (item.kind === 'record') count += 1;
    }
    expect(count).toBe(50);
    expect(seen.at(-1)).toBe(Buffer.byteLength(text));
  });

  it('reads an empty file as no items', async () => {
    expect(await readText('', JSONL)).toEqual([]);
  });
});

describe('readRecords CSV', () => {
  it('parses RFC 4180 quoting: commas, doubled quotes, embedded newlines, BOM and accents', async () => {
    const text = [
      '\uFEFFleadId,nombres,direccion',
      '1,"Pérez, Juan","Cl. 80 ""Bis"" A # 45-12"',
      '2,"MARÍA',
      'DE LOS ÁNGELES",Cra. 7',
      '3,Ñoño,"Av. Cl. 26, Bogotá"',
    ].join('\n');
    const items = await readText(`${text}\n`, CSV);
    expect(items).toEqual([
      {
        kind: 'record',
        line: 2,
        id: '1',
        record: { leadId: '1', nombres: 'Pérez, Juan', direccion: 'Cl. 80 "Bis" A # 45-12' },
      },
      // A record spanning lines is numbered by the line where it ends (csv-parse's convention).
      { kind: 'record', line: 4, id: '2', record: { leadId: '2', nombres: 'MARÍA\nDE LOS ÁNGELES', direccion: 'Cra. 7' } },
      { kind: 'record', line: 5, id: '3', record: { leadId: '3', nombres: 'Ñoño', direccion: 'Av. Cl. 26, Bogotá' } },
    ]);
  });

  it('strips the BOM from the first header, so the id column is found', async () => {
    const items = await readText('\uFEFFleadId,ciudad\n7,Cali\n', CSV);
    expect(items).toEqual([{ kind: 'record', line: 2, id: '7', record: { leadId: '7', ciudad: 'Cali' } }]);
  });

  it('reads CRLF files', async () => {
    const items = await readText('leadId,ciudad\r\n1,Cali\r\n2,"Santa Marta,\r\nMagdalena"\r\n3,Pasto\r\n', CSV);
    expect(summary(items)).toEqual([
      { line: 2, id: '1' },
      { line: 4, id: '2' },
      { line: 5, id: '3' },
    ]);
    expect(items[1]?.kind === 'record' && items[1].record.ciudad).toBe('Santa Marta,\r\nMagdalena');
  });

  it('rejects rows with the wrong column count and goes on reading the rest', async () => {
    const text = [
      'leadId,nombres,ciudad',
      '1,Ana,Cali',
      '2,too,many,columns',
      '3,short',
      '',
      '4,Luis,Neiva',
      '5,,',
      ',sin id,Pasto',
    ].join('\n');
    const items = await readText(`${text}\n`, CSV);
    expect(summary(items)).toEqual([
      { line: 2, id: '1' },
      { line: 3, rejected: 'wrong number of columns' },
      { line: 4, rejected: 'wrong number of columns' },
      { line: 6, id: '4' },
      { line: 7, id: '5' },
      { line: 8, rejected: 'no id (expected "leadId")' },
    ]);
    expect(items[4]).toEqual({ kind: 'record', line: 7, id: '5', record: { leadId: '5', nombres: '', ciudad: '' } });
  });

  it('keeps every column value as a string, untouched', async () => {
    const items = await readText('leadId,edad,nombres\n0012,031,"  JUAN  "\n', CSV);
    expect(items).toEqual([{ kind: 'record', line: 2, id: '0012', record: { leadId: '0012', edad: '031', nombres: '  JUAN  ' } }]);
  });
});

describe('readRecords CSV line numbers (property)', () => {
  const quotedField = fc
    .array(fc.constantFrom('x', 'á', ',', '""', '\n', '\r\n', ' '), { maxLength: 5 })
    .map((parts) => `"${parts.join('')}"`);
  const field = fc.oneof(fc.constantFrom('a', 'Ñoño', ''), quotedField);
  const row = fc.tuple(field, field).map(([first, second]) => `${first},${second}`);
  const lineBreaks = (text: string) => text.match(/\r\n|\n|\r/g)?.length ?? 0;

  it('numbers each record by the line where it ends, whatever the line ends inside and between rows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 6 }), fc.constantFrom('\n', '\r\n'), fc.nat(6), async (rows, eol, blankAt) => {
        const ids = rows.map((_, index) => `id${index}`);
        const lines = ['leadId,a,b', ...rows.map((text, index) => `${ids[index]},${text}`)];
        lines.splice(1 + Math.min(blankAt, rows.length), 0, '');
        const text = `${lines.join(eol)}${eol}`;

        const expectedLines: number[] = [];
        let offset = 0;
        lines.forEach((lineText, index) => {
          if (index > 0 && lineText !== '') expectedLines.push(lineBreaks(text.slice(0, offset + lineText.length)) + 1);
          offset += lineText.length + eol.length;
        });

        const items = await readText(text, CSV);
        expect(summary(items)).toEqual(ids.map((id, index) => ({ id, line: expectedLines[index] })));
      }),
      { numRuns: 150 },
    );
  });
});
