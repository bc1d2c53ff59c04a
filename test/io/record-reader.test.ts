import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'csv-stringify/sync';
import { MAX_QUOTED_RECORD_CHARS, type CsvDelimiter } from '#shared/io/csv-records.ts';
import { formatOfPath, readRecords, type ReadItem, type ReadOptions } from '#shared/io/record-reader.ts';

let directory: string;
let fileCounter = 0;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'normflow-reader-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function readBytes(bytes: Buffer | string, options: ReadOptions, extension: string = options.format ?? 'csv'): Promise<ReadItem[]> {
  fileCounter += 1;
  const path = join(directory, `input-${fileCounter}.${extension}`);
  await writeFile(path, bytes);
  const items: ReadItem[] = [];
  for await (const item of readRecords(path, options)) items.push(item);
  return items;
}

const readText = (text: string, options: ReadOptions) => readBytes(Buffer.from(text, 'utf8'), options);

const JSONL = { format: 'jsonl', idFields: ['leadId'] } as const;
const CSV = { format: 'csv', idFields: ['leadId'] } as const;

const summary = (items: ReadItem[]) =>
  items.map((item) => (item.kind === 'record' ? { line: item.line, id: item.id } : { line: item.line, rejected: item.reason }));

describe('formatOfPath', () => {
  it.each([
    ['leads.csv', 'csv'],
    ['LEADS.CSV', 'csv'],
    ['leads.jsonl', 'jsonl'],
    ['leads.json', 'json'],
    ['leads.tsv', 'csv'],
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
      '{"leadId": " L8 ", "nombres": "ana"}',
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
      { line: 8, id: 'L8' },
    ]);
    // The id is trimmed (spaces a spreadsheet kept make no other lead); the record keeps what was typed.
    expect(items[7]).toMatchObject({ record: { leadId: ' L8 ' } });
  });

  it('rejects an id a spreadsheet wrote in scientific notation (its digits are gone), and only that form', async () => {
    const csv = 'cedula;nombres\r\n1,02346E+09;ANA\r\n1.02346E+09;LUIS\r\n1023456789;EVA\r\n3E4;RAUL\r\n2e+5;MIA\r\n';
    const items = await readText(csv, { format: 'csv', idFields: ['cedula'] });
    const lost = (id: string) => `id "${id}" is in scientific notation: the spreadsheet dropped its last digits, so two leads could share it (format the id column as Text, then save as CSV again)`;
    expect(summary(items)).toEqual([
      { line: 2, rejected: lost('1,02346E+09') },
      { line: 3, rejected: lost('1.02346E+09') },
      { line: 4, id: '1023456789' },
      { line: 5, id: '3E4' },
      { line: 6, id: '2e+5' },
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

  it('rejects a line holding U+FFFD (a character lost in decoding) instead of passing it on', async () => {
    const items = await readText('{"leadId": "1", "nombres": "N\uFFFDez"}\n{"leadId": "2", "nombres": "escaped \\ufffd is data"}\n', JSONL);
    expect(summary(items)).toEqual([
      { line: 1, rejected: 'contains U+FFFD, the mark of a character lost before this file was written' },
      { line: 2, id: '2' },
    ]);
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
      // A record spanning lines is numbered by the line where it starts.
      { kind: 'record', line: 3, id: '2', record: { leadId: '2', nombres: 'MARÍA\nDE LOS ÁNGELES', direccion: 'Cra. 7' } },
      { kind: 'record', line: 5, id: '3', record: { leadId: '3', nombres: 'Ñoño', direccion: 'Av. Cl. 26, Bogotá' } },
    ]);
  });

  it('reads CRLF files, keeping a CRLF inside a quoted value as it is', async () => {
    const items = await readText('leadId,ciudad\r\n1,Cali\r\n2,"Santa Marta,\r\nMagdalena"\r\n3,Pasto\r\n', CSV);
    expect(summary(items)).toEqual([
      { line: 2, id: '1' },
      { line: 3, id: '2' },
      { line: 5, id: '3' },
    ]);
    expect(items[1]?.kind === 'record' && items[1].record.ciudad).toBe('Santa Marta,\r\nMagdalena');
  });

  it('rejects rows with the wrong number of values and goes on; trailing empty values and empty rows are fine', async () => {
    const text = [
      'leadId,nombres,ciudad',
      '1,Ana,Cali',
      '2,too,many,columns',
      '3,short',
      '',
      '4,Luis,Neiva,,',
      '5,,',
      ',sin id,Pasto',
      ',,',
    ].join('\n');
    const items = await readText(`${text}\n`, CSV);
    expect(summary(items)).toEqual([
      { line: 2, id: '1' },
      { line: 3, rejected: '4 values, expected 3 (one per column)' },
      { line: 4, rejected: '2 values, expected 3 (one per column)' },
      { line: 6, id: '4' },
      { line: 7, id: '5' },
      { line: 8, rejected: 'no id (expected "leadId")' },
    ]);
    expect(items[3]).toMatchObject({ record: { leadId: '4', nombres: 'Luis', ciudad: 'Neiva' } });
    expect(items[4]).toMatchObject({ record: { leadId: '5', nombres: '', ciudad: '' } });
  });

  it('a header ending in unnamed columns (`a;b;c;`) lets rows stop before them; a named column is never missing', async () => {
    const items = await readText('leadId;nombres;ciudad;;\r\n1;ana;cali\r\n2;luis;neiva;;\r\n3;eva;;x\r\n4;sol\r\n', { format: 'csv', idFields: ['leadId'] });
    expect(summary(items)).toEqual([
      { line: 2, id: '1' },
      { line: 3, id: '2' },
      { line: 4, id: '3' },
      { line: 5, rejected: '2 values, expected 5 (one per column)' },
    ]);
    expect(items[0]).toMatchObject({ record: { leadId: '1', nombres: 'ana', ciudad: 'cali', _column4: '', _column5: '' } });
    expect(items[2]).toMatchObject({ record: { leadId: '3', ciudad: '', _column4: 'x' } });
  });

  it('keeps every column value as a string, untouched', async () => {
    const items = await readText('leadId,edad,nombres\n0012,031,"  JUAN  "\n', CSV);
    expect(items).toMatchObject([{ kind: 'record', line: 2, id: '0012', record: { leadId: '0012', edad: '031', nombres: '  JUAN  ' } }]);
  });

  it('names an unnamed column by its position and refuses a header that names a column twice', async () => {
    const items = await readText('leadId,,ciudad\n1,x,Cali\n', CSV);
    expect(items).toMatchObject([{ record: { leadId: '1', _column2: 'x', ciudad: 'Cali' } }]);
    await expect(readText('leadId,ciudad,ciudad\n1,a,b\n', CSV)).rejects.toThrow('the CSV header names the column "ciudad" twice (columns 2 and 3); rename one');
    await expect(readText('leadId,"ciudad\n', CSV)).rejects.toMatchObject({ name: 'Input.Invalid', message: expect.stringContaining('the CSV header (line 1) is malformed') });
  });

  it('matches the id column as configured fields are matched: case, accents and spacing aside', async () => {
    const items = await readText('ID,Nombres\nA-1,Ana\n', { format: 'csv', idFields: ['leadId', 'id'] });
    expect(summary(items)).toEqual([{ line: 2, id: 'A-1' }]);
  });
});

