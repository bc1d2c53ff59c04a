/**
 * `npm run bench:engine`: prints the engine's figures.
 * 1. rules-only records/s, file to file, on the bundled 1,000-lead sample repeated to 200,000 records;
 * 2. peak RSS normalizing 10,000 vs 1,000,000 records (each in its own process), to show it stays flat;
 * 3. `fallback` vs `always` at batch 10 against the wire-level fake model: calls and input tokens per 1,000 leads.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { normalizeFile } from '#cli/normalize-file.ts';
import { parseConfig, type NormalizationConfigInput } from '#shared/config/normalization-config.ts';
import { createBatchRunner } from '#shared/engine/batch-runner.ts';
import { ValueCache } from '#shared/engine/value-cache.ts';
import { createOpenAiModelClient } from '#shared/model/providers/openai-model-client.ts';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';

const SAMPLE = fileURLToPath(new URL('../data/samples/leads.sample.jsonl', import.meta.url));
const THIS_FILE = fileURLToPath(import.meta.url);

async function readSample(): Promise<Array<Record<string, unknown>>> {
  const records: Array<Record<string, unknown>> = [];
  for await (const line of createInterface({ input: createReadStream(SAMPLE) })) {
    if (line.trim()) records.push(JSON.parse(line) as Record<string, unknown>);
  }
  return records;
}

/** The sample repeated to `count` records, each with its own id. */
async function writeRepeatedSample(path: string, sample: Array<Record<string, unknown>>, count: number): Promise<void> {
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
  process.stdout.write(
    JSON.stringify({ records: result.records, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 }),
  );
}

/** The JS heap of the measured runs is capped: were memory to follow the record count, the 1M run would fail. */
const HEAP_CAP_MIB = 64;

function measureInChild(input: string, output: string): { records: number; seconds: number; peakRssMiB: number } {
  const stdout = execFileSync(process.execPath, [`--max-old-space-size=${HEAP_CAP_MIB}`, '--import', 'tsx', THIS_FILE, 'child', input, output], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout) as { records: number; seconds: number; peakRssMiB: number };
}

async function modelUsagePer1000(sample: Array<Record<string, unknown>>, configInput: NormalizationConfigInput, useCache: boolean) {
  const fake = await startFakeOpenAiServer({ recordRequests: false });
  try {
    const config = parseConfig({ batchSize: 10, ...configInput });
    const model = createOpenAiModelClient({ baseUrl: fake.url, modelId: 'bench-model', requestTimeoutMs: 10_000 });
    const cache = new ValueCache({ maxEntries: useCache ? 50_000 : 0 });
    const runner = createBatchRunner({ config, model, cache });
    const records = sample.map((attributes, index) => ({ id: String(attributes.leadId ?? index), attributes }));
    for (let start = 0; start < records.length; start += config.batchSize) {
      await runner.normalize(records.slice(start, start + config.batchSize));
    }
    const totals = runner.totals();
    const per1000 = 1000 / records.length;
    return {
      modelCalls: totals.modelCalls * per1000,
      inputTokens: totals.inputTokens * per1000,
      inputTokensPerLead: totals.inputTokens / records.length,
      cacheHits: totals.cacheHits,
    };
  } finally {
    await fake.close();
  }
}

async function main(): Promise<void> {
  const sample = await readSample();
  const dir = await mkdtemp(join(tmpdir(), 'normflow-bench-'));
  try {
    console.log('normflow engine benchmark (rules provider unless said)\n');

    const throughputFile = join(dir, 'leads-200k.jsonl');
    await writeRepeatedSample(throughputFile, sample, 200_000);
    const throughput = measureInChild(throughputFile, join(dir, 'out-200k.jsonl'));
    console.log(
      `throughput: ${throughput.records} records in ${throughput.seconds.toFixed(2)} s = ${Math.round(throughput.records / throughput.seconds)} records/s (file to file, target ≥ 20,000)`,
    );

    const rss: Array<[number, { peakRssMiB: number; seconds: number }]> = [];
    for (const count of [10_000, 1_000_000]) {
      const file = join(dir, `leads-${count}.jsonl`);
      await writeRepeatedSample(file, sample, count);
      const measured = measureInChild(file, join(dir, `out-${count}.jsonl`));
      rss.push([count, measured]);
      console.log(
        `peak RSS at ${count.toLocaleString('en')} records: ${measured.peakRssMiB.toFixed(0)} MiB (${Math.round(count / measured.seconds)} records/s)`,
      );
      await rm(file);
      await rm(join(dir, `out-${count}.jsonl`));
    }
    const [small, large] = [rss[0]?.[1].peakRssMiB ?? 0, rss[1]?.[1].peakRssMiB ?? 0];
    console.log(`RSS growth 10k → 1M records: ${(large / small).toFixed(2)}× (flat means ≈ 1×; each run's JS heap capped at ${HEAP_CAP_MIB} MiB)`);

    const fallback = await modelUsagePer1000(sample, { llmMode: 'fallback' }, true);
    const always = await modelUsagePer1000(sample, { llmMode: 'always' }, false);
    console.log('\nmodel usage per 1,000 leads at batch 10 (wire-level fake OpenAI-compatible model):');
    console.log(`  fallback + cache (normflow default): ${fallback.modelCalls.toFixed(0)} calls, ${fallback.inputTokens.toFixed(0)} input tokens (${fallback.inputTokensPerLead.toFixed(1)}/lead, ${fallback.cacheHits} cache hits)`);
    console.log(`  always, no cache (original system):  ${always.modelCalls.toFixed(0)} calls, ${always.inputTokens.toFixed(0)} input tokens (${always.inputTokensPerLead.toFixed(1)}/lead)`);
    console.log(`  input tokens per lead: ${(always.inputTokensPerLead / fallback.inputTokensPerLead).toFixed(1)}× fewer in fallback (target ≥ 10×)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') {
  await runChild(process.argv[3] ?? '', process.argv[4] ?? '');
} else {
  await main();
}
