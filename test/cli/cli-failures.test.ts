import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedDynamoDb } from '#infra/local/embedded-dynamodb.ts';
import { describeFailure, describeFileError } from '#cli/cli-errors.ts';
import { failWhenLeadsFailed } from '#cli/run-command.ts';
import type { RunSummary } from '#shared/pipeline/report-run.ts';
import { readCsvWithDuckDb } from '../io/duckdb-csv.ts';
import { normflowProcess } from './normflow-process.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-failures-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const normflow = (...args: string[]) => normflowProcess(args, { cwd: dir });
const oneLine = (text: string) => text.split('\n').filter(Boolean);

describe('every expected failure is one line on standard error: exit 2 for usage, 1 for the work', () => {
  it('a config file that is not JSON names the line and column', async () => {
    await writeFile(join(dir, 'broken.json'), '{\n  "fields": {"nombres": "personName"}\n  "idField": "id"\n}\n');
    const result = await normflow('normalize', '--input', join(dir, 'broken.json'), '--output', join(dir, 'o.jsonl'), '--config', join(dir, 'broken.json'));
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(oneLine(result.stderr)).toEqual([`normflow: config file ${join(dir, 'broken.json')} is not valid JSON: line 3, column 3: Expected ',' or '}' after property value`]);
  });

  it('a config file that is missing, and one with a bad value', async () => {
    await writeFile(join(dir, 'in.jsonl'), '{"leadId":"1"}\n');
    const missing = await normflow('normalize', '--input', 'in.jsonl', '--output', 'o.jsonl', '--config', 'nope.json');
    expect(missing).toMatchObject({ code: 2, stderr: 'normflow: cannot read config file nope.json: no such file\n' });
    await writeFile(join(dir, 'bad-value.json'), JSON.stringify({ fields: { 'Ciudad ': 'city' } }));
    const bad = await normflow('normalize', '--input', 'in.jsonl', '--output', 'o.jsonl', '--config', 'bad-value.json');
    expect(bad.code).toBe(2);
    expect(oneLine(bad.stderr)).toEqual(['normflow: Invalid normalization config: fields: name "Ciudad ": a field name has no leading or trailing spaces']);
  });

  it('a --data-dir that does not exist is an error for the commands that read the store; seed creates it', async () => {
    for (const args of [['run'], ['leads', 'show', 'L-1'], ['leads', 'export', '--output', 'x.jsonl'], ['analytics', 'report']]) {
      const result = await normflow(...args, '--data-dir', 'typo-dir');
      expect(result.code).toBe(2);
      expect(oneLine(result.stderr)).toEqual(['normflow: no local store in typo-dir: load records first (npx normflow seed --input F), or run npm start; --data-dir names another folder']);
    }
    await writeFile(join(dir, 'one.jsonl'), '{"leadId":"1","nombres":"ana"}\n');
    expect((await normflow('seed', '--input', 'one.jsonl', '--data-dir', 'fresh-dir')).code).toBe(0);
    expect((await normflow('run', '--data-dir', 'fresh-dir')).code).toBe(0);
  }, 60_000);

  it('a seed of a file that is missing, a folder, a workbook or all rejected leaves no store behind', async () => {
    await mkdir(join(dir, 'a-folder'), { recursive: true });
    const cases = [
      { args: ['seed', '--input', 'nope.csv'], line: 'normflow: --input nope.csv: no such file' },
      { args: ['seed', '--input', 'a-folder'], line: 'normflow: --input a-folder: not a file' },
      { args: ['analytics', 'seed', '--conversations', 'nope.jsonl'], line: 'normflow: --conversations nope.jsonl: no such file' },
      { args: ['analytics', 'seed', '--chat', 'a-folder'], line: 'normflow: --chat a-folder: not a file' },
    ];
    for (const { args, line } of cases) {
      const result = await normflow(...args, '--data-dir', 'never-created');
      expect(result.code, args.join(' ')).toBe(2);
      expect(oneLine(result.stderr)).toEqual([line]);
    }
    await expect(readdir(join(dir, 'never-created'))).rejects.toMatchObject({ code: 'ENOENT' });

    // Read but not loadable: a workbook (exit 2), or a file whose every line is rejected (exit 1).
    // The store this seed created is removed; one that existed before is kept, empty or not.
    await writeFile(join(dir, 'book.xlsx'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]));
    await writeFile(join(dir, 'no-ids.jsonl'), '{"nombres":"ana"}\n');
    const workbook = await normflow('seed', '--input', 'book.xlsx', '--data-dir', 'never-created');
    expect(workbook.code).toBe(2);
    expect(oneLine(workbook.stderr)).toEqual([expect.stringMatching(/^normflow: book\.xlsx is a spreadsheet workbook/)]);
    const noIds = await normflow('seed', '--input', 'no-ids.jsonl', '--data-dir', 'never-created');
    expect(noIds.code).toBe(1);
    expect(noIds.stderr).toContain('line 1: no id (expected "leadId" or "id")');
    await expect(readdir(join(dir, 'never-created'))).rejects.toMatchObject({ code: 'ENOENT' });
    await mkdir(join(dir, 'kept-dir'));
    expect((await normflow('seed', '--input', 'no-ids.jsonl', '--data-dir', 'kept-dir')).code).toBe(1);
    expect(await readdir(join(dir, 'kept-dir'))).not.toEqual([]);
  }, 60_000);

  it('run exits 2 for a config its execution refuses (Config.Invalid), naming why in one line', async () => {
    await writeFile(join(dir, 'owned.jsonl'), '{"leadId":"1","nombres":"ana"}\n');
    expect((await normflow('seed', '--input', 'owned.jsonl', '--data-dir', 'owned-store')).code).toBe(0);
    await writeFile(join(dir, 'owned.json'), JSON.stringify({ fields: { nombres: 'personName', updatedAt: 'city' } }));
    const result = await normflow('run', '--data-dir', 'owned-store', '--config', 'owned.json');
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toEqual([expect.stringMatching(/^normflow: execution failed: Config\.Invalid: Invalid normalization config: fields: "updatedAt" is an attribute the pipeline writes on every lead \(/)]);
  }, 60_000);

  it('run exits 1 when leads failed or segments were left unfinished, saying how many', () => {
    const lines: string[] = [];
    const error = vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
    const exitCode = process.exitCode;
    try {
      failWhenLeadsFailed({ counts: { failed: 0 } as RunSummary['counts'] });
      expect({ lines, exitCode: process.exitCode }).toEqual({ lines: [], exitCode });
      failWhenLeadsFailed({ counts: { failed: 2, failedBatches: 1, splitBatches: 0 } as RunSummary['counts'], segments: { unfinished: 1 } as RunSummary['segments'] });
      expect(process.exitCode).toBe(1);
      expect(lines).toEqual(['normflow: 2 lead(s) failed (1 whole batch(es), 0 batch(es) retried lead by lead); 1 segment(s) left unfinished: not normalized, they stay due for the next run']);
    } finally {
      error.mockRestore();
      process.exitCode = exitCode;
    }
  });

  it('a local store in use by another process is one line, exit 1', async () => {
    const dataDir = join(dir, 'busy');
    await mkdir(dataDir, { recursive: true });
    const holder = await startEmbeddedDynamoDb({ dataDir: join(dataDir, 'tables') });
    try {
      const result = await normflow('leads', 'show', 'L-1', '--data-dir', dataDir);
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(oneLine(result.stderr)).toEqual([`normflow: another normflow process is using ${join(dataDir, 'tables')} (pid ${process.pid}); wait for it to finish`]);
    } finally {
      await holder.close();
    }
  });

  it('an unexpected failure is one line that points at --debug; --debug adds the stack to any failure', async () => {
    const error = new TypeError('x is not a function');
    expect(describeFailure(error)).toEqual({
      line: 'normflow: unexpected error: TypeError: x is not a function (run again with --debug for the stack trace)',
      exitCode: 1,
      unexpected: true,
    });
    const withoutDebug = await normflow('normalize', '--input', 'missing.csv', '--output', 'o.csv');
    expect(withoutDebug).toMatchObject({ code: 2, stderr: 'normflow: --input missing.csv: no such file\n' });
    await writeFile(join(dir, 'some.jsonl'), '{"leadId":"1","nombres":"ana"}\n');
    const failing = await normflow('normalize', '--input', 'some.jsonl', '--output', '/dev/full', '--quiet', '--debug');
    expect(failing.code).toBe(1);
    expect(oneLine(failing.stderr)[0]).toBe('normflow: cannot write /dev/full: no space left on device (ENOSPC)');
    expect(oneLine(failing.stderr).length).toBeGreaterThan(1);
    const withDebug = await normflow('normalize', '--input', 'missing.csv', '--output', 'o.csv', '--debug');
    expect(oneLine(withDebug.stderr)[0]).toBe('normflow: --input missing.csv: no such file');
    // The stack points at the TypeScript sources (the bundle's source map).
    expect(withDebug.stderr).toMatch(/\n\s+at .*cli\/file-arguments\.ts:\d+/);
  });
});