describe('readRecords CSV dialect: delimiter sniffed from the header', () => {
  const SPANISH = 'ID;Nombres;Apellidos;Ciudad de residencia\r\n1;ÁNGEL DAVID;OSPINA NÚÑEZ;Medellín\r\n2;"MARÍA; JOSÉ";PÉREZ;"Bogotá, D.C."\r\n';

  it('reads a `;` file with Spanish headers (Excel in a Spanish locale)', async () => {
    const items = await readText(SPANISH, { format: 'csv', idFields: ['leadId', 'id'] });
    expect(items.map((item) => item.kind === 'record' && item.record)).toEqual([
      { ID: '1', Nombres: 'ÁNGEL DAVID', Apellidos: 'OSPINA NÚÑEZ', 'Ciudad de residencia': 'Medellín' },
      { ID: '2', Nombres: 'MARÍA; JOSÉ', Apellidos: 'PÉREZ', 'Ciudad de residencia': 'Bogotá, D.C.' },
    ]);
  });

  it.each([
    ['tab', 'leadId\tnombres\tciudad\n1\tAna, María\tCali\n', '\t'],
    ['pipe', 'leadId|nombres|ciudad\n1|Ana, María|Cali\n', '|'],
    ['comma, with `;` only inside a quoted header', '"leadId;x",nombres,ciudad\n1,"Ana; María",Cali\n', ','],
    ['`;`, with commas only inside a quoted header', '"lead,Id";nombres;ciudad\n1;Ana, María;Cali\n', ';'],
  ])('%s', async (_name, text) => {
    const columns: string[][] = [];
    const items = await readText(text, { format: 'csv', idFields: ['leadId', 'lead,Id', 'leadId;x'], onColumns: (names) => columns.push([...names]) });
    expect(columns[0]).toHaveLength(3);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'record', id: '1' });
    expect(Object.values(items[0]?.kind === 'record' ? items[0].record : {})).toContain('Cali');
  });

  it("Excel's `sep=` first line names the delimiter and is not a row; line numbers stay physical", async () => {
    const sniffed: string[] = [];
    // The header alone would sniff as `,` (two commas, one `;`).
    const text = '\uFEFFsep=;\r\nleadId;nota, otra, más\r\n1;a, b, c\r\n2;x;y\r\n';
    const items = await readText(text, { ...CSV, onColumns: (_names, delimiter) => sniffed.push(delimiter) });
    expect(sniffed).toEqual([';']);
    expect(summary(items)).toEqual([{ line: 3, id: '1' }, { line: 4, rejected: '3 values, expected 2 (one per column)' }]);
    expect(items[0]).toMatchObject({ record: { leadId: '1', 'nota, otra, más': 'a, b, c' } });
    for (const [first, delimiter] of [['SEP=|', '|'], ['"sep=,"', ','], ['sep=\t', '\t']] as const) {
      const columns: string[] = [];
      const read = await readText(`${first}\nleadId${delimiter}a\n1${delimiter}x\n`, { ...CSV, onColumns: (_names, used) => columns.push(used) });
      expect(columns).toEqual([delimiter]);
      expect(read).toMatchObject([{ kind: 'record', record: { leadId: '1', a: 'x' } }]);
    }
    // --delimiter still wins (the line is skipped all the same); a delimiter normflow does not read is said.
    expect(await readText('sep=;\nleadId,a\n1,x\n', { ...CSV, delimiter: ',' })).toMatchObject([{ record: { leadId: '1', a: 'x' } }]);
    await expect(readText('sep=:\nleadId:a\n1:x\n', CSV)).rejects.toThrow('the CSV header (line 1) is malformed: it names the delimiter ":" (Excel\'s sep= line), which is not one of , ; tab |');
    // Only a first line is the directive: later, `sep=;` is a value like any other.
    expect(await readText('leadId,nota\nsep=;,x\n', { ...CSV, idFields: ['leadId'] })).toMatchObject([{ record: { leadId: 'sep=;', nota: 'x' } }]);
  });

  it("rows a report puts above its header (a title, a date, column groups) are skipped and said: the header is the first row naming an id", async () => {
    const notices: string[] = [];
    const columns: Array<{ names: readonly string[]; delimiter: string }> = [];
    const options = { format: 'csv', idFields: ['id'], onNotice: (notice: string) => notices.push(notice), onColumns: (names: readonly string[], delimiter: CsvDelimiter) => columns.push({ names, delimiter }) } as const;
    const said = (lines: string, header: number) => `${lines} above the header (a report's title or headings; line ${header} is the first to name an id column): skipped`;
    // As Excel saves a sheet whose first rows are a title and a date: padded with `;`, then a blank row.
    const padded = await readText('REPORTE DE INSCRITOS;;\r\nCorte: 30/11/2026;;\r\n;;\r\nId;Nombres;Ciudad\r\n1;ANA;cali\r\n2;LUIS\r\n', options);
    expect(summary(padded)).toEqual([{ line: 5, id: '1' }, { line: 6, rejected: '2 values, expected 3 (one per column)' }]);
    expect(notices).toEqual([said('lines 1–3 are', 4)]);
    expect(columns).toEqual([{ names: ['Id', 'Nombres', 'Ciudad'], delimiter: ';' }]);

    // Merged headings over groups of columns, and a title without delimiters (the delimiter comes from the first line that has one).
    for (const [text, notice] of [
      ['DATOS PERSONALES;;UBICACIÓN\r\nId;Nombres;Ciudad\r\n7;ANA;cali\r\n', said('line 1 is', 2)],
      ['Inscritos noviembre\nFiltro: todos\nId;Nombres;Ciudad\n7;ANA;cali\n', said('lines 1–2 are', 3)],
    ] as const) {
      notices.length = 0;
      columns.length = 0;
      expect(await readText(text, options)).toMatchObject([{ kind: 'record', id: '7', record: { Id: '7', Nombres: 'ANA', Ciudad: 'cali' } }]);
      expect(notices).toEqual([notice]);
      expect(columns).toEqual([{ names: ['Id', 'Nombres', 'Ciudad'], delimiter: ';' }]);
    }
  });

  it('when no row names an id, the first row is the header (and every row is rejected for its id); a file of one column reads as it is', async () => {
    const notices: string[] = [];
    const noId = await readText('nombre;ciudad\nana;cali\nluis;neiva\n', { format: 'csv', idFields: ['id'], onNotice: (notice) => notices.push(notice) });
    expect(summary(noId)).toEqual([
      { line: 2, rejected: 'no id (expected "id")' },
      { line: 3, rejected: 'no id (expected "id")' },
    ]);
    // Past the rows looked at for a header, the rows still come out, in order.
    const many = await readText(['nombre;ciudad', ...Array.from({ length: 14 }, (_, index) => `n${index};c`)].join('\n'), { format: 'csv', idFields: ['id'] });
    expect(summary(many).map((item) => item.line)).toEqual(Array.from({ length: 14 }, (_, index) => index + 2));
    expect(notices).toEqual([]);
    // A header of one column settles the delimiter (`,`, as ever): a `;` in a later row is text, not a second value.
    expect(summary(await readText('id\nA;B\nC,D\n', { format: 'csv', idFields: ['id'] }))).toEqual([
      { line: 2, id: 'A;B' },
      { line: 3, rejected: '2 values, expected 1 (one per column)' },
    ]);
    for (const count of [0, 3, 12]) {
      const ids = Array.from({ length: count }, (_, index) => `L${index}`);
      expect(summary(await readText(['id', ...ids].join('\n'), { format: 'csv', idFields: ['id'] }))).toEqual(ids.map((id, index) => ({ line: index + 2, id })));
    }
  });

  it('Excel\'s text literal ="00123" (written to keep leading zeros), quoted or not, is read as its text', async () => {
    const text = 'id;nombres;nota\r\n="00123";="Ana ""la"" María";=SUM(A1)\r\n"=""00124""";"=""x;y""";=\r\n';
    const items = await readText(text, { format: 'csv', idFields: ['id'] });
    expect(items).toMatchObject([
      { kind: 'record', line: 2, id: '00123', record: { id: '00123', nombres: 'Ana "la" María', nota: '=SUM(A1)' } },
      { kind: 'record', line: 3, id: '00124', record: { id: '00124', nombres: 'x;y', nota: '=' } },
    ]);
    // Unclosed, or with text after it, it is as malformed as any quoted value.
    expect(summary(await readText('id;n\r\n="001;a\r\n1;="b"c\r\n', { format: 'csv', idFields: ['id'] }))).toEqual([
      { line: 2, rejected: 'a quote opened on this line is never closed' },
      { line: 3, rejected: 'text after the closing quote of value 2' },
    ]);
  });

  it('--delimiter overrides the sniffing', async () => {
    const items = await readText('leadId;nota,otra\n1;a,b\n', { format: 'csv', idFields: ['leadId'], delimiter: ';' });
    expect(items).toMatchObject([{ record: { leadId: '1', 'nota,otra': 'a,b' } }]);
  });

  it('reads back whatever csv-stringify writes, with every delimiter (property)', async () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'Ñ', ',', ';', '|', '\t', '"', '\n', '\r\n', ' ', '=') });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<CsvDelimiter>(',', ';', '\t', '|'), fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 6 }), async (delimiter, rows) => {
        // A cell that is exactly `="…"` is Excel's text literal, read as the text inside (tested above).
        fc.pre(rows.flat().every((cell) => !/^="(?:[^"]|"")*"$/.test(cell)));
        const records = rows.map(([a, b], index) => ({ leadId: `r${index}`, a, b }));
        const text = stringify(records, { header: true, columns: ['leadId', 'a', 'b'], delimiter, quoted_match: /[\r\n]/ });
        const items = await readText(text, { format: 'csv', idFields: ['leadId'], delimiter });
        expect(items.map((item) => (item.kind === 'record' ? item.record : item))).toEqual(records);
      }),
      { numRuns: 120 },
    );
  });
});

