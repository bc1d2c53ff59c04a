import type { Command } from 'commander';
import { createBatchRunner } from '#shared/engine/batch-runner.ts';
import { ValueCache } from '#shared/engine/value-cache.ts';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { evaluateDataset, labeledItemSchema, type EvaluationReport, type LabeledItem, type Rate } from '#shared/eval/evaluate-dataset.ts';
import { ConfiguredFields } from '#shared/config/configured-fields.ts';
import { matchFieldNames } from '#shared/config/field-names.ts';
import { cityDerivedFields, cityFieldOf, type NormalizationConfig } from '#shared/config/normalization-config.ts';
import { readRecords } from '#shared/io/record-reader.ts';
import type { TextEncodingName } from '#shared/io/text-decoding.ts';
import { cliModelClient, loadCliConfig, withModelOptions, type ModelOptions } from './cli-config.ts';
import { checkInputFile } from './file-arguments.ts';
import { readOptionsOf, type ReadFlags } from './read-options.ts';

export const BUNDLED_LABELED_SET = 'data/eval/leads.labeled.jsonl';

interface EvalOptions extends ModelOptions, Pick<ReadFlags, 'encoding'> {
  dataset: string;
  json?: boolean;
  showErrors?: boolean;
}

/**
 * A labeled item with its input, expected values and expected flags under the configured names
 * (a set labeled with `Ciudad de residencia` scores a config that says `ciudadDeResidencia`).
 */
function underConfiguredNames(config: NormalizationConfig): (item: LabeledItem) => LabeledItem {
  const fields = new ConfiguredFields(config);
  const city = cityFieldOf(config);
  const wanted = [...Object.keys(config.fields), ...(city ? Object.values(cityDerivedFields(city)) : [])];
  const rename = <Value>(values: Record<string, Value>): Record<string, Value> => {
    const matched = new Map([...matchFieldNames(wanted, Object.keys(values))].map(([configured, own]) => [own, configured]));
    return Object.fromEntries(Object.entries(values).map(([key, value]) => [matched.get(key) ?? key, value]));
  };
  return (item) => ({
    ...item,
    input: { ...fields.toConfigured(item.input).attributes },
    expected: rename(item.expected),
    ...(item.expectedFlags ? { expectedFlags: rename(item.expectedFlags) } : {}),
  });
}

export async function readLabeledSet(path: string, config: NormalizationConfig, encoding?: TextEncodingName): Promise<LabeledItem[]> {
  const items: LabeledItem[] = [];
  const problems: string[] = [];
  const configured = underConfiguredNames(config);
  // Items are nested (input, expected): JSON lines, or one JSON array in a `.json` file.
  const format = /\.json$/i.test(path) ? {} : { format: 'jsonl' as const };
  for await (const item of readRecords(path, { ...format, idFields: ['id'], ...(encoding ? { encoding } : {}), onNotice: (notice) => console.error(`normflow: note: ${notice}`) })) {
    if (item.kind === 'rejected') {
      problems.push(`line ${item.line}: ${item.reason}`);
      continue;
    }
    const parsed = labeledItemSchema.safeParse(item.record);
    if (parsed.success) items.push(configured(parsed.data));
    else problems.push(`line ${item.line}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).join('; ');
    throw new UsageError(`labeled set ${path} has ${problems.length} bad line(s): ${shown}${problems.length > 3 ? '; …' : ''}`);
  }
  return items;
}

const formatRate = (rate: Rate) =>
  `${(100 * rate.rate).toFixed(1).padStart(5)}%  [${(100 * rate.low).toFixed(1)}–${(100 * rate.high).toFixed(1)}]  (${rate.hits}/${rate.total})`;

export function formatEvaluation(report: EvaluationReport, showErrors: boolean): string {
  const lines = [
    `records: ${report.records}`,
    `accuracy (exact match, 95% Wilson): ${formatRate(report.accuracy)}`,
    ...Object.entries(report.fieldAccuracy).map(([field, rate]) => `  ${field.padEnd(22)} ${formatRate(rate)}`),
    `expected flags raised: ${formatRate(report.flagRecall)}`,
    `coverage (decided without a doubt flag): ${formatRate(report.coverage)}`,
    `improvement (values needing a change, now right): ${formatRate(report.improvement)}`,
    `idempotence (output normalized again unchanged): ${formatRate(report.idempotence)}`,
    'change-rate anomaly levels:',
    ...report.anomalies.map(
      (anomaly) =>
        `  ${anomaly.field.padEnd(22)} ${(100 * anomaly.changeRate).toFixed(1).padStart(5)}% of ${anomaly.total}  expected ${100 * anomaly.expected.min}–${100 * anomaly.expected.max}%  ${anomaly.level}`,
    ),
    `model calls: ${report.usage.modelCalls}  tokens in/out: ${report.usage.inputTokens}/${report.usage.outputTokens}  cost: $${report.usage.costUSD.toFixed(4)}  cache hits: ${report.usage.cacheHits}`,
  ];
  if (showErrors) {
    lines.push(`errors (${report.errors.length}):`);
    for (const error of report.errors) {
      lines.push(`  ${error.id} ${error.field}: ${JSON.stringify(error.input)} → ${JSON.stringify(error.actual)} (expected ${JSON.stringify(error.expected)})`);
    }
  }
  return lines.join('\n');
}

export function registerEvalCommand(program: Command): void {
  withModelOptions(
    program
      .command('eval')
      .description('score normalization against a labeled set: accuracy with 95% intervals, coverage, idempotence, anomaly levels')
      .option('--dataset <file>', 'JSON lines (or one JSON array in a .json file) of {id, input, expected, expectedFlags?}', BUNDLED_LABELED_SET),
  )
    .option('--config <file>', 'JSON config merged over the defaults (its fields are matched to the labeled names as to CSV headers)')
    .option('--encoding <name>', 'text encoding of the labeled set: utf-8, utf-16le, utf-16be, windows-1252, macintosh (default: detected)')
    .option('--json', 'print the report as JSON')
    .option('--show-errors', 'list every mismatch (shows the labeled values)')
    .action(async (options: EvalOptions) => {
      const { encoding } = readOptionsOf(options);
      await checkInputFile(options.dataset, '--dataset');
      const config = await loadCliConfig(options);
      const { client } = cliModelClient(config);
      const items = await readLabeledSet(options.dataset, config, encoding);
      const runner = createBatchRunner({ config, model: client, cache: new ValueCache() });
      const report = await evaluateDataset(items, runner, config);
      if (options.json) {
        const { errors, ...figures } = report;
        console.log(JSON.stringify(options.showErrors ? report : { ...figures, errorCount: errors.length }, null, 2));
      } else {
        console.log(formatEvaluation(report, options.showErrors ?? false));
      }
    });
}
