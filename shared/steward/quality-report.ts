import {
  analyticsChartsScript,
  analyticsSectionsHtml,
  chartScripts,
  embed,
  escapeHtml,
  RENDERED_MARKER,
  REPORT_STYLE,
  type AnalyticsReportData,
} from '#shared/analytics/analytics-report.ts';
import type { QualityReportData } from './quality-report-data.ts';

const LEVEL_COLORS: Record<string, string> = { NORMAL: '#d8f0e2', WATCH: '#fdf1c7', ALERT: '#fbd9b8', CRITICAL: '#f6b8b0' };

const QUALITY_STYLE = `
  h1 + .meta + h2.part, h2.part { font-size: 18px; margin: 28px 0 12px; }
  .tiles { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 16px; }
  .tile { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 3px rgba(0,0,0,.08); min-width: 130px; }
  .tile b { display: block; font-size: 22px; }
  .tile span { color: #5b6675; font-size: 12px; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; }
  th, td { padding: 4px 6px; border-bottom: 1px solid #e6e9ee; text-align: left; }
  td.level { text-align: center; font-weight: 600; }
  .badge { display: inline-block; font-size: 10px; padding: 1px 6px; border-radius: 8px; background: #e6e9ee; color: #3b4653; margin-left: 4px; }
  .badge.dry { background: #dfe7fb; color: #2f4f9e; }
  tr.dry td { color: #6b7684; font-style: italic; }
  .note { color: #5b6675; font-size: 12px; margin-top: 8px; }
  .mappings { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 16px; }
`;

/**
 * Each run's label: its start (UTC) to the minute, to the second where runs share a minute, and
 * with the end of its run id where they share the second too — no two columns of a chart read the
 * same — then whether it was a dry run (unless the caller marks dry runs otherwise).
 */
export function runLabels(runs: ReadonlyArray<{ runId: string; startedAt: string; dryRun: boolean }>, options: { markDryRuns?: boolean } = {}): string[] {
  const countsOf = (keys: readonly string[]) => {
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    return counts;
  };
  const minutes = runs.map((run) => run.startedAt.slice(0, 16));
  const seconds = runs.map((run) => run.startedAt.slice(0, 19));
  const perMinute = countsOf(minutes);
  const perSecond = countsOf(seconds);
  return runs.map((run, index) => {
    const minute = minutes[index] ?? '';
    const second = seconds[index] ?? '';
    const start = (perMinute.get(minute) ?? 0) > 1 ? second : minute;
    const id = (perSecond.get(second) ?? 0) > 1 ? ` …${run.runId.slice(-6)}` : '';
    return `${start.replace('T', ' ')} UTC${id}${run.dryRun && (options.markDryRuns ?? true) ? ' · dry run' : ''}`;
  });
}

function tiles(data: QualityReportData): string {
  const dryRuns = data.runs.filter((run) => run.dryRun).length;
  const tile = (value: number | string, label: string) => `<div class="tile"><b>${escapeHtml(String(value))}</b><span>${escapeHtml(label)}</span></div>`;
  return `<div class="tiles">
  ${tile(data.leads.total, 'leads')}
  ${tile(data.leads.normalized, 'normalized')}
  ${tile(data.leads.withFlags, 'leads with a flag')}
  ${tile(data.reviewQueue.groups, `review queue: inputs (${data.reviewQueue.leads} leads)`)}
  ${tile(data.reviewQueue.decisions, 'steward decisions')}
  ${tile(`${data.runs.length}`, `runs shown (${dryRuns} dry)`)}
</div>`;
}

function anomalyTable(data: QualityReportData): string {
  if (data.runs.length === 0) return '<p class="empty">No run yet.</p>';
  const header = `<tr><th>run</th>${data.fields.map((field) => `<th>${escapeHtml(field)}</th>`).join('')}</tr>`;
  // The dry-run badge says it: the label does not repeat it.
  const labels = runLabels(data.runs, { markDryRuns: false });
  const rows = data.runs.map((run, index) => ({ run, label: labels[index] ?? '' })).reverse().map(({ run, label }) => {
    const badges = `${run.dryRun ? '<span class="badge dry">dry run: nothing written</span>' : ''}${run.rolledBack ? '<span class="badge">rolled back</span>' : ''}`;
    const cells = data.fields.map((field) => {
      const tally = run.fields[field];
      if (!tally || tally.total === 0) return '<td class="level">–</td>';
      return `<td class="level" style="background:${LEVEL_COLORS[tally.level] ?? '#fff'}" title="${escapeHtml(`${(tally.changeRate * 100).toFixed(1)}% of ${tally.total} changed`)}">${escapeHtml(tally.level)}</td>`;
    });
    return `<tr${run.dryRun ? ' class="dry"' : ''}><td>${escapeHtml(label)}${badges}</td>${cells.join('')}</tr>`;
  });
  return `<table data-table="anomalies">${header}${rows.join('')}</table>`;
}

