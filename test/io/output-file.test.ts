import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOutputFile } from '#shared/io/output-file.ts';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'normflow-output-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('openOutputFile: written beside, put in place at the end', () => {
  it('leaves the old file whole until commit, then replaces it; no temporary file remains', async () => {
    const path = join(directory, 'out.csv');
    await writeFile(path, 'old content\n');
    const output = await openOutputFile(path);
    await output.write('new ');
    await output.write('content\n');
    expect(await readFile(path, 'utf8')).toBe('old content\n');
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toHaveLength(1);
    await output.commit();
    expect(await readFile(path, 'utf8')).toBe('new content\n');
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('abort (a failure half-way) removes the temporary file and leaves the old file as it was', async () => {
    const path = join(directory, 'kept.jsonl');
    await writeFile(path, '{"leadId":"1"}\n');
    const output = await openOutputFile(path);
    await output.write('{"leadId":"half');
    await output.abort();
    expect(await readFile(path, 'utf8')).toBe('{"leadId":"1"}\n');
    expect((await readdir(directory)).filter((name) => name.startsWith('.kept.jsonl'))).toEqual([]);
  });

  it('keeps the permissions of the file it replaces', async () => {
    const path = join(directory, 'private.csv');
    await writeFile(path, 'x');
    await chmod(path, 0o600);
    const output = await openOutputFile(path);
    await output.write('y');
    await output.commit();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('a full disk is an ENOSPC error from write or commit, never a silent truncation (/dev/full)', async () => {
    expect(existsSync('/dev/full')).toBe(true);
    const output = await openOutputFile('/dev/full');
    const failure = await (async () => {
      await output.write('x'.repeat(1 << 20));
      await output.commit();
    })().catch((error: NodeJS.ErrnoException) => error);
    expect(failure).toMatchObject({ code: 'ENOSPC' });
  });

  it('a process that exits before commit leaves no temporary file behind', async () => {
    const path = join(directory, 'interrupted.csv');
    const script = `
      const { openOutputFile } = await import(${JSON.stringify(new URL('../../shared/io/output-file.ts', import.meta.url).href)});
      const output = await openOutputFile(${JSON.stringify(path)});
      await output.write('partial');
      process.exit(130);
    `;
    const failed = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]).catch((error: { code: number }) => error);
    expect(failed).toMatchObject({ code: 130 });
    expect((await readdir(directory)).filter((name) => name.startsWith('.interrupted.csv'))).toEqual([]);
    expect(existsSync(path)).toBe(false);
  });
});
