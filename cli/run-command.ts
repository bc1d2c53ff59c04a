import type { Command } from 'commander';
import { mergeConfigLayers } from '#shared/config/normalization-config.ts';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import type { RunSummary } from '#shared/pipeline/report-run.ts';
import { readJsonConfigFile, modelFlagsLayer, withModelOptions, type ModelOptions } from './cli-config.ts';
import { exitCodeOfErrorName } from './cli-errors.ts';
import { checkDataDir } from './data-dir.ts';
import { DEFAULT_DATA_DIR, runStateMachineLocally, startLocalEnvironment } from '#infra/local/local-runtime.ts';
import { reportRejectedLines, seedLeads } from './seed-command.ts';
import { runOnAws } from './run-on-aws.ts';
import { modelFailureLines } from './run-summary.ts';

interface RunOptions extends ModelOptions {
  forceAll?: boolean;
  maxLeads?: string;
  dryRun?: boolean;
  dataDir: string;
  seedIfEmpty?: string;
  verbose?: boolean;
  aws?: boolean;
  stateMachineArn?: string;
}

/** The execution input the flags ask for: exactly what StartExecution would get on AWS. */
export function executionInput(options: RunOptions): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if (options.forceAll) input.forceAll = true;
  if (options.dryRun) input.dryRun = true;
  if (options.maxLeads !== undefined) {
    const maxLeads = Number(options.maxLeads);
    if (!Number.isInteger(maxLeads) || maxLeads < 1) throw new UsageError(`--max-leads must be a whole number ≥ 1 (got "${options.maxLeads}")`);
    input.maxLeads = maxLeads;
  }
  return input;
}

const percent = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);

export const NO_CONFIGURED_FIELD_HINT =
  'none of the configured fields was found on these leads: if they were seeded with `seed --config F`, run with the same `--config F` (or store it: `normflow config set --file F`)';

export function formatPipelineSummary(summary: RunSummary): string {
  const { counts, model } = summary;
  const lines = [
    `run ${summary.runId}: ${summary.status}${summary.dryRun ? ' (dry run: nothing written)' : ''}${summary.forceAll ? ' (forceAll)' : ''}`,
    ...(summary.reason ? [summary.reason] : []),
    `leads: selected ${counts.selected}, normalized ${counts.normalized}, unchanged ${counts.unchanged}, skipped ${counts.skipped} (edited ${counts.skippedEdited}, deleted ${counts.skippedDeleted}, missing ${counts.skippedMissing}${counts.skippedRefused ? `, refused ${counts.skippedRefused}` : ''}), failed ${counts.failed} in ${counts.failedBatches} batch(es)`,
  ];
  if (summary.cap?.reached) {
    // A scheduled run takes maxLeadsPerRun (50 by default): whoever runs it by hand should know the rest waits.
    lines.push(`the run stopped at its cap of ${summary.cap.leads} leads (--max-leads, else the config's maxLeadsPerRun): more may be due — run again, or raise --max-leads`);
  }
  if (counts.splitBatches > 0 || counts.poisoned > 0 || counts.passedOverPoisoned > 0) {
    lines.push(`poison leads: ${counts.splitBatches} batch(es) retried lead by lead, ${counts.poisoned} lead(s) poisoned this run, ${counts.passedOverPoisoned} poisoned lead(s) passed over`);
  }
  const anomalies = new Map(summary.anomalies.map((anomaly) => [anomaly.field, anomaly.level]));
  const fieldNames = Object.keys(summary.fields);
  const valuesSeen = Object.values(summary.fields).some((tally) => tally.total > 0);
  if (!valuesSeen && counts.selected > counts.skipped + counts.failed) {
    // Leads were read but none holds a configured field: most often seeded with `seed --config F` and run without it.
    lines.push('', NO_CONFIGURED_FIELD_HINT);
  } else if (fieldNames.length > 0) {
    // Header text from a spreadsheet can be long (`Ciudad de residencia`): the column is as wide as the longest.
    const width = Math.max(18, ...fieldNames.map((field) => field.length));
    lines.push('', `${'field'.padEnd(width)} ${'values'.padStart(7)} ${'changed'.padStart(8)}  level`);
    for (const [field, tally] of Object.entries(summary.fields)) {
      lines.push(`${field.padEnd(width)} ${String(tally.total).padStart(7)} ${percent(tally.changed, tally.total).padStart(8)}  ${anomalies.get(field) ?? ''}`);
    }
  }
  const flags = Object.entries(summary.flags).map(([flag, count]) => `${flag}=${count}`).join(' ');
  if (flags) lines.push(`flags: ${flags}`);
  const failures = Object.entries(model.failedBatches).map(([name, count]) => `${name}=${count}`).join(' ');
  lines.push(
    '',
    `model: ${model.provider}${model.modelId && model.provider !== 'rules' ? ` (${model.modelId})` : ''}   calls: ${model.calls}   tokens in/out: ${model.inputTokens}/${model.outputTokens}   cost: $${model.estimatedCostUSD.toFixed(4)}   cache hits: ${summary.cacheHits}${failures ? `   model failures: ${failures}` : ''}`,
    ...modelFailureLines(model.failureCauses ?? {}),
    `duration: ${(summary.durationMs / 1000).toFixed(2)} s`,
  );
  return lines.join('\n');
}

