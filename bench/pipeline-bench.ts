/**
 * `npm run bench [-- --leads 1000 --seed-leads 40 --latency-ms 2000 --jitter-ms 500 --rate 10 --model-bound-leads 5000 --json]`
 *
 * The local normalize-leads pipeline (same ASL and handlers as AWS) on the bundled sample as it is
 * (data/samples/leads.sample.jsonl, 1,000 leads: no resampling, so no value repeats that the sample
 * does not repeat), against the wire-level fake OpenAI-compatible model with a latency and a rate
 * limit (429 beyond). Every row runs the same leads against the same fake model; what differs is
 * said in its label:
 * - normflow defaults (value cache on);
 * - normflow with the value cache off, nothing else changed;
 * - the seed-equivalent: one call per lead, every field, sequential, 500 ms sleep (batch size 1,
 *   `llmMode` always, one batch in flight, no cache, a 500 ms sleep before each model call).
 *   One call after another, its rate does not depend on how many leads it runs, so it is timed on
 *   the first `--seed-leads` leads; its calls and tokens are counted on all the leads in a second
 *   pass with no latency and no sleep (neither changes what is sent).
 * Each row runs in its own process (its own peak RSS, fresh in-memory tables and cache). Tokens are
 * the fake model's count (characters / 4), the same for every row. Every figure is measured.
 *
 * Then `modelBound`: every value to the model (`llmMode: always`, no cache) with the quota configured
 * (`model.requestsPerMinute` = the fake model's rate) and enough batches in flight for it; `quotaUse`
 * = leads/s ÷ (requests/s × batch size), the share of the quota it used. It runs on
 * `--model-bound-leads` generated leads: without the cache a repeated value costs a call like any
 * other, and the sample's 100 calls (~10 s at 10 requests/s) are too few against the ~2.5 s it takes
 * to fill and drain the pipeline to show the steady rate.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runStateMachineLocally, startLocalEnvironment } from '#infra/local/local-runtime.ts';
import { localStores } from '#cli/local-stores.ts';
import { parseConfig, type NormalizationConfigInput } from '#shared/config/normalization-config.ts';
import type { RunSummary } from '#shared/pipeline/report-run.ts';
import { generateLeads } from '#shared/samples/lead-generator.ts';
import { leadsSample } from '#shared/samples/leads-sample.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';
import { plausibleAnswer } from '#test/fakes/plausible-answers.ts';
import { childArguments, peakRssMiB, runInChild } from './bench-child.ts';

const THIS_FILE = fileURLToPath(import.meta.url);
const SAMPLE_NAME = 'data/samples/leads.sample.jsonl';
const SEED_EQUIVALENT = 'one call per lead, every field, sequential, 500 ms sleep';

interface Profile {
  label: string;
  config: Omit<NormalizationConfigInput, 'model'>;
  /** Sleep before each model call, ms. */
  sleepMs: number;
  /** Model settings besides the fake model's endpoint (the model-bound run's quota). */
  model?: NormalizationConfigInput['model'];
}

const SEED_EQUIVALENT_CONFIG = { batchSize: 1, llmMode: 'always', maxConcurrency: 1, cacheEnabled: false } as const;

const PROFILES = {
  normflow: { label: 'normflow defaults (value cache on)', config: {}, sleepMs: 0 },
  normflowNoCache: { label: 'normflow, value cache off', config: { cacheEnabled: false }, sleepMs: 0 },
  seedEquivalent: { label: 'seed-equivalent¹, timed', config: SEED_EQUIVALENT_CONFIG, sleepMs: 500 },
  seedEquivalentCounted: { label: 'seed-equivalent¹, counted²', config: SEED_EQUIVALENT_CONFIG, sleepMs: 0 },
} satisfies Record<string, Profile>;
type ProfileName = keyof typeof PROFILES;

/** Batch size of the model-bound run (the default): one call answers this many leads. */
const MODEL_BOUND_BATCH = 10;

