import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { createBatchRunner } from '#shared/engine/batch-runner.ts';
import { ValueCache } from '#shared/engine/value-cache.ts';
import { STDIO } from '#shared/io/text-source.ts';
import { cliModelClient, loadCliConfig, withModelOptions, type ModelOptions } from './cli-config.ts';
import { checkInputFile, checkOutputsAreNotInput } from './file-arguments.ts';
import { addReadOptions, readOptionsOf, type ReadFlags } from './read-options.ts';
import { normalizeFile, rejectedPathOf } from './normalize-file.ts';
import { formatRunSummary } from './run-summary.ts';

export const BUNDLED_SAMPLE = 'data/samples/leads.sample.jsonl';

interface NormalizeOptions extends ModelOptions, ReadFlags {
  input: string;
  output: string;
  rejected?: string;
  neutralizeFormulas: boolean;
  quiet?: boolean;
}

export function registerNormalizeCommand(program: Command): void {
  const command = program
    .command('normalize')
    .description('normalize a CSV, JSON lines or JSON array file of records into another file (originals untouched)')
    .option('--input <file>', 'records to normalize (.csv, .jsonl or .json; - for standard input)', BUNDLED_SAMPLE)
    .option('--output <file>', 'where to write them (.jsonl, .json or .csv; - for standard output)', '.normflow/normalized.jsonl')
    .option('--rejected <file>', 'where the lines that are not records go (default: <output>.rejected.jsonl)');
  withModelOptions(
    addReadOptions(command)
      .option('--no-neutralize-formulas', 'write CSV cells starting with = + - @ as they are (by default they get a leading \', so a spreadsheet shows them instead of running them)')
      .option('--quiet', 'print no summary'),
  )
    .option('--config <file>', 'JSON config merged over the defaults')
    .action(async (options: NormalizeOptions) => {
      const read = readOptionsOf(options);
      const rejectedPath = options.rejected ?? rejectedPathOf(options.output);
      await checkInputFile(options.input);
      await checkOutputsAreNotInput(options.input, [
        { flag: '--output', path: options.output },
        { flag: '--rejected', path: rejectedPath },
      ]);
      const config = await loadCliConfig(options);
      const { provider, client } = cliModelClient(config);
      if (options.output !== STDIO) await mkdir(dirname(options.output), { recursive: true });
      const runner = createBatchRunner({ config, model: client, cache: new ValueCache() });
      const started = performance.now();
      const result = await normalizeFile({
        input: options.input,
        output: options.output,
        rejectedPath,
        config,
        runner,
        ...read,
        neutralizeFormulas: options.neutralizeFormulas,
        onNotice: (notice) => console.error(`normflow: note: ${notice}`),
      });
      const durationMs = performance.now() - started;
      // With the records on standard output, the summary goes to standard error.
      const say = options.output === STDIO ? console.error : console.log;
      if (!options.quiet) {
        say(
          formatRunSummary({
            tally: result.tally,
            totals: runner.totals(),
            durationMs,
            provider,
            modelId: client?.modelId,
            extraLines: [`output: ${options.output === STDIO ? 'standard output' : options.output}`],
          }),
        );
      }
      if (result.rejected > 0) {
        console.error(
          `normflow: ${result.rejected} line(s) rejected (see ${result.rejectedPath} for line numbers and reasons); every good record was written.`,
        );
        process.exitCode = 1;
      }
    });
}
