/**
 * `npm run bench:startup`: how long `normflow --help` takes next to a bare `node -e 0`.
 * Each command is started `--runs` times (default 21) in turn, after one warm-up each; the
 * figures are the median, the fastest and the 90th percentile wall times, and the ratio of medians.
 * `--json` prints them as one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BIN = fileURLToPath(new URL('../bin/normflow.mjs', import.meta.url));

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' }, json: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1 (got "${values.runs}")`);

const subjects = {
  'node -e 0': ['-e', '0'],
  'normflow --help': [BIN, '--help'],
  'normflow --version': [BIN, '--version'],
} as const;

function timeOnce(args: readonly string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited with ${result.status}: ${result.stderr.toString()}`);
  return elapsed;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
for (const args of Object.values(subjects)) timeOnce(args);
// Interleaved, so a burst of load on the machine hits every subject alike.
for (let run = 0; run < runs; run += 1) {
  for (const [name, args] of Object.entries(subjects)) samples[name]?.push(timeOnce(args));
}

const figures = Object.fromEntries(
  Object.entries(samples).map(([name, times]) => {
    const sorted = [...times].sort((a, b) => a - b);
    return [name, { medianMs: quantile(sorted, 0.5), minMs: sorted[0] ?? Number.NaN, p90Ms: quantile(sorted, 0.9) }];
  }),
);
const baseline = figures['node -e 0']?.medianMs ?? Number.NaN;
const ratio = (figures['normflow --help']?.medianMs ?? Number.NaN) / baseline;

if (values.json) {
  console.log(JSON.stringify({ runs, node: process.version, figures, helpOverBareNode: ratio }, null, 2));
} else {
  console.log(`startup, ${runs} runs each (Node ${process.version}):`);
  for (const [name, figure] of Object.entries(figures)) {
    console.log(`  ${name.padEnd(20)} median ${figure.medianMs.toFixed(1).padStart(7)} ms   min ${figure.minMs.toFixed(1).padStart(7)} ms   p90 ${figure.p90Ms.toFixed(1).padStart(7)} ms`);
  }
  console.log(`normflow --help / node -e 0 (medians): ${ratio.toFixed(2)}×`);
}
