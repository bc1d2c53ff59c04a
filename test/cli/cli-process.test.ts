import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { normflowProcess } from './normflow-process.ts';

const packageJson = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; engines: { node: string } };

describe('the normflow process', () => {
  it('--version prints the package version', async () => {
    const result = await normflowProcess(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
  });

  it('--help lists every command without loading them', async () => {
    const result = await normflowProcess(['--help']);
    expect(result.code).toBe(0);
    for (const name of ['normalize', 'eval', 'seed', 'run', 'leads', 'sql', 'analytics']) expect(result.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  it('an unknown option is one line naming it, exit 2', async () => {
    const result = await normflowProcess(['normalize', '--inptu', 'x.csv']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("normflow: unknown option '--inptu' (Did you mean --input?)\n");
  });

  it('an unknown command is one line, exit 2', async () => {
    const result = await normflowProcess(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("normflow: unknown command 'frobnicate'\n");
  });

  it('on a Node older than 22 says so in one line instead of failing on a missing API', async () => {
    // The bin runs on whatever `node` is on PATH; this makes the running Node report itself as 20.
    const pretendNode20 = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.11.0"});Object.defineProperty(process,"version",{value:"v20.11.0"})';
    const result = await normflowProcess(['--help'], { nodeOptions: ['--import', pretendNode20] });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^normflow: needs Node\.js 22 or newer, but .* is v20\.11\.0; run it through npm/)]);
    expect(packageJson.engines.node).toBe('>=22');
  });
});

describe('a reader that stops early (normflow … | head)', () => {
  it('ends the command quietly, exit 0, with no error line', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN, REPO_ROOT } = await import('./normflow-process.ts');
    // The bundled sample: 1,000 normalized records are far more than a pipe's buffer.
    const child = spawn(process.execPath, [BIN, 'normalize', '--input', 'data/samples/leads.sample.jsonl', '--output', '-', '--quiet'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Like `head -1`: read the first chunk, then close the pipe while normflow is still writing.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
