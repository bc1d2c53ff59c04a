/**
 * `npm run bench:pipeline-vs-normalize [-- --leads 20000 --in-memory --batch-size N --json]`
 *
 * The same N generated leads (`shared/samples/lead-generator.ts`) normalized twice, rules only:
 * - `normalize`: the JSONL file to another file, as `normflow normalize --input F --output G` does it;
 * - the pipeline: the leads seeded into the local store (not timed, as the file already exists for
 *   `normalize`), then what `normflow run --force-all` does: the normalize-leads state machine on the
 *   local runtime (same ASL and handlers as AWS, AWS history accounting, the embedded store on disk,
 *   or in memory with `--in-memory`), timed from the execution's start to its Report.
 * Each runs in a process of its own (`bench-child.ts`), normalize first, compiled as the CLI is (what
 * `normflow` runs, not tsx's on-the-fly TypeScript). Printed: seconds (wall and
 * this process's CPU), leads/s, the ratios pipeline ÷ normalize, and the machine's load (1-minute
 * load average before and after each measurement, and the number of cores): on a shared machine the
 * CPU ratio moves less than the wall-time one. `--stages` profiles the timed parts (V8's sampling
 * profiler, `cpu-stages.ts`, which slows them a little) and prints where the time went, by stage;
 * those children run under tsx, as the stages are told apart by source file.
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCliConfig } from '#cli/cli-config.ts';
import { normalizeFile } from '#cli/normalize-file.ts';
import { seedLeads } from '#cli/seed-command.ts';
import { loadLocalHandler } from '#infra/local/local-handlers.ts';
import { runStateMachineLocally, startLocalEnvironment } from '#infra/local/local-runtime.ts';
import { STATE_MACHINES } from '#state-machines/render-state-machine.ts';
import { createBatchRunner } from '#shared/engine/batch-runner.ts';
import { ValueCache } from '#shared/engine/value-cache.ts';
import type { RunSummary } from '#shared/pipeline/report-run.ts';
import { generateLeads } from '#shared/samples/lead-generator.ts';
import { childArguments, peakRssMiB, runInChild, sampleResidentSplit } from './bench-child.ts';
import { startCpuStages, type StageTable } from './cpu-stages.ts';

const THIS_FILE = fileURLToPath(import.meta.url);

interface Measurement {
  records: number;
  seconds: number;
  /** CPU time of this process (user + system) over the timed part: less sensitive to other work on the machine. */
  cpuSeconds: number;
  leadsPerSecond: number;
  peakRssMiB: number;
  /**
   * Peak RSS split (Linux): the process's own memory and the file-backed pages, most of them the
   * embedded store's memory-mapped LevelDB tables, which grow with the store on disk.
   */
  resident?: { peakAnonymousMiB: number; peakFileBackedMiB: number };
  /** 1-minute load average just before and just after the timed part. */
  load: { before: number; after: number };
  /** With `--stages`: where the timed part's time went (CPU profile; idle is waiting). */
  stages?: StageTable;
}

const loadNow = () => Number((loadavg()[0] ?? 0).toFixed(2));
const cpuSecondsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

/** The config layer both are given (`--batch-size`), as `--config` would give it. */
type ConfigLayer = Record<string, unknown>;

async function measureNormalize(input: string, output: string, layer: ConfigLayer, profiled: boolean): Promise<Measurement> {
  const config = await loadCliConfig({}, [layer]);
  const runner = createBatchRunner({ config, model: undefined, cache: new ValueCache() });
  const stopStages = profiled ? await startCpuStages() : undefined;
  const stopResident = sampleResidentSplit();
  const before = loadNow();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await normalizeFile({ input, output, config, runner });
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu);
  const resident = stopResident();
  const stages = await stopStages?.();
  return {
    records: result.records,
    seconds,
    cpuSeconds,
    leadsPerSecond: result.records / seconds,
    peakRssMiB: peakRssMiB(),
    ...(resident ? { resident } : {}),
    load: { before, after: loadNow() },
    ...(stages ? { stages } : {}),
  };
}

async function measurePipeline(input: string, dataDir: string | undefined, layer: ConfigLayer, profiled: boolean): Promise<Measurement> {
  const local = await startLocalEnvironment(dataDir === undefined ? { inMemory: true } : { dataDir });
  try {
    const seeded = await seedLeads(local, input);
    if (seeded.counts.rejected > 0) throw new Error(`${seeded.counts.rejected} generated lead(s) rejected by seed`);
    // As `normflow run` sets them (no --verbose; the layer as --config).
    delete process.env.NORMFLOW_CONFIG_OVERRIDE;
    Object.assign(process.env, local.env, {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      ...(Object.keys(layer).length > 0 ? { NORMFLOW_CONFIG_OVERRIDE: JSON.stringify(layer) } : {}),
    });

    // The handler modules are loaded before the timer, as normalize's are (imported when its child
    // starts): both figures are the work on the leads, not TypeScript that tsx compiles on first import.
    for (const functionName of Object.values(STATE_MACHINES['normalize-leads'].functions)) await loadLocalHandler(functionName);
    const stopStages = profiled ? await startCpuStages() : undefined;
    const stopResident = sampleResidentSplit();
    const before = loadNow();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await runStateMachineLocally('normalize-leads', { input: { forceAll: true }, executionName: 'bench-pipeline-vs-normalize' });
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuSecondsSince(cpu);
    const resident = stopResident();
    const stages = await stopStages?.();
    const after = loadNow();
    if (result.status !== 'SUCCEEDED') throw new Error(`the run failed: ${result.error?.name}: ${result.error?.message}`);
    const { counts } = result.output as RunSummary;
    if (counts.failed > 0 || counts.skipped > 0) throw new Error(`the run left ${counts.failed} lead(s) failed and ${counts.skipped} skipped`);
    const records = counts.normalized + counts.unchanged;
    return {
      records,
      seconds,
      cpuSeconds,
      leadsPerSecond: records / seconds,
      peakRssMiB: peakRssMiB(),
      ...(resident ? { resident } : {}),
      load: { before, after },
      ...(stages ? { stages } : {}),
    };
  } finally {
    await local.close();
  }
}

