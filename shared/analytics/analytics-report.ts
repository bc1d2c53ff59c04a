import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface Series {
  label: string;
  values: number[];
}

/** Everything the report shows; every list may be empty (the chart then says there is no data). */
export interface AnalyticsReportData {
  generatedAt: string;
  conversationsPerDay: { days: string[]; counts: number[] };
  feedbackMix: { like: number; dislike: number; none: number };
  topQuestions: Array<{ question: string; count: number }>;
  tokensPerDay: { days: string[]; byModel: Series[] };
  costPerDay: { days: string[]; byModel: Series[] };
  normalizationRuns: Array<{ runId: string; startedAt: string; leads: number; fieldsChanged: number; costUSD: number; status: string }>;
}

/** Chart.js's browser bundle, read from the package folder (beside its entry point: the package does not export the file). */
const chartJs = (): string => {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
};

/** JSON safe inside a <script> element. */
export const embed = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);

/** The page's look, shared by every normflow report. */
export const REPORT_STYLE = `
  body { font-family: system-ui, sans-serif; margin: 24px; color: #1d2733; background: #f6f7f9; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  .meta { color: #5b6675; margin-bottom: 20px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px; }
  section { background: #fff; border-radius: 8px; padding: 16px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
  h2 { font-size: 15px; margin: 0 0 12px; }
  .chart { position: relative; height: 280px; }
  .empty { color: #8a94a3; font-style: italic; }
`;

/** Chart.js inlined, then the helpers every chart script uses: `draw(id, config, hasData)` counts what it drew in `rendered`. */
export function chartScripts(): string {
  return `<script>${chartJs()}</script>
<script>
const palette = ['#2f6fde', '#e4572e', '#29a36a', '#f2a541', '#7d5ba6', '#3bb4c1', '#c44d94'];
const base = { responsive: true, maintainAspectRatio: false, animation: false };
let rendered = 0;
function draw(id, config, hasData) {
  const canvas = document.getElementById(id);
  if (!hasData) {
    canvas.replaceWith(Object.assign(document.createElement('p'), { className: 'empty', textContent: 'No data yet.' }));
  } else {
    new Chart(canvas, { ...config, options: { ...base, ...(config.options || {}) } });
  }
  rendered += 1;
}
const bySeries = (series) => series.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: palette[i % palette.length], borderColor: palette[i % palette.length] }));
</script>`;
}

/** The six analytics sections. */
export function analyticsSectionsHtml(): string {
  return `<div class="grid">
  <section><h2>Conversations per day</h2><div class="chart"><canvas id="conversations"></canvas></div></section>
  <section><h2>Feedback mix</h2><div class="chart"><canvas id="feedback"></canvas></div></section>
  <section><h2>Top questions</h2><div class="chart"><canvas id="questions"></canvas></div></section>
  <section><h2>Tokens per day, by model</h2><div class="chart"><canvas id="tokens"></canvas></div></section>
  <section><h2>Estimated cost per day (USD), by model</h2><div class="chart"><canvas id="cost"></canvas></div></section>
  <section><h2>Normalization runs</h2><div class="chart"><canvas id="runs"></canvas></div></section>
</div>`;
}

/** Draws the analytics sections (after `chartScripts()`). */
export function analyticsChartsScript(data: AnalyticsReportData): string {
  return `<script>
{
const data = ${embed(data)};
draw('conversations', { type: 'line', data: { labels: data.conversationsPerDay.days, datasets: [{ label: 'conversations', data: data.conversationsPerDay.counts, borderColor: palette[0], fill: false }] }, options: { scales: { y: { beginAtZero: true } } } }, data.conversationsPerDay.days.length > 0);
draw('feedback', { type: 'doughnut', data: { labels: ['like', 'dislike', 'no feedback'], datasets: [{ data: [data.feedbackMix.like, data.feedbackMix.dislike, data.feedbackMix.none], backgroundColor: ['#29a36a', '#e4572e', '#c9ced6'] }] } }, data.feedbackMix.like + data.feedbackMix.dislike + data.feedbackMix.none > 0);
draw('questions', { type: 'bar', data: { labels: data.topQuestions.map((q) => q.question.length > 60 ? q.question.slice(0, 57) + '…' : q.question), datasets: [{ label: 'times asked', data: data.topQuestions.map((q) => q.count), backgroundColor: palette[0] }] }, options: { indexAxis: 'y' } }, data.topQuestions.length > 0);
draw('tokens', { type: 'bar', data: { labels: data.tokensPerDay.days, datasets: bySeries(data.tokensPerDay.byModel) }, options: { scales: { x: { stacked: true }, y: { stacked: true } } } }, data.tokensPerDay.days.length > 0);
draw('cost', { type: 'line', data: { labels: data.costPerDay.days, datasets: bySeries(data.costPerDay.byModel) } }, data.costPerDay.days.length > 0);
draw('runs', { type: 'bar', data: { labels: data.normalizationRuns.map((r) => r.startedAt.slice(0, 16).replace('T', ' ')), datasets: [
  { label: 'leads', data: data.normalizationRuns.map((r) => r.leads), backgroundColor: palette[0], yAxisID: 'y' },
  { label: 'fields changed', data: data.normalizationRuns.map((r) => r.fieldsChanged), backgroundColor: palette[2], yAxisID: 'y' },
  { label: 'cost USD', data: data.normalizationRuns.map((r) => r.costUSD), type: 'line', borderColor: palette[1], yAxisID: 'cost' } ] },
  options: { scales: { y: { position: 'left' }, cost: { position: 'right', grid: { drawOnChartArea: false } } } } }, data.normalizationRuns.length > 0);
}
</script>`;
}

/** Says, once every chart has drawn, how many did: `<body data-charts-rendered="N">` (the browser tests wait for it). */
export const RENDERED_MARKER = '<script>document.body.dataset.chartsRendered = String(rendered);</script>';

/**
 * A self-contained HTML page (Chart.js inlined, no network): conversations per day, feedback mix,
 * top questions, tokens and cost per day and per model, normalization run history. When every
 * chart has drawn, `<body data-charts-rendered="N">` says so (the browser test waits for it).
 */
export function renderAnalyticsReport(data: AnalyticsReportData): string {
  return `<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>normflow — analytics report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${REPORT_STYLE}</style>
</head>
<body>
<h1>normflow — analytics</h1>
<div class="meta">Generated ${escapeHtml(data.generatedAt)}</div>
${analyticsSectionsHtml()}
${chartScripts()}
${analyticsChartsScript(data)}
${RENDERED_MARKER}
</body>
</html>
`;
}
