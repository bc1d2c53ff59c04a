import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Each measured configuration of a benchmark runs in a process of its own, so its peak RSS, its
 * in-memory tables and its caches are its own: the bench file runs itself again as
 * `node --import tsx <file> child …args`, and the child prints its figures as JSON on its last line.
 */

/** The arguments after `child` when this process is a benchmark's child; undefined in the parent. */
export function childArguments(): string[] | undefined {
  return process.argv[2] === 'child' ? process.argv.slice(3) : undefined;
}

/** Runs `benchFile` as a child (JS heap capped at `heapCapMiB` when given) and returns what it printed last, parsed. */
export async function runInChild<Figures>(benchFile: string, args: readonly string[], options: { heapCapMiB?: number } = {}): Promise<Figures> {
  const heapCap = options.heapCapMiB === undefined ? [] : [`--max-old-space-size=${options.heapCapMiB}`];
  const { stdout } = await promisify(execFile)(process.execPath, [...heapCap, '--import', 'tsx', benchFile, 'child', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const last = stdout.trim().split('\n').at(-1);
  if (!last) throw new Error(`${benchFile} child ${args.join(' ')} printed nothing`);
  return JSON.parse(last) as Figures;
}

/** This process's peak resident set size so far, MiB. */
export const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;