function mappingTables(data: QualityReportData): string {
  if (data.mappings.length === 0) return '<p class="empty">No changed value yet.</p>';
  return `<div class="mappings">${data.mappings
    .map(
      (mapping) => `<div><h2>${escapeHtml(mapping.field)} <span class="badge">${escapeHtml(mapping.kind)}</span></h2><table data-table="mapping">
<tr><th>typed</th><th>normalized</th><th>leads</th></tr>
${mapping.rows.map((row) => `<tr><td>${row.before === '' ? '<i>empty</i>' : escapeHtml(row.before)}</td><td>${row.after === null ? '<i>null</i>' : escapeHtml(row.after)}</td><td>${row.count}</td></tr>`).join('\n')}
</table></div>`,
    )
    .join('\n')}</div>`;
}

function qualityChartsScript(data: QualityReportData): string {
  return `<script>
{
const quality = ${embed(data)};
const labels = ${embed(runLabels(data.runs))};
const dry = quality.runs.map((run) => run.dryRun);
const flagNames = [...new Set(quality.runs.flatMap((run) => Object.keys(run.flags)))].sort();
const sourceNames = ['rules', 'cache', 'llm', 'steward'];
const sourceColors = { rules: palette[0], cache: palette[5], llm: palette[4], steward: palette[2] };
const pale = (color) => color + '55';
draw('change-rates', { type: 'line', data: { labels, datasets: quality.fields.map((field, i) => ({
  label: field,
  data: quality.runs.map((run) => run.fields[field] && run.fields[field].total > 0 ? Math.round(run.fields[field].changeRate * 1000) / 10 : null),
  borderColor: palette[i % palette.length],
  backgroundColor: palette[i % palette.length],
  pointBackgroundColor: dry.map((isDry) => isDry ? '#ffffff' : palette[i % palette.length]),
  pointStyle: dry.map((isDry) => isDry ? 'rectRot' : 'circle'),
  pointRadius: dry.map((isDry) => isDry ? 6 : 3),
  spanGaps: true,
  segment: { borderDash: (ctx) => dry[ctx.p0DataIndex] || dry[ctx.p1DataIndex] ? [4, 4] : undefined },
})) }, options: { scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: '% of values changed' } } } } }, quality.runs.length > 0);
draw('flags', { type: 'bar', data: { labels, datasets: flagNames.map((flag, i) => ({
  label: flag,
  data: quality.runs.map((run) => run.flags[flag] || 0),
  backgroundColor: dry.map((isDry) => isDry ? pale(palette[i % palette.length]) : palette[i % palette.length]),
})) }, options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } }, quality.runs.length > 0 && flagNames.length > 0);
const kinds = Object.keys(quality.reviewQueue.byKind).sort();
draw('queue', { type: 'bar', data: { labels: kinds, datasets: [{ label: 'distinct inputs to review', data: kinds.map((kind) => quality.reviewQueue.byKind[kind]), backgroundColor: palette[3] }] }, options: { indexAxis: 'y' } }, kinds.length > 0);
const sourceFields = quality.fields.filter((field) => quality.sources[field]);
draw('sources', { type: 'bar', data: { labels: sourceFields, datasets: sourceNames.map((source) => ({
  label: source, data: sourceFields.map((field) => quality.sources[field][source] || 0), backgroundColor: sourceColors[source],
})) }, options: { indexAxis: 'y', scales: { x: { stacked: true }, y: { stacked: true } } } }, sourceFields.length > 0);
}
</script>`;
}

/**
 * One self-contained page (Chart.js inlined, no network): the normalization section — per-field
 * change rates and anomaly levels per run, flags per run, review queue, sources, the top before →
 * after mappings of cities, education levels, occupations and organizations (never names or
 * addresses) — with dry runs drawn apart and labelled; then the analytics sections when there is
 * analytics data. `<body data-charts-rendered="N">` says when every chart has drawn.
 */
export function renderQualityReport(data: QualityReportData, analytics?: AnalyticsReportData): string {
  return `<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>normflow — report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${REPORT_STYLE}${QUALITY_STYLE}</style>
</head>
<body>
<h1>normflow — report</h1>
<div class="meta">Generated ${escapeHtml(data.generatedAt)}</div>
<h2 class="part">Normalization quality</h2>
${tiles(data)}
<div class="grid">
  <section><h2>Change rate per field, per run</h2><div class="chart"><canvas id="change-rates"></canvas></div><p class="note">Dry runs (nothing written) are hollow diamonds on dashed lines.</p></section>
  <section><h2>Flags per run</h2><div class="chart"><canvas id="flags"></canvas></div><p class="note">Dry runs are pale.</p></section>
  <section><h2>Review queue, by kind</h2><div class="chart"><canvas id="queue"></canvas></div><p class="note">${data.reviewQueue.groups} distinct input(s) covering ${data.reviewQueue.leads} lead(s); names and addresses are left out.</p></section>
  <section><h2>Where the current values come from</h2><div class="chart"><canvas id="sources"></canvas></div></section>
</div>
<section style="margin-top:16px"><h2>Anomaly level per field, per run (latest first)</h2>${anomalyTable(data)}</section>
<h2 class="part">Most frequent changes</h2>
${mappingTables(data)}
${analytics ? `<h2 class="part">Conversation analytics and token costs</h2>\n${analyticsSectionsHtml()}` : ''}
${chartScripts()}
${qualityChartsScript(data)}
${analytics ? analyticsChartsScript(analytics) : ''}
${RENDERED_MARKER}
</body>
</html>
`;
}
