/**
 * `npm run bench:engine`: prints the engine's figures.
 * 1. rules-only records/s, file to file, on the bundled 1,000-lead sample repeated to 200,000 records
 *    (rules only: no cache in play, so repeating values flatters nothing);
 * 2. peak RSS normalizing 10,000 vs 1,000,000 records (each in its own process), to show it stays flat;
 * 3. model calls and input tokens on the bundled sample as it is (1,000 leads, no repetition),
 *    against the wire-level fake model: from one call per lead with every field (the seed-equivalent's
 *    model usage) to normflow's defaults, one setting changed per row, so each row shows what that
 *    one setting buys.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeFile } from '#cli/normalize-file.ts';
import { parseConfig, type NormalizationConfig, type NormalizationConfigInput } from '#shared/config/normalization-config.ts';
import { createBatchRunner } from '#shared/engine/batch-runner.ts';
import { ValueCache } from '#shared/engine/value-cache.ts';
import { createOpenAiModelClient } from '#shared/model/providers/openai-model-client.ts';
import { leadsSample } from '#shared/samples/leads-sample.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';
import { plausibleAnswer } from '#test/fakes/plausible-answers.ts';
import { childArguments, peakRssMiB, runInChild } from './bench-child.ts';

const THIS_FILE = fileURLToPath(import.meta.url);

/** The sample repeated to `count` records, each with its own id. */
async function writeRepeatedSample(path: string, sample: readonly LeadItem[], count: number): Promise<void> {
  const out = createWriteStream(path);
  for (let index = 0; index < count; index += 1) {
    const record = sample[index % sample.length];
    if (!out.write(`${JSON.stringify({ ...record, leadId: `B-${index}` })}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Child mode: normalize one file rules-only and print records, seconds and peak RSS as JSON. */
async function runChild(input: string, output: string): Promise<void> {
  const config = parseConfig({ batchSize: 10 });
  const runner = createBatchRunner({ config, model: undefined, cache: new ValueCache() });
  const started = performance.now();
  const result = await normalizeFile({ input, output, config, runner });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ records: result.records, seconds, peakRssMiB: peakRssMiB() }));
}

/** The JS heap of the measured runs is capped: were memory to follow the record count, the 1M run would fail. */
const HEAP_CAP_MIB = 64;

const measureInChild = (input: string, output: string) =>
  runInChild<{ records: number; seconds: number; peakRssMiB: number }>(THIS_FILE, [input, output], { heapCapMiB: HEAP_CAP_MIB });

/** One call per lead, every field the rules can read, no cache: what the seed-equivalent sends the model. */
const ONE_CALL_PER_LEAD: NormalizationConfigInput = { batchSize: 1, llmMode: 'always', cacheEnabled: false };

/** From one call per lead to normflow's defaults, one setting at a time: each step changes one key of the row above. */
const STEPS: ReadonlyArray<{ label: string; change: NormalizationConfigInput }> = [
  { label: '+ 10 leads per call', change: { batchSize: 10 } },
  { label: '+ only values the rules leave undecided', change: { llmMode: 'fallback' } },
  { label: '+ value cache', change: { cacheEnabled: true } },
];

interface ModelUsage {
  modelCalls: number;
  inputTokens: number;
  inputTokensPerLead: number;
  cacheHits: number;
}

/**
 * The sample, batch after batch, through the engine against a fake model that answers at once, and
 * plausibly: only accepted answers are cached, so an echo (never accepted for a value the rules
 * could not read) would leave the value cache nothing to hit.
 */
async function modelUsage(sample: readonly LeadItem[], config: NormalizationConfig): Promise<ModelUsage> {
  const fake = await startFakeOpenAiServer({ recordRequests: false, answer: plausibleAnswer(config.fields) });
  try {
    const model = createOpenAiModelClient({ baseUrl: fake.url, modelId: 'bench-model', requestTimeoutMs: 10_000 });
    const runner = createBatchRunner({ config, model, cache: new ValueCache() });
    const records = sample.map((attributes, index) => ({ id: String(attributes.leadId ?? index), attributes }));
    for (let start = 0; start < records.length; start += config.batchSize) {
      await runner.normalize(records.slice(start, start + config.batchSize));
    }
    const totals = runner.totals();
    return { modelCalls: totals.modelCalls, inputTokens: totals.inputTokens, inputTokensPerLead: totals.inputTokens / records.length, cacheHits: totals.cacheHits };
  } finally {
    await fake.close();
  }
}

/** Whether the keys the steps change have their default values: the last row must be normflow's defaults. */
function isDefaults(config: NormalizationConfig): boolean {
  const defaults = parseConfig({});
  return (['batchSize', 'llmMode', 'cacheEnabled'] as const).every((key) => config[key] === defaults[key]);
}

async function printModelUsageLadder(sample: readonly LeadItem[]): Promise<void> {
  let input: NormalizationConfigInput = ONE_CALL_PER_LEAD;
  const baseline = await modelUsage(sample, parseConfig(input));
  const rows: Array<{ label: string; usage: ModelUsage }> = [{ label: 'one call per lead, every field, no cache', usage: baseline }];
  for (const step of STEPS) {
    input = { ...input, ...step.change };
    rows.push({ label: step.label, usage: await modelUsage(sample, parseConfig(input)) });
  }
  const final = parseConfig(input);
  if (!isDefaults(final)) throw new Error("the steps of the model-usage ladder no longer end at normflow's defaults: update STEPS");
  const last = rows.at(-1)?.usage ?? baseline;
  console.log(`\nmodel usage on the bundled sample as it is (${sample.length} leads; wire-level fake OpenAI-compatible model, tokens = characters / 4):`);
  console.log(`  ${'configuration'.padEnd(42)} ${'calls'.padStart(6)} ${'in tokens'.padStart(10)} ${'tok/lead'.padStart(9)} ${'cache hits'.padStart(10)} ${'vs row above'.padStart(13)}`);
  rows.forEach(({ label, usage }, index) => {
    const above = rows[index - 1]?.usage;
    const fewer = above ? `${(above.inputTokensPerLead / usage.inputTokensPerLead).toFixed(1)}× fewer` : '';
    console.log(`  ${label.padEnd(42)} ${String(usage.modelCalls).padStart(6)} ${String(usage.inputTokens).padStart(10)} ${usage.inputTokensPerLead.toFixed(1).padStart(9)} ${String(usage.cacheHits).padStart(10)} ${fewer.padStart(13)}`);
  });
  console.log(`  (the last row is normflow's defaults: batch ${final.batchSize}, llmMode ${final.llmMode}, value cache ${final.cacheEnabled ? 'on' : 'off'})`);
  console.log(
    `  normflow defaults vs one call per lead: ${(baseline.inputTokensPerLead / last.inputTokensPerLead).toFixed(1)}× fewer input tokens per lead (target ≥ 10×), ${(baseline.modelCalls / last.modelCalls).toFixed(1)}× fewer calls`,
  );
}

async function main(): Promise<void> {
  const sample = leadsSample();
  const dir = await mkdtemp(join(tmpdir(), 'normflow-bench-'));
  try {
    console.log('normflow engine benchmark (rules provider unless said)\n');

    const throughputFile = join(dir, 'leads-200k.jsonl');
    await writeRepeatedSample(throughputFile, sample, 200_000);
    const throughput = await measureInChild(throughputFile, join(dir, 'out-200k.jsonl'));
    console.log(
      `throughput: ${throughput.records} records in ${throughput.seconds.toFixed(2)} s = ${Math.round(throughput.records / throughput.seconds)} records/s (file to file, target ≥ 20,000)`,
    );

    const rss: Array<[number, { peakRssMiB: number; seconds: number }]> = [];
    for (const count of [10_000, 1_000_000]) {
      const file = join(dir, `leads-${count}.jsonl`);
      await writeRepeatedSample(file, sample, count);
      const measured = await measureInChild(file, join(dir, `out-${count}.jsonl`));
      rss.push([count, measured]);
      console.log(
        `peak RSS at ${count.toLocaleString('en')} records: ${measured.peakRssMiB.toFixed(0)} MiB (${Math.round(count / measured.seconds)} records/s)`,
      );
      await rm(file);
      await rm(join(dir, `out-${count}.jsonl`));
    }
    const [small, large] = [rss[0]?.[1].peakRssMiB ?? 0, rss[1]?.[1].peakRssMiB ?? 0];
    console.log(`RSS growth 10k → 1M records: ${(large / small).toFixed(2)}× (flat means ≈ 1×; each run's JS heap capped at ${HEAP_CAP_MIB} MiB)`);

    await printModelUsageLadder(sample);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const child = childArguments();
if (child) {
  await runChild(child[0] ?? '', child[1] ?? '');
} else {
  await main();
}