describe('readRecords CSV: a malformed row is rejected with its line number, every other row goes on', () => {
  it('a quote opened and never closed (the case that used to empty the whole output)', async () => {
    const text = ['leadId,nombres,ciudad', '1,Ana,Cali', '2,"PEREZ, ANA,Bogotá', '3,Luis,Neiva', '4,"Ruiz, Eva",Pasto', '5,Sol,Tunja'].join('\n');
    const items = await readText(`${text}\n`, CSV);
    expect(summary(items)).toEqual([
      { line: 2, id: '1' },
      { line: 3, rejected: 'a quote opened on this line is never closed' },
      { line: 4, id: '3' },
      { line: 5, id: '4' },
      { line: 6, id: '5' },
    ]);
    expect(items[1]).toMatchObject({ raw: '2,"PEREZ, ANA,Bogotá' });
  });

  it('a stray quote inside a value, and text after a closing quote', async () => {
    const text = ['leadId,nombres,direccion', '1,Ana,Calle 5 "B"', '2,"Luis" Gómez,Cra 7', '3,Eva,Cl 10'].join('\r\n');
    const items = await readText(`${text}\r\n`, CSV);
    expect(summary(items)).toEqual([
      { line: 2, rejected: 'stray quote in value 3 (a value with a quote must be quoted, its quotes doubled)' },
      { line: 3, rejected: 'text after the closing quote of value 2' },
      { line: 4, id: '3' },
    ]);
  });

  it('a stray quote that pairs with a later one: only its own line is rejected, the lines between are read again', async () => {
    const text = ['leadId,nombres,ciudad', '1,"Ana,Cali', '2,Luis,Neiva', '3,Eva" x,Pasto', '4,Sol,Tunja'].join('\n');
    const items = await readText(`${text}\n`, CSV);
    expect(summary(items)).toEqual([
      { line: 2, rejected: 'text after the closing quote of value 2 (in a quoted value that spans lines 2–4; read again from line 3)' },
      { line: 3, id: '2' },
      { line: 4, rejected: 'a quote opened on this line is never closed' },
      { line: 5, id: '4' },
    ]);
  });

  it('a quoted value spanning lines with the wrong number of values is rejected whole', async () => {
    const items = await readText('leadId,nota,ciudad\n1,"línea 1\nlínea 2"\n2,ok,Cali\n', CSV);
    expect(summary(items)).toEqual([
      { line: 2, rejected: '2 values, expected 3 (one per column)' },
      { line: 4, id: '2' },
    ]);
  });

  it('a stray quote far from any other: reading ahead stops at MAX_QUOTED_RECORD_CHARS and the rows after it are all read', async () => {
    const rows = Array.from({ length: 60_000 }, (_, index) => `${index + 10},nombre ${index},Cali`);
    const text = ['leadId,nombres,ciudad', '1,"stray,Cali', ...rows].join('\n');
    expect(text.length).toBeGreaterThan(MAX_QUOTED_RECORD_CHARS);
    const items = await readText(text, CSV);
    expect(items[0]).toMatchObject({ kind: 'rejected', line: 2 });
    expect(items.slice(1).filter((item) => item.kind === 'record')).toHaveLength(60_000);
  });
});