/**
 * A run that left leads failed (a whole batch, or alone after its batch was split) or segments
 * unfinished succeeded as an execution, but not every due lead was normalized: exit 1.
 */
export function failWhenLeadsFailed(summary: Partial<RunSummary> | null): void {
  const failed = summary?.counts?.failed ?? 0;
  const unfinished = summary?.segments?.unfinished ?? 0;
  if (failed === 0 && unfinished === 0) return;
  const problems = [
    ...(failed > 0 ? [`${failed} lead(s) failed (${summary?.counts?.failedBatches ?? 0} whole batch(es), ${summary?.counts?.splitBatches ?? 0} batch(es) retried lead by lead)`] : []),
    ...(unfinished > 0 ? [`${unfinished} segment(s) left unfinished`] : []),
  ];
  console.error(`normflow: ${problems.join('; ')}: not normalized, they stay due for the next run`);
  process.exitCode = 1;
}

async function runLocally(options: RunOptions): Promise<void> {
  const input = executionInput(options);
  const fileLayer = options.config ? await readJsonConfigFile(options.config) : undefined;
  // Flags over `--config`, both over the config table item (LoadConfig merges them last).
  const override = mergeConfigLayers(fileLayer, modelFlagsLayer(options));

  if (!options.seedIfEmpty) await checkDataDir(options.dataDir);
  const local = await startLocalEnvironment({ dataDir: options.dataDir });
  try {
    delete process.env.NORMFLOW_CONFIG_OVERRIDE;
    Object.assign(process.env, local.env, {
      ...(Object.keys(override).length > 0 ? { NORMFLOW_CONFIG_OVERRIDE: JSON.stringify(override) } : {}),
      POWERTOOLS_LOG_LEVEL: options.verbose ? 'INFO' : 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    if (options.seedIfEmpty) {
      const { leads } = await import('./local-stores.ts').then((module) => module.localStores(local));
      if ((await leads.count()) === 0) {
        const seeded = await seedLeads(local, options.seedIfEmpty);
        console.log(`seeded ${seeded.counts.inserted} leads from ${options.seedIfEmpty} into the empty local table`);
        if (seeded.counts.rejected > 0) {
          reportRejectedLines(seeded);
          console.error(`${seeded.counts.rejected} line(s) rejected; the run goes on with the others.`);
        }
      }
    }
    let batchesDone = 0;
    let batchesTotal = 0;
    const showProgress = process.stderr.isTTY;
    const result = await runStateMachineLocally('normalize-leads', {
      input,
      onEvent: (event) => {
        if (event.type === 'StateEntered' && event.state.name === 'NormalizeBatches') {
          batchesTotal += ((event.state.input as { page?: { batchCount?: number } }).page?.batchCount ?? 0);
        }
        if ((event.type === 'MapIterationSucceeded' || event.type === 'MapIterationFailed') && event.parentState.name === 'NormalizeBatches') {
          batchesDone += 1;
          if (showProgress) process.stderr.write(`\rbatches ${batchesDone}/${batchesTotal}`);
        }
      },
    });
    if (showProgress && batchesDone > 0) process.stderr.write('\n');
    if (result.status === 'FAILED') {
      console.error(`normflow: execution failed: ${result.error?.name}: ${result.error?.message}`);
      process.exitCode = exitCodeOfErrorName(result.error?.name);
      return;
    }
    const output = result.output as Partial<RunSummary> & { status?: string; reason?: string };
    console.log('counts' in output ? formatPipelineSummary(output as RunSummary) : `${output.status}: ${output.reason}`);
    failWhenLeadsFailed(output);
  } finally {
    await local.close();
  }
}

export function registerRunCommand(program: Command): void {
  withModelOptions(
    program
      .command('run')
      .description('run the normalize-leads state machine locally (embedded store, same ASL and handlers as AWS), or on AWS with --aws')
      .option('--force-all', 're-normalize every lead, however recently normalized')
      .option('--max-leads <n>', 'normalize at most n leads this run')
      .option('--dry-run', 'write nothing; report what would change'),
  )
    .option('--config <file>', 'JSON config merged over the config table item')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .option('--seed-if-empty <file>', 'seed the local leads table from this file first if it is empty')
    .option('--verbose', 'show the Lambdas\' structured logs (ids and counts only)')
    .option('--aws', 'start the deployed state machine instead (StartExecution) and follow it')
    .option('--state-machine-arn <arn>', 'with --aws: the state machine to start')
    .action(async (options: RunOptions) => {
      if (options.aws) {
        if (!options.stateMachineArn) throw new UsageError('--aws needs --state-machine-arn ARN');
        const local = (['provider', 'model', 'baseUrl', 'config', 'allowInsecureHttp'] as const).filter((key) => options[key] !== undefined);
        if (local.length > 0) {
          throw new UsageError(
            `--aws runs the deployed state machine with the deployment's model and the config table item; ${local.map((key) => `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`).join(', ')} cannot apply (see normflow config set --aws)`,
          );
        }
        const result = await runOnAws(options.stateMachineArn, executionInput(options));
        if (result.status !== 'SUCCEEDED') process.exitCode = exitCodeOfErrorName(result.error);
        else failWhenLeadsFailed(result.output as Partial<RunSummary> | null);
        return;
      }
      await runLocally(options);
    });
}
