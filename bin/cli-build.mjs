// Builds the CLI into dist/cli with esbuild: one small entry, one chunk per command (imported only
// when that command runs); packages stay in node_modules. `npm ci` builds it (prepare), the test
// suite's global setup rebuilds it when stale, and so does the bin, so no one runs an old build.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = `${ROOT}dist/cli`;
const STAMP = `${OUT_DIR}/build-inputs.json`;
export const CLI_ENTRY = new URL('../dist/cli/main.js', import.meta.url);

/** Files that shape the build besides the bundled sources. */
const BUILD_FILES = ['package.json', 'bin/cli-build.mjs'];

/** Whether the build is missing or older than any file it was built from. */
function isCliBuildStale() {
  let built;
  let inputs;
  try {
    built = statSync(STAMP).mtimeMs;
    inputs = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return true;
  }
  for (const input of inputs) {
    try {
      if (statSync(`${ROOT}${input}`).mtimeMs > built) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/** Compiles `entry` (a path from the project root) as the CLI is compiled, into `outdir`; returns esbuild's result. */
export async function compileAsCli(entry, outdir) {
  const { build } = await import('esbuild');
  rmSync(`${ROOT}${outdir}`, { recursive: true, force: true });
  return build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outdir,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
}

async function buildCli() {
  const result = await compileAsCli('cli/main.ts', 'dist/cli');
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(STAMP, JSON.stringify([...BUILD_FILES, ...Object.keys(result.metafile.inputs)]));
}

export async function ensureCliBuild() {
  if (isCliBuildStale()) await buildCli();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