describe('readRecords: text encodings', () => {
  const TEXT = 'ID;Nombres;Apellidos;Ciudad de residencia\r\n1;ÁNGEL DAVID;OSPINA NÚÑEZ;Bogotá\r\n2;José “Pepe”;Peña € 5;Medellín\r\n';
  const RECORDS = [
    { ID: '1', Nombres: 'ÁNGEL DAVID', Apellidos: 'OSPINA NÚÑEZ', 'Ciudad de residencia': 'Bogotá' },
    { ID: '2', Nombres: 'José “Pepe”', Apellidos: 'Peña € 5', 'Ciudad de residencia': 'Medellín' },
  ];
  const OPTIONS = { format: 'csv', idFields: ['id'] } as const;
  const records = (items: ReadItem[]) => items.map((item) => (item.kind === 'record' ? item.record : item));

  it('Windows-1252 (Excel "CSV" in a Spanish locale) is detected, read exactly, and said once', async () => {
    const notices: string[] = [];
    const items = await readBytes(windows1252(TEXT), { ...OPTIONS, onNotice: (notice) => notices.push(notice) });
    expect(records(items)).toEqual(RECORDS);
    expect(notices).toEqual([expect.stringMatching(/is not UTF-8: read as Windows-1252, as Excel saves CSV in Spanish locales \(--encoding to choose\)$/)]);
  });

  it.each([
    ['UTF-8 with a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)])],
    ['UTF-8 without one', Buffer.from(TEXT)],
    ['UTF-16 LE with a byte-order mark (Excel "Unicode text")', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')])],
    ['UTF-16 BE with a byte-order mark', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(TEXT, 'utf16le').swap16()])],
  ])('%s is read exactly, without a word', async (_name, bytes) => {
    const notices: string[] = [];
    expect(records(await readBytes(bytes, { ...OPTIONS, onNotice: (notice) => notices.push(notice) }))).toEqual(RECORDS);
    expect(notices).toEqual([]);
  });

  it('UTF-16 without a byte-order mark is recognised by its NUL bytes, and said', async () => {
    const notices: string[] = [];
    expect(records(await readBytes(Buffer.from(TEXT, 'utf16le'), { ...OPTIONS, onNotice: (notice) => notices.push(notice) }))).toEqual(RECORDS);
    expect(notices).toEqual([expect.stringContaining('has no byte-order mark but looks like UTF-16LE')]);
  });

  it('Mac Roman (Excel for Mac\'s "CSV (Macintosh)") is told from Windows-1252 by which reads the accents as Spanish, read exactly, and said', async () => {
    const notices: string[] = [];
    const items = await readBytes(singleByte(TEXT, 'macintosh'), { ...OPTIONS, onNotice: (notice) => notices.push(notice) });
    expect(records(items)).toEqual(RECORDS);
    expect(notices).toEqual([expect.stringMatching(/is not UTF-8 and its accents read as Mac Roman: read as such, as Excel for Mac saves "CSV \(Macintosh\)" \(--encoding to choose\)$/)]);
    // Apostrophes and quotes vote for neither: a Windows-1252 file with only those stays Windows-1252.
    for (const apellidos of ['O’Neil', '“Pepe” D’Costa', 'Pepe’', 'D’ÁVILA']) {
      const quoted = await readBytes(singleByte(`ID;Apellidos\r\n1;${apellidos}\r\n`, 'windows-1252'), OPTIONS);
      expect(records(quoted)).toEqual([{ ID: '1', Apellidos: apellidos }]);
    }
    // …and Mac Roman names whose only accent is an í (a closing quote’s byte in Windows-1252) are Mac Roman.
    expect(records(await readBytes(singleByte('ID;Apellidos\r\n1;Martínez Díaz\r\n2;Ruí\r\n', 'macintosh'), OPTIONS))).toEqual([
      { ID: '1', Apellidos: 'Martínez Díaz' },
      { ID: '2', Apellidos: 'Ruí' },
    ]);
  });

  it.each(['data/samples/leads.sample.jsonl', 'data/eval/leads.labeled.jsonl'])('%s saved in Windows-1252 or Mac Roman is told apart and read back exactly', async (path) => {
    // The lines both encodings can hold (the labeled set also tests decomposed accents, which neither has).
    const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line.trim() !== '');
    const encodable = lines.filter((line) => canEncode(line, 'windows-1252') && canEncode(line, 'macintosh'));
    expect(encodable.length).toBeGreaterThan(lines.length * 0.9);
    const text = `${encodable.join('\n')}\n`;
    const expected = await readBytes(Buffer.from(text), { format: 'jsonl', idFields: ['leadId', 'id'] });
    expect(expected.every((item) => item.kind === 'record')).toBe(true);
    for (const encoding of ['windows-1252', 'macintosh'] as const) {
      const notices: string[] = [];
      const items = await readBytes(singleByte(text, encoding), { format: 'jsonl', idFields: ['leadId', 'id'], onNotice: (notice) => notices.push(notice) });
      expect(items).toEqual(expected);
      expect(notices).toEqual([expect.stringContaining(encoding === 'macintosh' ? 'read as Mac Roman' : 'read as Windows-1252')]);
    }
  });

  it('Spanish names saved in either single-byte encoding are read back exactly, whatever their case (property)', async () => {
    // Accents inside words, as names, cities and addresses have them (a lone `ó` tells nothing: `—` in Windows-1252).
    const syllable = fc.constantFrom('ma', 'rí', 'jo', 'sé', 'pe', 'ña', 'nú', 'ñez', 'gó', 'mez', 'lu', 'cí', 'güi', 'lé', 'ón', 'úl', 'ta', 'ne', 'il', 'a');
    const word = fc.array(syllable, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''));
    const styled = fc.tuple(word, fc.constantFrom<'lower' | 'title' | 'upper'>('lower', 'title', 'upper')).map(([text, style]) =>
      style === 'upper' ? text.toUpperCase() : style === 'title' ? text.charAt(0).toUpperCase() + text.slice(1) : text,
    );
    const name = fc.array(styled, { minLength: 1, maxLength: 3 }).map((words) => words.join(' '));
    await fc.assert(
      fc.asyncProperty(fc.array(name, { minLength: 1, maxLength: 5 }), fc.constantFrom<'windows-1252' | 'macintosh'>('windows-1252', 'macintosh'), async (names, encoding) => {
        // Only an accent says anything about the encoding (ASCII-only files are UTF-8), and a word-final
        // `í` alone says nothing (in Windows-1252 its Mac Roman byte is a closing quote: read so).
        fc.pre(names.some((text) => /[áéóúüñÁÉÍÓÚÜÑ]|í\p{L}/u.test(text)));
        const text = `ID;Nombres\r\n${names.map((text, index) => `${index};${text}`).join('\r\n')}\r\n`;
        const bytes = singleByte(text, encoding);
        // Bytes that happen to hold a well-formed UTF-8 sequence (Mac Roman `’ó` is D5 97) are read as
        // UTF-8, their other lines rejected (never guessed at: tested above), so they are left out here.
        fc.pre([...new TextDecoder('utf-8').decode(bytes)].every((char) => char <= '\x7f' || char === '\ufffd'));
        const items = await readBytes(bytes, OPTIONS);
        expect(records(items)).toEqual(names.map((text, index) => ({ ID: String(index), Nombres: text })));
      }),
      { numRuns: 200 },
    );
  });

  it('--encoding overrides the detection', async () => {
    const items = await readBytes(Buffer.from(TEXT), { ...OPTIONS, encoding: 'windows-1252' });
    expect(records(items)[0]).toMatchObject({ Nombres: 'Ã\u0081NGEL DAVID' });
  });

  it('a UTF-8 file with a few Windows-1252 lines: those lines are rejected, never written with U+FFFD; the rest is read', async () => {
    const bytes = Buffer.concat([Buffer.from('ID;Nombres\n1;Peña\n'), windows1252('2;NÚÑEZ\n'), Buffer.from('3;Ñoño\n')]);
    const notices: string[] = [];
    const items = await readBytes(bytes, { ...OPTIONS, onNotice: (notice) => notices.push(notice) });
    expect(summary(items)).toEqual([
      { line: 2, id: '1' },
      { line: 3, rejected: 'has bytes that are not valid UTF-8 (--encoding to read the file otherwise)' },
      { line: 4, id: '3' },
    ]);
    expect(notices).toEqual([expect.stringContaining('is UTF-8 with 2 byte sequence(s) that are not: the lines holding them are rejected')]);
  });

  it('a Windows-1252 file with a chance UTF-8 pair (É before a no-break space) is Windows-1252: only that line is rejected, said', async () => {
    const names = Array.from({ length: 40 }, (_, index) => `${index};José Núñez Peña ${index}`);
    const text = `ID;Nombres\r\n${names.join('\r\n')}\r\n99;JOSÉ\u00a0MARÍA\r\n`;
    const notices: string[] = [];
    const items = await readBytes(windows1252(text), { ...OPTIONS, onNotice: (notice) => notices.push(notice) });
    expect(records(items.slice(0, 40))).toEqual(names.map((line) => ({ ID: line.split(';')[0], Nombres: line.split(';')[1] })));
    expect(summary(items.slice(40))).toEqual([{ line: 42, rejected: 'has bytes that read as UTF-8 too, in a file read as WINDOWS-1252: which it is cannot be told (--encoding to choose)' }]);
    expect(notices).toEqual([expect.stringMatching(/read as Windows-1252, as Excel saves CSV in Spanish locales; 1 byte sequence\(s\) read as UTF-8 too, and the lines holding them are rejected/)]);
    // Forced, it is read as asked, that line too.
    const forced = await readBytes(windows1252(text), { ...OPTIONS, encoding: 'windows-1252' });
    expect(forced.at(-1)).toMatchObject({ kind: 'record', record: { Nombres: 'JOSÉ\u00a0MARÍA' } });
  });

  it('a file glued from a long Windows-1252 part and a short UTF-8 one: the UTF-8 lines are rejected, never read as Ã©', async () => {
    const single = Array.from({ length: 30 }, (_, index) => `${index};Peña Núñez`).join('\n');
    const bytes = Buffer.concat([Buffer.from('ID;Nombres\n'), windows1252(`${single}\n`), Buffer.from('90;José\n91;Ana\n')]);
    const items = await readBytes(bytes, OPTIONS);
    expect(items.filter((item) => item.kind === 'record')).toHaveLength(31);
    expect(summary(items).filter((item) => 'rejected' in item)).toEqual([{ line: 32, rejected: expect.stringContaining('read as UTF-8 too') }]);
    expect(JSON.stringify(items)).not.toContain('Ã');
  });

  it('a chance pair cut by a read chunk is found all the same', async () => {
    // createReadStream reads 64 KiB at a time: É ends the first chunk, the no-break space starts the next.
    const head = 'ID;Nombres\n';
    const filler = Array.from({ length: 3_000 }, (_, index) => `${index};Peña`).join('\n');
    const prefix = `${head}${filler}\n77;`;
    const pad = 'x'.repeat(65_535 - prefix.length);
    const bytes = windows1252(`${prefix}${pad}É\u00a0Z\n78;Núñez\n`);
    expect(bytes[65_535]).toBe(0xc9);
    const items = await readBytes(bytes, OPTIONS);
    expect(summary(items).filter((item) => 'rejected' in item)).toEqual([{ line: 3_002, rejected: expect.stringContaining('read as UTF-8 too') }]);
    expect(items.at(-1)).toMatchObject({ kind: 'record', record: { Nombres: 'Núñez' } });
  });

  it('a Windows-1252 file forced as UTF-8: every line with an undecodable byte is rejected', async () => {
    const items = await readBytes(windows1252('ID;Dirección\n1;Cl 5\n'), { ...OPTIONS, encoding: 'utf-8' }).catch((error: Error) => error);
    expect(items).toMatchObject({ name: 'Input.Invalid', message: 'the CSV header (line 1) has bytes that are not valid UTF-8 (--encoding to read the file otherwise)' });
    const rows = await readBytes(Buffer.concat([Buffer.from('ID;Nombres\n'), windows1252(TEXT.split('\r\n').slice(1).join('\r\n'))]), { ...OPTIONS, encoding: 'utf-8' });
    expect(summary(rows)).toEqual([
      { line: 2, rejected: 'has bytes that are not valid UTF-8 (--encoding to read the file otherwise)' },
      { line: 3, rejected: 'has bytes that are not valid UTF-8 (--encoding to read the file otherwise)' },
    ]);
  });

  it('multi-byte characters split across read chunks come out whole (a file far larger than one chunk)', async () => {
    const rows = Array.from({ length: 20_000 }, (_, index) => `${index};ÑÚÁ😀 ${index}`);
    const items = await readBytes(Buffer.from(`ID;Nombres\n${rows.join('\n')}\n`), OPTIONS);
    expect(items).toHaveLength(20_000);
    expect(items.every((item, index) => item.kind === 'record' && item.record.Nombres === `ÑÚÁ😀 ${index}`)).toBe(true);
  });
});