async function child(args: string[]): Promise<void> {
  const [what, input, place, layerJson, profile] = args;
  if (!input || !place || !layerJson) throw new Error(`child ${what}: missing arguments`);
  const layer = JSON.parse(layerJson) as ConfigLayer;
  const profiled = profile === 'stages';
  const measured =
    what === 'normalize' ? await measureNormalize(input, place, layer, profiled) : await measurePipeline(input, place === ':memory:' ? undefined : place, layer, profiled);
  console.log(JSON.stringify(measured));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      leads: { type: 'string', default: '20000' },
      'in-memory': { type: 'boolean', default: false },
      'batch-size': { type: 'string' },
      stages: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const leadCount = Number(values.leads);
  if (!Number.isInteger(leadCount) || leadCount < 1) throw new Error(`--leads must be a whole number ≥ 1 (got "${values.leads}")`);

  const layer: ConfigLayer = values['batch-size'] === undefined ? {} : { batchSize: Number(values['batch-size']) };
  const workDir = await mkdtemp(join(tmpdir(), 'normflow-pipeline-vs-normalize-'));
  try {
    const input = join(workDir, 'leads.jsonl');
    await writeFile(input, `${generateLeads(leadCount).map((lead) => JSON.stringify(lead)).join('\n')}\n`);
    const child = { compiled: !values.stages };
    const normalize = await runInChild<Measurement>(THIS_FILE, ['normalize', input, join(workDir, 'normalized.jsonl'), JSON.stringify(layer), values.stages ? 'stages' : 'timed'], child);
    const pipeline = await runInChild<Measurement>(
      THIS_FILE,
      ['pipeline', input, values['in-memory'] ? ':memory:' : join(workDir, 'store'), JSON.stringify(layer), values.stages ? 'stages' : 'timed'],
      child,
    );
    if (normalize.records !== leadCount || pipeline.records !== leadCount) {
      throw new Error(`expected ${leadCount} leads normalized by each, got normalize ${normalize.records}, pipeline ${pipeline.records}`);
    }
    const figures = {
      leads: leadCount,
      store: values['in-memory'] ? 'in memory' : 'on disk',
      batchSize: values['batch-size'] === undefined ? 'default' : Number(values['batch-size']),
      cores: cpus().length,
      normalize: round(normalize),
      pipeline: round(pipeline),
      pipelineOverNormalize: Number((pipeline.seconds / normalize.seconds).toFixed(2)),
      cpuPipelineOverNormalize: Number((pipeline.cpuSeconds / normalize.cpuSeconds).toFixed(2)),
    };
    if (values.json) {
      console.log(JSON.stringify(figures));
      return;
    }
    console.log(`pipeline (run --force-all, local runtime, store ${figures.store}) vs normalize (file to file), ${leadCount} generated leads, rules only, batch size ${figures.batchSize}, ${figures.cores} cores\n`);
    for (const name of ['normalize', 'pipeline'] as const) {
      const m = figures[name];
      console.log(`${name.padEnd(10)} ${m.seconds.toFixed(2).padStart(8)} s (CPU ${m.cpuSeconds.toFixed(2)} s) ${m.leadsPerSecond.toFixed(0).padStart(8)} leads/s   peak RSS ${m.peakRssMiB} MiB${m.resident ? ` (own ${m.resident.peakAnonymousMiB}, file-backed ${m.resident.peakFileBackedMiB})` : ''}   load ${m.load.before} → ${m.load.after}`);
    }
    console.log(`\npipeline / normalize: ${figures.pipelineOverNormalize}× wall time, ${figures.cpuPipelineOverNormalize}× CPU time`);
    for (const name of ['normalize', 'pipeline'] as const) {
      const table = figures[name].stages;
      if (!table) continue;
      console.log(`\n${name}: where the time went (CPU profile of the timed part, ${table.totalSeconds.toFixed(1)} s sampled):`);
      for (const { stage, seconds, share } of table.stages) {
        console.log(`  ${stage.padEnd(52)} ${seconds.toFixed(2).padStart(8)} s ${(100 * share).toFixed(1).padStart(6)}%  ${(1000 * seconds / leadCount).toFixed(3).padStart(7)} ms/lead`);
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function round(m: Measurement): Measurement {
  return { ...m, seconds: Number(m.seconds.toFixed(2)), cpuSeconds: Number(m.cpuSeconds.toFixed(2)), leadsPerSecond: Number(m.leadsPerSecond.toFixed(1)), peakRssMiB: Math.round(m.peakRssMiB) };
}

const args = childArguments();
if (args) await child(args);
else await main();
