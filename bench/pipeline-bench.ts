/**
 * `npm run bench [-- --leads 5000 --latency-ms 2000 --jitter-ms 500 --rate 10 --seed-leads 40 --model-bound-leads 5000 --json]`
 *
 * Runs the local normalize-leads pipeline (same ASL and handlers as AWS) on generated leads against
 * the wire-level fake OpenAI-compatible model with realistic latency and a rate limit (429 beyond),
 * for normflow's defaults and for a seed-equivalent configuration (one call per lead, every field
 * to the model, sequential batches with a 500 ms sleep, no cache), each in its own process.
 * The seed-equivalent's throughput does not depend on the number of leads (one call after
 * another), so it is measured on `--seed-leads` of them to keep the benchmark short.
 * A third, model-bound, configuration sends every value to the model (`llmMode: always`, no cache)
 * with the quota configured (`model.requestsPerMinute`) and enough batches in flight for it:
 * `modelBound.quotaUse` = leads/s ÷ (requests/s × batch size), the share of the quota it used.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runStateMachineLocally, startLocalEnvironment } from '#infra/local/local-runtime.ts';
import { localStores } from '#cli/local-stores.ts';
import type { RunSummary } from '#shared/pipeline/report-run.ts';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';
import { generateLeads } from '#shared/samples/lead-generator.ts';

const THIS_FILE = fileURLToPath(import.meta.url);

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

/** Child: one configuration, one process, so its peak RSS is its own. */
type Profile = 'normflow' | 'seed' | 'model-bound';

/** Batch size of the model-bound configuration (the default): one call answers this many leads. */
const MODEL_BOUND_BATCH = 10;

function configFor(profile: Profile, baseUrl: string, ratePerSecond: number): Record<string, unknown> {
  const model = { provider: 'openai', baseUrl, modelId: 'bench-model', requestTimeoutMs: 30_000 };
  if (profile === 'normflow') return { model };
  if (profile === 'seed') return { model, batchSize: 1, llmMode: 'always', maxConcurrency: 1, cacheEnabled: false };
  // Batches in flight (8 segments × 10) well above requests/s × seconds per batch (10 × ~2.7 s).
  return {
    model: { ...model, requestsPerMinute: ratePerSecond * 60 },
    batchSize: MODEL_BOUND_BATCH,
    llmMode: 'always',
    cacheEnabled: false,
    maxConcurrency: 10,
    maxParallelSegments: 8,
  };
}

async function measureInThisProcess(baseUrl: string, profile: Profile, leadCount: number, ratePerSecond: number): Promise<Measurement> {
  const config = configFor(profile, baseUrl, ratePerSecond);
  const local = await startLocalEnvironment({ inMemory: true });
  Object.assign(process.env, local.env, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    NORMFLOW_CONFIG_OVERRIDE: JSON.stringify(config),
  });
  try {
    await localStores(local).leads.putMany(generateLeads(leadCount));
    const started = new Map<number, number>();
    const batchMs: number[] = [];
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const begin = performance.now();
    const result = await runStateMachineLocally('normalize-leads', {
      input: { maxLeads: leadCount },
      onEvent: (event) => {
        if (event.type === 'MapIterationStarted') started.set(event.index, performance.now());
        if (event.type === 'MapIterationSucceeded' || event.type === 'MapIterationFailed') {
          batchMs.push(performance.now() - (started.get(event.index) ?? performance.now()));
        }
      },
      ...(profile === 'seed'
        ? { handlerOverrides: { InvokeModel: async (payload, next) => (await sleep(500), next(payload)) } }
        : {}),
    });
    const seconds = (performance.now() - begin) / 1000;
    if (result.status !== 'SUCCEEDED') throw new Error(`${profile} run failed: ${result.error?.name}`);
    const summary = result.output as RunSummary;
    return {
      leads: summary.counts.selected,
      seconds,
      leadsPerSecond: summary.counts.selected / seconds,
      modelCalls: summary.model.calls,
      inputTokensPerLead: summary.model.inputTokens / Math.max(1, summary.counts.selected),
      p50BatchMs: percentile(batchMs, 50),
      p95BatchMs: percentile(batchMs, 95),
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await local.close();
  }
}

/** Asynchronous on purpose: the fake model answers from this process's event loop. */
async function measureInChild(baseUrl: string, profile: Profile, leads: number, ratePerSecond: number): Promise<Measurement> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', THIS_FILE, 'child', baseUrl, profile, String(leads), String(ratePerSecond)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Measurement;
}