/** Windows-1252 bytes of a text (the characters used here; Buffer's latin1 lacks € and the curly quotes). */
/** Each character of a single-byte encoding, and its byte. */
const BYTES_OF = new Map(
  (['windows-1252', 'macintosh'] as const).map((encoding) => [
    encoding,
    new Map([...new TextDecoder(encoding).decode(Uint8Array.from({ length: 256 }, (_, byte) => byte))].map((char, byte) => [char, byte])),
  ]),
);
const bytesOf = (encoding: 'windows-1252' | 'macintosh'): ReadonlyMap<string, number> => BYTES_OF.get(encoding) ?? new Map();

const canEncode = (text: string, encoding: 'windows-1252' | 'macintosh'): boolean => {
  const byteOf = bytesOf(encoding);
  return [...text].every((char) => byteOf.has(char));
};

/** `text` in a single-byte encoding (every character must have a byte in it). */
function singleByte(text: string, encoding: 'windows-1252' | 'macintosh'): Buffer {
  const byteOf = bytesOf(encoding);
  return Buffer.from(
    [...text].map((char) => {
      const byte = byteOf.get(char);
      if (byte === undefined) throw new Error(`"${char}" has no byte in ${encoding}`);
      return byte;
    }),
  );
}

function windows1252(text: string): Buffer {
  const special: Record<string, number> = { '€': 0x80, '“': 0x93, '”': 0x94 };
  return Buffer.from([...text].map((char) => special[char] ?? char.charCodeAt(0)));
}

