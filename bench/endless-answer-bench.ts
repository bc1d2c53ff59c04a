/**
 * `npm run bench:endless`: peak RSS while every model call gets an answer that never ends.
 * 64 batches (8 in flight, each retried once as the policy says) against the wire-level fake's
 * `endless` fault, through the same engine `normflow normalize` uses, with the default
 * `model.maxResponseBytes`. Before the cap, one such answer grew the process by gigabytes.
 */
import { parseConfig } from '#shared/config/normalization-config.ts';
import { createBatchRunner } from '#shared/engine/batch-runner.ts';
import { ValueCache } from '#shared/engine/value-cache.ts';
import { createOpenAiModelClient } from '#shared/model/providers/openai-model-client.ts';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';

const BATCHES = 64;
const TARGET_MB = 400;

const fake = await startFakeOpenAiServer({ behaviour: 'endless', recordRequests: false });
const config = parseConfig({ maxConcurrency: 8, model: { provider: 'openai', baseUrl: fake.url, modelId: 'endless', requestTimeoutMs: 60_000 } });
const model = createOpenAiModelClient({
  baseUrl: fake.url,
  modelId: 'endless',
  requestTimeoutMs: config.model.requestTimeoutMs,
  maxResponseBytes: config.model.maxResponseBytes,
});
const runner = createBatchRunner({ config, model, cache: new ValueCache(), retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 1 } });

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
const started = performance.now();
const inFlight = new Set<Promise<unknown>>();
for (let batch = 0; batch < BATCHES; batch += 1) {
  const done = runner.normalize([{ id: `B${batch}`, attributes: { nivelEducativo: `Posgrado ${batch}` } }]);
  inFlight.add(done);
  void done.finally(() => inFlight.delete(done));
  if (inFlight.size >= config.maxConcurrency) await Promise.race(inFlight);
}
await Promise.all(inFlight);
const elapsedMs = performance.now() - started;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
await fake.close();

const totals = runner.totals();
const figures = {
  batches: BATCHES,
  httpAttempts: totals.modelCalls,
  invalidResponses: totals.modelFailures['Model.InvalidResponse'] ?? 0,
  outputTokensCounted: totals.outputTokens,
  maxResponseBytes: config.model.maxResponseBytes,
  bytesStreamedByServer: fake.endlessBytesSent,
  elapsedSeconds: Number((elapsedMs / 1000).toFixed(2)),
  peakRssMB: Math.round(peakRss / 1024 / 1024),
  targetMB: TARGET_MB,
};
console.log(JSON.stringify(figures, null, 2));
console.log(`peak RSS ${figures.peakRssMB} MB ${figures.peakRssMB < TARGET_MB ? '<' : '≥'} ${TARGET_MB} MB target: ${figures.peakRssMB < TARGET_MB ? 'met' : 'NOT met'}`);
if (figures.peakRssMB >= TARGET_MB) process.exitCode = 1;
