import type { RunTotals } from '#shared/engine/batch-runner.ts';
import type { RunTally } from '#shared/eval/run-tally.ts';

const percent = (part: number, whole: number) => (whole === 0 ? '   -  ' : `${((100 * part) / whole).toFixed(1).padStart(5)}%`);

/** Human summary of a run: counts, change rate and anomaly level per field, model usage. Ids and field names only. */
export function formatRunSummary(options: {
  tally: RunTally;
  totals: RunTotals;
  durationMs: number;
  provider: string;
  modelId: string | undefined;
  extraLines?: string[];
}): string {
  const { tally, totals, durationMs, provider, modelId } = options;
  const anomalies = new Map(tally.anomalies().map((anomaly) => [anomaly.field, anomaly]));
  // Header text from a spreadsheet can be long (`Ciudad de residencia`): the column is as wide as the longest.
  const width = Math.max(18, ...Object.keys(tally.fields).map((field) => field.length));
  const lines = [
    `records: ${tally.records}   fields changed: ${tally.fieldsChanged()}   duration: ${(durationMs / 1000).toFixed(2)} s` +
      (durationMs > 0 ? `   (${Math.round((tally.records * 1000) / durationMs)} records/s)` : ''),
    ...(options.extraLines ?? []),
    '',
    `${'field'.padEnd(width)} ${'values'.padStart(7)} ${'changed'.padStart(8)}  ${'level'.padEnd(8)} ${'rules/cache/llm'.padEnd(17)} flags`,
  ];
  for (const [field, fieldTally] of Object.entries(tally.fields)) {
    const anomaly = anomalies.get(field);
    const sources = `${fieldTally.bySource.rules}/${fieldTally.bySource.cache}/${fieldTally.bySource.llm}`;
    const flags = Object.entries(fieldTally.flags)
      .map(([flag, count]) => `${flag}=${count}`)
      .join(' ');
    lines.push(
      `${field.padEnd(width)} ${String(fieldTally.total).padStart(7)} ${percent(fieldTally.changed, fieldTally.total).padStart(8)}  ${(anomaly?.level ?? '').padEnd(8)} ${sources.padEnd(17)} ${flags}`,
    );
  }
  const failures = Object.entries(totals.modelFailures)
    .map(([name, count]) => `${name}=${count}`)
    .join(' ');
  lines.push(
    '',
    `model: ${provider}${modelId ? ` (${modelId})` : ''}   calls: ${totals.modelCalls}   tokens in/out: ${totals.inputTokens}/${totals.outputTokens}   cost: $${totals.costUSD.toFixed(4)}   cache hits: ${totals.cacheHits}` +
      (failures ? `   failed batches: ${failures}` : ''),
    ...modelFailureLines(totals.modelFailureCauses),
  );
  return lines.join('\n');
}

/** Each distinct model failure cause once, with how many batches it hit (the records kept the rules' values). */
export function modelFailureLines(causes: Readonly<Record<string, number>>): string[] {
  return Object.entries(causes).map(
    ([cause, batches]) => `  model failure (${batches} batch${batches === 1 ? '' : 'es'}, rules' values kept, flagged llm-unavailable): ${cause}`,
  );
}
