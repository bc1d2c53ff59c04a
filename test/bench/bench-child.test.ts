import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runInChild } from '#bench/bench-child.ts';

const ECHO = fileURLToPath(new URL('./fixtures/echo-bench.ts', import.meta.url));

describe('a bench child', () => {
  it('runs the bench file under tsx by default', async () => {
    expect(await runInChild(ECHO, ['a', 'b'])).toEqual({ file: ECHO, args: ['a', 'b'] });
  });

  it('runs it compiled as the CLI is, when asked: JavaScript under dist/, the same arguments', async () => {
    const figures = await runInChild<{ file: string; args: string[] }>(ECHO, ['c'], { compiled: true });
    expect(figures.file).toMatch(/[/\\]dist[/\\]bench[/\\]echo-bench[/\\]echo-bench\.js$/);
    expect(figures.args).toEqual(['c']);
  }, 60_000);
});