describe('describeFileError', () => {
  const failure = (code: string, syscall: string, path?: string) => Object.assign(new Error(`${code}: boom`), { code, syscall, ...(path ? { path } : {}) });

  it.each([
    [failure('ENOSPC', 'write', 'out.csv'), 'cannot write out.csv: no space left on device (ENOSPC)'],
    [failure('EACCES', 'open', '/data/out.csv'), 'cannot open /data/out.csv: permission denied (EACCES)'],
    [failure('EROFS', 'rename', '/mnt/ro/out.csv'), 'cannot replace /mnt/ro/out.csv: read-only file system (EROFS)'],
    [failure('ENOENT', 'open', 'missing/out.csv'), 'cannot open missing/out.csv: no such file or directory (ENOENT)'],
  ])('%s', (error, line) => {
    expect(describeFileError(error)).toBe(line);
    expect(describeFailure(error)).toEqual({ line: `normflow: ${line}`, exitCode: 1, unexpected: false });
  });
});

describe('leads export', () => {
  it('writes every lead sorted by id (L-2 before L-10) as spreadsheet-friendly CSV, which normalizes again without duplicate columns', async () => {
    const leads = ['L-10', 'L-2', 'L-1'].map((leadId, index) => JSON.stringify({ leadId, nombres: ['=cmd', 'ana', 'luis'][index], ciudad: 'cali' }));
    await writeFile(join(dir, 'to-export.jsonl'), leads.join('\n'));
    expect((await normflow('seed', '--input', 'to-export.jsonl', '--data-dir', 'exporting')).code).toBe(0);
    expect((await normflow('run', '--data-dir', 'exporting')).code).toBe(0);
    const exported = await normflow('leads', 'export', '--output', 'export.csv', '--data-dir', 'exporting');
    expect(exported).toMatchObject({ code: 0, stdout: 'exported 3 leads to export.csv\n' });
    const { columns, rows } = await readCsvWithDuckDb(join(dir, 'export.csv'));
    expect(rows.map((row) => row[0])).toEqual(['L-1', 'L-2', 'L-10']);
    expect(columns.slice(0, 4)).toEqual(['leadId', expect.any(String) as unknown, expect.any(String) as unknown, expect.any(String) as unknown]);
    expect(columns).toContain('normalizedData.ciudadCodigoDane');
    expect(columns.indexOf('normalizedData.nombres')).toBe(columns.indexOf('nombres') + 1);
    expect(rows[2]?.[columns.indexOf('nombres')]).toBe("'=cmd");

    expect((await normflow('normalize', '--input', 'export.csv', '--output', 'export.normalized.csv')).code).toBe(0);
    const again = await readCsvWithDuckDb(join(dir, 'export.normalized.csv'));
    expect(new Set(again.columns).size).toBe(again.columns.length);
    expect(again.rows.map((row) => row[again.columns.indexOf('nombres')])).toEqual(['luis', 'ana', "'=cmd"]);

    const toStdout = await normflow('leads', 'export', '--output', '-', '--data-dir', 'exporting');
    expect(toStdout.stderr).toBe('exported 3 leads to standard output\n');
    expect(toStdout.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { leadId: string }).leadId)).toEqual(['L-1', 'L-2', 'L-10']);
    expect(await readFile(join(dir, 'export.csv'), 'utf8')).toMatch(/^\uFEFF/);
  }, 60_000);
});