describe('what the file says it is', () => {
  it.each([
    ['leads.txt', 'leadId;nombres\nA1;ANA\n', 'csv'],
    ['export', '{"leadId":"A1","nombres":"ANA"}\n', 'jsonl'],
    ['leads.ndjson', '{"leadId":"A1","nombres":"ANA"}\n', 'jsonl'],
  ])('%s: a name that does not say the format is read by its content (%j)', async (name, text, expected) => {
    const path = join(directory, name);
    await writeFile(path, text);
    let format: string | undefined;
    const items: ReadItem[] = [];
    for await (const item of readRecords(path, { idFields: ['leadId'], onFormat: (found) => (format = found) })) items.push(item);
    expect(format).toBe(expected);
    expect(summary(items)).toEqual([{ line: expected === 'csv' ? 2 : 1, id: 'A1' }]);
  });

  it('Excel\'s "Unicode Text" export (.txt, UTF-16LE with a BOM, tab-separated) is read as the CSV it is', async () => {
    const path = join(directory, 'unicode-text.txt');
    await writeFile(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('leadId\tnombres\r\nA1\tÁNGEL DAVID\r\n', 'utf16le')]));
    const items: ReadItem[] = [];
    for await (const item of readRecords(path, { idFields: ['leadId'] })) items.push(item);
    expect(items).toEqual([expect.objectContaining({ kind: 'record', id: 'A1', record: { leadId: 'A1', nombres: 'ÁNGEL DAVID' } })]);
  });

  it.each([
    ['book.xlsx', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), 'is a spreadsheet workbook (Excel .xlsx, LibreOffice .ods) or another zip file, not text'],
    ['book.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x00]), 'is an old Excel workbook (.xls), not text'],
    ['leads.csv', Buffer.from('%PDF-1.7\n'), 'is a PDF, not text'],
  ])('%s: a workbook or a PDF is refused in one line saying what to do, whatever its name or --encoding', async (name, bytes, said) => {
    const path = join(directory, name);
    await writeFile(path, bytes);
    for (const options of [{ idFields: ['leadId'] }, { idFields: ['leadId'], encoding: 'windows-1252' as const }]) {
      const reading = (async () => {
        for await (const item of readRecords(path, options)) void item;
      })();
      await expect(reading).rejects.toMatchObject({ name: 'Input.Invalid', message: expect.stringContaining(said) });
      await expect(reading).rejects.toThrow('save the sheet as CSV (Excel: File → Save As → CSV UTF-8)');
    }
  });
});

