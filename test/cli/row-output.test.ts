import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRows } from '#cli/row-output.ts';
import { ExactNumber } from '#shared/engine/original-values.ts';

/** The rows of `leads list`, `leads duplicates`, `runs list` and `review list|queue` go out as every normflow file does (shared/io). */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-rows-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ROWS = [
  { leadId: 'L1', original: '=HYPERLINK("http://x")', flags: ['unknown-city', 'llm-disagreed'], note: 'two\nlines' },
  { leadId: 'L2', original: -5, flags: [], note: null },
];

async function write(file: string, options: { format: 'csv' | 'jsonl' | 'table'; neutralizeFormulas?: boolean }): Promise<string> {
  const path = join(dir, file);
  await writeRows({ ...options, columns: ['leadId', 'original', 'flags', 'note'], output: path }, async (sink) => {
    for (const row of ROWS) await sink.write(row);
  });
  return readFile(path, 'utf8');
}

describe('row output', () => {
  it('CSV: a BOM, RFC 4180 (CRLF, quoted line breaks), flags space-separated, formula cells neutralized unless asked not to', async () => {
    expect(await write('rows.csv', { format: 'csv' })).toBe(
      '\uFEFFleadId,original,flags,note\r\nL1,"\'=HYPERLINK(""http://x"")",unknown-city llm-disagreed,"two\nlines"\r\nL2,-5,,\r\n',
    );
    expect(await write('raw.csv', { format: 'csv', neutralizeFormulas: false })).toContain('\r\nL1,"=HYPERLINK(""http://x"")",');
  });

  it('JSON lines keep every value as it is, exact numbers included', async () => {
    const path = join(dir, 'exact.jsonl');
    await writeRows({ format: 'jsonl', columns: ['n'], output: path }, async (sink) => sink.write({ n: new ExactNumber('12345678901234567890123') }));
    expect(await readFile(path, 'utf8')).toBe('{"n":12345678901234567890123}\n');
  });

  it('a failure half-way leaves no file and no temporary file behind', async () => {
    const path = join(dir, 'failed.csv');
    await expect(
      writeRows({ format: 'csv', columns: ['a'], output: path }, async (sink) => {
        await sink.write({ a: 'x' });
        throw new Error('scan failed');
      }),
    ).rejects.toThrow('scan failed');
    expect((await readdir(dir)).filter((name) => name.includes('failed'))).toEqual([]);
  });

  it('a table lays the rows out once they are all in', async () => {
    expect(await write('rows.txt', { format: 'table' })).toContain('L2     | -5');
  });
});
