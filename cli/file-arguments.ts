import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { STDIO } from '#shared/io/text-source.ts';

/** The input file exists and is a file (`-`, standard input, always is). */
export async function checkInputFile(input: string, flag = '--input'): Promise<void> {
  if (input === STDIO) return;
  const found = await stat(input).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${flag} ${input}: ${error.code === 'ENOENT' ? 'no such file' : `cannot be read (${error.code ?? 'error'})`}`);
  });
  if (!found.isFile()) throw new UsageError(`${flag} ${input}: not a file`);
}

/** Where a path would lead once every symbolic link is followed (for one not created yet: its folder's). */
async function whereItLeads(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const folder = await realpath(dirname(resolve(path))).catch(() => dirname(resolve(path)));
    return join(folder, basename(path));
  }
}

/**
 * Refuses, before anything is written, an output that is the input: the same path, a symbolic
 * link to it, or a hard link (the same inode). Writing it would destroy the originals.
 */
export async function checkOutputsAreNotInput(input: string, outputs: ReadonlyArray<{ flag: string; path: string }>): Promise<void> {
  if (input === STDIO) return;
  const inputPath = await whereItLeads(input);
  const inputStat = await stat(input).catch(() => undefined);
  for (const { flag, path } of outputs) {
    if (path === STDIO) continue;
    const outputStat = await stat(path).catch(() => undefined);
    const sameInode = inputStat && outputStat && inputStat.dev === outputStat.dev && inputStat.ino === outputStat.ino;
    if (sameInode || (await whereItLeads(path)) === inputPath) {
      throw new UsageError(`${flag} ${path} is the input file itself; writing it would destroy the originals: choose another file`);
    }
  }
}