describe('readRecords: a JSON array (what tools call "export as JSON")', () => {
  const ARRAY = '[\n  {"leadId": "1", "nombres": "ANA"},\n  {"leadId": "2",\n   "nombres": "LUIS"},\n  "texto",\n  {"nombres": "sin id"},\n  {"leadId": "5", "nombres": }\n]\n';

  it('reads each element as a record numbered by its first line; an element that is no record is rejected on its own', async () => {
    const formats: string[] = [];
    for (const extension of ['json', 'txt']) {
      const items = await readBytes(ARRAY, { idFields: ['leadId'], onFormat: (format) => formats.push(format) }, extension);
      expect(summary(items)).toEqual([
        { line: 2, id: '1' },
        { line: 3, id: '2' },
        { line: 5, rejected: 'not a JSON object' },
        { line: 6, rejected: 'no id (expected "leadId")' },
        { line: 7, rejected: 'not valid JSON' },
      ]);
      expect(items[1]).toMatchObject({ record: { leadId: '2', nombres: 'LUIS' } });
      expect(items[4]).toMatchObject({ raw: '{"leadId": "5", "nombres": }' });
    }
    // Said as `json`: `normalize --output -` writes an array back for an array.
    expect(formats).toEqual(['json', 'json']);
  });

  it('a minified array on one line of any length, and a cut-short file said at its end', async () => {
    const records = Array.from({ length: 5_000 }, (_, index) => ({ leadId: `L${index}`, nombres: `nombre ${index}, "con" [corchetes]` }));
    const items = await readBytes(JSON.stringify(records), { idFields: ['leadId'] }, 'json');
    expect(items.map((item) => (item.kind === 'record' ? item.record : item))).toEqual(records);
    const cut = await readBytes(JSON.stringify(records.slice(0, 3)).slice(0, -10), { idFields: ['leadId'] }, 'json');
    expect(summary(cut)).toEqual([
      { line: 1, id: 'L0' },
      { line: 1, id: 'L1' },
      { line: 1, rejected: 'the file ends inside this record: it may have been cut short' },
      { line: 1, rejected: 'the file ends before the array closes with "]": it may have been cut short' },
    ]);
  });

  it("pretty-printed objects one after another (jq's output, PowerShell's ConvertTo-Json of one record) are read as records", async () => {
    const formats: string[] = [];
    const single = await readBytes('{\r\n    "leadId":  "1",\r\n    "nombres":  "ANA"\r\n}\r\n', { idFields: ['leadId'], onFormat: (format) => formats.push(format) }, 'json');
    expect(single).toEqual([{ kind: 'record', line: 1, id: '1', record: { leadId: '1', nombres: 'ANA' } }]);
    const jq = '{\n  "leadId": "1",\n  "nombres": "ANA"\n}\n{\n  "leadId": "2",\n  "nombres": "LUIS"\n}\n{\n  "nombres": "sin id"\n}\n';
    expect(summary(await readBytes(jq, { idFields: ['leadId'], onFormat: (format) => formats.push(format) }, 'txt'))).toEqual([
      { line: 1, id: '1' },
      { line: 5, id: '2' },
      { line: 9, rejected: 'no id (expected "leadId")' },
    ]);
    expect(formats).toEqual(['json', 'json']);
    // Cut short: the last object is said, not dropped (and no `]` is asked for: there is none in such a file).
    expect(summary(await readBytes(jq.slice(0, -12), { idFields: ['leadId'] }, 'json')).slice(2)).toEqual([
      { line: 9, rejected: 'the file ends inside this record: it may have been cut short' },
    ]);
    // A first line that is a whole object is JSON lines, as ever.
    expect(summary(await readBytes('{"leadId": "1"}\n{\n', { idFields: ['leadId'] }, 'json'))).toEqual([{ line: 1, id: '1' }, { line: 2, rejected: 'not valid JSON' }]);
  });

  it('a .json file of JSON lines is read as JSON lines, and .jsonl is never taken for an array', async () => {
    expect(summary(await readBytes('{"leadId": "1"}\n{"leadId": "2"}\n', { idFields: ['leadId'] }, 'json'))).toEqual([{ line: 1, id: '1' }, { line: 2, id: '2' }]);
    expect(summary(await readBytes('[{"leadId": "1"}]\n', { idFields: ['leadId'] }, 'jsonl'))).toEqual([{ line: 1, rejected: 'not a JSON object' }]);
  });
});