function row(label: string, m: Measurement): string {
  return `${label.padEnd(34)} ${String(m.leads).padStart(6)} ${m.seconds.toFixed(1).padStart(8)} ${m.leadsPerSecond.toFixed(2).padStart(9)} ${String(m.modelCalls).padStart(7)} ${m.inputTokensPerLead.toFixed(1).padStart(12)} ${m.p50BatchMs.toFixed(0).padStart(8)} ${m.p95BatchMs.toFixed(0).padStart(8)} ${m.peakRssMiB.toFixed(0).padStart(8)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      leads: { type: 'string', default: '5000' },
      'seed-leads': { type: 'string', default: '40' },
      'latency-ms': { type: 'string', default: '2000' },
      'jitter-ms': { type: 'string', default: '500' },
      rate: { type: 'string', default: '10' },
      'model-bound-leads': { type: 'string', default: '5000' },
      json: { type: 'boolean', default: false },
    },
  });
  const leads = Number(values.leads);
  const seedLeads = Math.min(leads, Number(values['seed-leads']));
  const fake = await startFakeOpenAiServer({
    latency: { fixedMs: Number(values['latency-ms']), jitterMs: Number(values['jitter-ms']) },
    rateLimitPerSecond: Number(values.rate),
    recordRequests: false,
  });
  try {
    const rate = Number(values.rate);
    const normflow = await measureInChild(fake.url, 'normflow', leads, rate);
    const normflowRequests = fake.requestCount;
    const seed = await measureInChild(fake.url, 'seed', seedLeads, rate);
    const beforeModelBound = fake.requestCount;
    const modelBoundRun = await measureInChild(fake.url, 'model-bound', Number(values['model-bound-leads']), rate);
    const modelBound = {
      leads: modelBoundRun.leads,
      seconds: modelBoundRun.seconds,
      leadsPerSecond: modelBoundRun.leadsPerSecond,
      quotaUse: modelBoundRun.leadsPerSecond / (rate * MODEL_BOUND_BATCH),
      modelCalls: modelBoundRun.modelCalls,
      httpRequestsIncludingThrottled: fake.requestCount - beforeModelBound,
    };
    const throughputRatio = normflow.leadsPerSecond / seed.leadsPerSecond;
    const inputTokensRatio = seed.inputTokensPerLead / Math.max(normflow.inputTokensPerLead, Number.EPSILON);
    const settings = {
      leads,
      seedEquivalentMeasuredOn: seedLeads,
      latencyMs: Number(values['latency-ms']),
      jitterMs: Number(values['jitter-ms']),
      rateLimitPerSecond: Number(values.rate),
      normflowHttpRequestsIncludingThrottled: normflowRequests,
    };
    if (values.json) {
      console.log(JSON.stringify({ settings, normflow, seedEquivalent: seed, throughputRatio, inputTokensRatio, modelBound }));
      return;
    }
    console.log(`normflow pipeline benchmark: ${leads} generated leads, fake model ${settings.latencyMs} ± ${settings.jitterMs} ms per call, ${settings.rateLimitPerSecond} requests/s (429 beyond)\n`);
    console.log(`${'configuration'.padEnd(34)} ${'leads'.padStart(6)} ${'seconds'.padStart(8)} ${'leads/s'.padStart(9)} ${'calls'.padStart(7)} ${'in tok/lead'.padStart(12)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'RSS MiB'.padStart(8)}`);
    console.log(row('normflow defaults', normflow));
    console.log(row(`seed-equivalent (on ${seedLeads} leads)`, seed));
    console.log(`\nHTTP requests to the model by normflow, 429s included: ${normflowRequests}`);
    console.log(`throughput: ${throughputRatio.toFixed(1)}× the seed-equivalent (target ≥ 20×)`);
    console.log(`input tokens per lead: ${inputTokensRatio.toFixed(1)}× fewer (target ≥ 10×)`);
    console.log(
      `model-bound (llmMode always, no cache, quota ${rate} requests/s paced): ${modelBound.leadsPerSecond.toFixed(1)} leads/s over ${modelBound.leads} leads = ${(100 * modelBound.quotaUse).toFixed(1)}% of the ${rate * MODEL_BOUND_BATCH} leads/s the quota allows (target ≥ 80%); ${modelBound.httpRequestsIncludingThrottled} HTTP requests for ${modelBound.modelCalls} calls`,
    );
  } finally {
    await fake.close();
  }
}

if (process.argv[2] === 'child') {
  const [, , , baseUrl = '', profile = 'normflow', count = '0', rate = '10'] = process.argv;
  console.log(JSON.stringify(await measureInThisProcess(baseUrl, profile as Profile, Number(count), Number(rate))));
} else {
  await main();
}
