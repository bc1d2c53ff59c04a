import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Each measured configuration of a benchmark runs in a process of its own, so its peak RSS, its
 * in-memory tables and its caches are its own: the bench file runs itself again as
 * `node --import tsx <file> child …args` (or, `compiled`, as JavaScript compiled the way the CLI
 * is), and the child prints its figures as JSON on its last line.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const compiledBenches = new Map<string, Promise<string>>();

/**
 * The bench file compiled as `normflow` runs its code (esbuild, bin/cli-build.mjs), once per
 * process: tsx compiles on the fly and, keeping function names, names every closure as it is made,
 * which costs a write-heavy run several percent that the CLI never pays.
 */
function compiledBench(benchFile: string): Promise<string> {
  let compiled = compiledBenches.get(benchFile);
  if (!compiled) {
    const name = basename(benchFile, '.ts');
    // Under the project root, so the compiled code finds the packages it leaves external.
    const outdir = join('dist', 'bench', name);
    // Imported here, in the parent only: compiled into a child, the build script's "run as a script" check would hold.
    compiled = import('../bin/cli-build.mjs').then(async ({ compileAsCli }) => {
      await compileAsCli(relative(ROOT, benchFile), outdir);
      return join(ROOT, outdir, `${name}.js`);
    });
    compiledBenches.set(benchFile, compiled);
  }
  return compiled;
}

/** The arguments after `child` when this process is a benchmark's child; undefined in the parent. */
export function childArguments(): string[] | undefined {
  return process.argv[2] === 'child' ? process.argv.slice(3) : undefined;
}

/** Runs `benchFile` as a child (JS heap capped at `heapCapMiB` when given) and returns what it printed last, parsed. */
export async function runInChild<Figures>(benchFile: string, args: readonly string[], options: { heapCapMiB?: number; compiled?: boolean } = {}): Promise<Figures> {
  const heapCap = options.heapCapMiB === undefined ? [] : [`--max-old-space-size=${options.heapCapMiB}`];
  const program = options.compiled ? [await compiledBench(benchFile)] : ['--import', 'tsx', benchFile];
  const { stdout } = await promisify(execFile)(process.execPath, [...heapCap, ...program, 'child', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const last = stdout.trim().split('\n').at(-1);
  if (!last) throw new Error(`${benchFile} child ${args.join(' ')} printed nothing`);
  return JSON.parse(last) as Figures;
}

/** This process's peak resident set size so far, MiB. */
export const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

/** Resident memory now, split as Linux reports it (`/proc/self/status`); undefined elsewhere. */
function residentSplitMiB(): { anonymous: number; fileBacked: number } | undefined {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
  const mib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
  const split = { anonymous: mib('RssAnon'), fileBacked: mib('RssFile') };
  return Number.isNaN(split.anonymous) || Number.isNaN(split.fileBacked) ? undefined : split;
}

/**
 * Samples the resident memory's two parts until stopped and returns each one's peak, MiB: the
 * process's own (anonymous: heap, buffers, native allocations) and the file-backed pages (code and
 * memory-mapped files, such as the embedded store's LevelDB tables, which the kernel drops under
 * pressure). Peak RSS mixes them, so a store that grows on disk looks like a process that leaks.
 */
export function sampleResidentSplit(intervalMs = 250): () => { peakAnonymousMiB: number; peakFileBackedMiB: number } | undefined {
  let peak: { anonymous: number; fileBacked: number } | undefined;
  const sample = () => {
    const now = residentSplitMiB();
    if (now) peak = { anonymous: Math.max(peak?.anonymous ?? 0, now.anonymous), fileBacked: Math.max(peak?.fileBacked ?? 0, now.fileBacked) };
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    sample();
    return peak && { peakAnonymousMiB: Math.round(peak.anonymous), peakFileBackedMiB: Math.round(peak.fileBacked) };
  };
}
