import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { createBatchRunner } from '#shared/engine/batch-runner.ts';
import { ValueCache } from '#shared/engine/value-cache.ts';
import { cliModelClient, loadCliConfig, type ModelOptions } from './cli-config.ts';
import { normalizeFile } from './normalize-file.ts';
import { formatRunSummary } from './run-summary.ts';

export const BUNDLED_SAMPLE = 'data/samples/leads.sample.jsonl';

interface NormalizeOptions extends ModelOptions {
  input: string;
  output: string;
}

export function registerNormalizeCommand(program: Command): void {
  program
    .command('normalize')
    .description('normalize a JSONL or CSV file of records into another file (originals untouched)')
    .option('--input <file>', 'records to normalize (.jsonl or .csv)', BUNDLED_SAMPLE)
    .option('--output <file>', 'where to write them (.jsonl or .csv)', '.normflow/normalized.jsonl')
    .option('--provider <name>', 'rules (offline, default) | bedrock | openai')
    .option('--model <id>', 'model id (Bedrock model id, or the OpenAI-compatible model name)')
    .option('--base-url <url>', 'OpenAI-compatible endpoint, e.g. http://localhost:11434 for Ollama')
    .option('--allow-insecure-http', 'send the API key over plain http to a host that is not this machine')
    .option('--config <file>', 'JSON config merged over the defaults')
    .action(async (options: NormalizeOptions) => {
      const config = await loadCliConfig(options);
      const { provider, client } = cliModelClient(config);
      await mkdir(dirname(options.output), { recursive: true });
      const runner = createBatchRunner({ config, model: client, cache: new ValueCache() });
      const started = performance.now();
      const result = await normalizeFile({ input: options.input, output: options.output, config, runner });
      const durationMs = performance.now() - started;
      console.log(
        formatRunSummary({
          tally: result.tally,
          totals: runner.totals(),
          durationMs,
          provider,
          modelId: client?.modelId,
          extraLines: [`output: ${options.output}`],
        }),
      );
      if (result.rejected > 0) {
        console.error(
          `${result.rejected} line(s) rejected (see ${result.rejectedPath} for line numbers and reasons); every good record was written.`,
        );
        process.exitCode = 1;
      }
    });
}