/** The model-bound run: batches in flight (8 segments × 10) well above requests/s × seconds per batch (10 × ~2.7 s). */
const modelBoundProfile = (ratePerSecond: number): Profile => ({
  label: 'model-bound',
  config: { batchSize: MODEL_BOUND_BATCH, llmMode: 'always', cacheEnabled: false, maxConcurrency: 10, maxParallelSegments: 8 },
  sleepMs: 0,
  model: { requestsPerMinute: ratePerSecond * 60 },
});

interface Measurement {
  leads: number;
  seconds: number;
  leadsPerSecond: number;
  modelCalls: number;
  inputTokensPerLead: number;
  p50BatchMs: number;
  p95BatchMs: number;
  peakRssMiB: number;
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** Child: one profile on these leads, in a fresh in-memory local environment. */
async function measureInThisProcess(baseUrl: string, profileName: string, profile: Profile, leads: LeadItem[]): Promise<Measurement> {
  const model = { ...profile.model, provider: 'openai', baseUrl, modelId: 'bench-model', requestTimeoutMs: 30_000 } as const;
  const leadCount = leads.length;
  const local = await startLocalEnvironment({ inMemory: true });
  Object.assign(process.env, local.env, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    NORMFLOW_CONFIG_OVERRIDE: JSON.stringify({ ...profile.config, model }),
  });
  try {
    await localStores(local).leads.putMany(leads);
    const started = new Map<string, number>();
    const batchMs: number[] = [];
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const begin = performance.now();
    const result = await runStateMachineLocally('normalize-leads', {
      input: { maxLeads: leadCount },
      onEvent: (event, executionId) => {
        // Batches only (not segments nor the leads of a split batch), told apart by their segment's execution.
        if (event.type !== 'MapIterationStarted' && event.type !== 'MapIterationSucceeded' && event.type !== 'MapIterationFailed') return;
        if (event.parentState.name !== 'NormalizeBatches') return;
        const key = `${executionId}#${event.index}`;
        if (event.type === 'MapIterationStarted') started.set(key, performance.now());
        else batchMs.push(performance.now() - (started.get(key) ?? performance.now()));
      },
      ...(profile.sleepMs > 0
        ? { handlerOverrides: { InvokeModel: async (payload, next) => (await sleep(profile.sleepMs), next(payload)) } }
        : {}),
    });
    const seconds = (performance.now() - begin) / 1000;
    if (result.status !== 'SUCCEEDED') throw new Error(`${profileName} run failed: ${result.error?.name}`);
    const summary = result.output as RunSummary;
    return {
      leads: summary.counts.selected,
      seconds,
      leadsPerSecond: summary.counts.selected / seconds,
      modelCalls: summary.model.calls,
      inputTokensPerLead: summary.model.inputTokens / Math.max(1, summary.counts.selected),
      p50BatchMs: percentile(batchMs, 50),
      p95BatchMs: percentile(batchMs, 95),
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    await local.close();
  }
}

/** Asynchronous on purpose: the fake model answers from this process's event loop. */
const measureInChild = (baseUrl: string, profile: ProfileName | 'modelBound', leads: number, ratePerSecond: number) =>
  runInChild<Measurement>(THIS_FILE, [baseUrl, profile, String(leads), String(ratePerSecond)]);

const ratio = (numerator: number, denominator: number) => numerator / Math.max(denominator, Number.EPSILON);

interface Settings {
  sample: string;
  leads: number;
  seedEquivalentTimedOn: number;
  latencyMs: number;
  jitterMs: number;
  rateLimitPerSecond: number;
  modelBoundLeads: number;
}

/** The model-bound run's figures: its leads/s, and the share of the quota's leads/s that is. */
interface ModelBound {
  leads: number;
  seconds: number;
  leadsPerSecond: number;
  quotaUse: number;
  modelCalls: number;
  /** 429s included: with the pacing, the same as modelCalls. */
  httpRequests: number;
}

/**
 * Everything the benchmark found, as `--json` prints it and the table is printed from: one object
 * (add a measurement as one more key here, and its line in `printReport`).
 */
function assembleReport(
  settings: Settings,
  rows: Record<ProfileName, Measurement>,
  httpRequests: Record<'normflow' | 'normflowNoCache', number>,
  modelBound: ModelBound,
) {
  const timedSeed = rows.seedEquivalent;
  const countedSeed = rows.seedEquivalentCounted;
  return {
    settings,
    rows,
    /** HTTP requests normflow sent the model, 429s included. */
    httpRequests,
    vsSeedEquivalent: {
      throughput: ratio(rows.normflow.leadsPerSecond, timedSeed.leadsPerSecond),
      throughputNoCache: ratio(rows.normflowNoCache.leadsPerSecond, timedSeed.leadsPerSecond),
      fewerInputTokensPerLead: ratio(countedSeed.inputTokensPerLead, rows.normflow.inputTokensPerLead),
      fewerInputTokensPerLeadNoCache: ratio(countedSeed.inputTokensPerLead, rows.normflowNoCache.inputTokensPerLead),
      fewerModelCalls: ratio(countedSeed.modelCalls, rows.normflow.modelCalls),
      fewerModelCallsNoCache: ratio(countedSeed.modelCalls, rows.normflowNoCache.modelCalls),
    },
    modelBound,
  };
}
type Report = ReturnType<typeof assembleReport>;

const LABEL_WIDTH = 36;

function row(label: string, m: Measurement): string {
  return `${label.padEnd(LABEL_WIDTH)} ${String(m.leads).padStart(6)} ${m.seconds.toFixed(1).padStart(8)} ${m.leadsPerSecond.toFixed(2).padStart(9)} ${String(m.modelCalls).padStart(7)} ${m.inputTokensPerLead.toFixed(1).padStart(12)} ${m.p50BatchMs.toFixed(0).padStart(8)} ${m.p95BatchMs.toFixed(0).padStart(8)} ${m.peakRssMiB.toFixed(0).padStart(8)}`;
}

function printReport(report: Report): void {
  const { settings, rows, vsSeedEquivalent: vs } = report;
  console.log(
    `normflow pipeline benchmark: ${settings.leads} leads of ${settings.sample} as they are, fake model ${settings.latencyMs} ± ${settings.jitterMs} ms per call, ${settings.rateLimitPerSecond} requests/s (429 beyond)\n`,
  );
  console.log(`${'configuration'.padEnd(LABEL_WIDTH)} ${'leads'.padStart(6)} ${'seconds'.padStart(8)} ${'leads/s'.padStart(9)} ${'calls'.padStart(7)} ${'in tok/lead'.padStart(12)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'RSS MiB'.padStart(8)}`);
  for (const name of Object.keys(PROFILES) as ProfileName[]) console.log(row(PROFILES[name].label, rows[name]));
  console.log(`\n¹ ${SEED_EQUIVALENT}; timed on the first ${settings.seedEquivalentTimedOn} leads (one call after another: its rate does not depend on how many)`);
  console.log('² the same configuration on all the leads with no latency and no sleep, to count its calls and tokens');
  console.log(`HTTP requests to the model, 429s included: ${report.httpRequests.normflow} (cache on), ${report.httpRequests.normflowNoCache} (cache off)\n`);
  console.log(`throughput vs the seed-equivalent: ${vs.throughput.toFixed(1)}× with the value cache, ${vs.throughputNoCache.toFixed(1)}× without (target ≥ 20×)`);
  console.log(`input tokens per lead vs the seed-equivalent: ${vs.fewerInputTokensPerLead.toFixed(1)}× fewer with the value cache, ${vs.fewerInputTokensPerLeadNoCache.toFixed(1)}× without (target ≥ 10×)`);
  console.log(`model calls vs the seed-equivalent: ${vs.fewerModelCalls.toFixed(1)}× fewer with the value cache, ${vs.fewerModelCallsNoCache.toFixed(1)}× without`);
  const { modelBound } = report;
  console.log(
    `model-bound (llmMode always, no cache, quota ${settings.rateLimitPerSecond} requests/s paced, ${modelBound.leads} generated leads): ${modelBound.leadsPerSecond.toFixed(1)} leads/s = ${(100 * modelBound.quotaUse).toFixed(1)}% of the ${settings.rateLimitPerSecond * MODEL_BOUND_BATCH} leads/s the quota allows (target ≥ 80%); ${modelBound.httpRequests} HTTP requests for ${modelBound.modelCalls} calls`,
  );
}

async function main(): Promise<void> {
  const sampleSize = leadsSample().length;
  const { values } = parseArgs({
    options: {
      leads: { type: 'string', default: String(sampleSize) },
      'seed-leads': { type: 'string', default: '40' },
      'latency-ms': { type: 'string', default: '2000' },
      'jitter-ms': { type: 'string', default: '500' },
      rate: { type: 'string', default: '10' },
      'model-bound-leads': { type: 'string', default: '5000' },
      json: { type: 'boolean', default: false },
    },
  });
  const number = (option: 'leads' | 'seed-leads' | 'latency-ms' | 'jitter-ms' | 'rate' | 'model-bound-leads', min: number, max?: number) => {
    const value = Number(values[option]);
    if (Number.isInteger(value) && value >= min && value <= (max ?? Number.MAX_SAFE_INTEGER)) return value;
    const range = max === undefined ? `${min} or more` : `from ${min} to ${max} (the leads of ${SAMPLE_NAME}; the benchmark never resamples)`;
    throw new RangeError(`--${option}: a whole number ${range}`);
  };
  let settings: Settings;
  try {
    const leads = number('leads', 1, sampleSize);
    settings = {
      sample: SAMPLE_NAME,
      leads,
      seedEquivalentTimedOn: Math.min(leads, number('seed-leads', 1)),
      latencyMs: number('latency-ms', 0),
      jitterMs: number('jitter-ms', 0),
      rateLimitPerSecond: number('rate', 1),
      modelBoundLeads: number('model-bound-leads', 1),
    };
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  const { leads } = settings;
  // Plausible answers, not an echo: only accepted answers are cached, and an echo of a value the rules could not read never is.
  const answer = plausibleAnswer(parseConfig({}).fields);
  const fake = await startFakeOpenAiServer({
    latency: { fixedMs: settings.latencyMs, jitterMs: settings.jitterMs },
    rateLimitPerSecond: settings.rateLimitPerSecond,
    recordRequests: false,
    answer,
  });
  const instant = await startFakeOpenAiServer({ recordRequests: false, answer });
  try {
    const rate = settings.rateLimitPerSecond;
    const normflow = await measureInChild(fake.url, 'normflow', leads, rate);
    const afterNormflow = fake.requestCount;
    const normflowNoCache = await measureInChild(fake.url, 'normflowNoCache', leads, rate);
    const httpRequests = { normflow: afterNormflow, normflowNoCache: fake.requestCount - afterNormflow };
    const seedEquivalent = await measureInChild(fake.url, 'seedEquivalent', settings.seedEquivalentTimedOn, rate);
    const seedEquivalentCounted = await measureInChild(instant.url, 'seedEquivalentCounted', leads, rate);
    const beforeModelBound = fake.requestCount;
    const bound = await measureInChild(fake.url, 'modelBound', settings.modelBoundLeads, rate);
    const modelBound: ModelBound = {
      leads: bound.leads,
      seconds: bound.seconds,
      leadsPerSecond: bound.leadsPerSecond,
      quotaUse: bound.leadsPerSecond / (rate * MODEL_BOUND_BATCH),
      modelCalls: bound.modelCalls,
      httpRequests: fake.requestCount - beforeModelBound,
    };
    const report = assembleReport(settings, { normflow, normflowNoCache, seedEquivalent, seedEquivalentCounted }, httpRequests, modelBound);
    if (values.json) console.log(JSON.stringify(report));
    else printReport(report);
  } finally {
    await Promise.all([fake.close(), instant.close()]);
  }
}

const child = childArguments();
if (child) {
  const [baseUrl = '', profile = 'normflow', count = '0', rate = '10'] = child;
  const measured =
    profile === 'modelBound'
      ? await measureInThisProcess(baseUrl, profile, modelBoundProfile(Number(rate)), generateLeads(Number(count)))
      : await measureInThisProcess(baseUrl, profile, PROFILES[profile as ProfileName], leadsSample().slice(0, Number(count)));
  console.log(JSON.stringify(measured));
} else {
  await main();
}
