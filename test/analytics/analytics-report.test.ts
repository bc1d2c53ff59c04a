import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderAnalyticsReport, type AnalyticsReportData } from '#shared/analytics/analytics-report.ts';
import { renderedDom, screenshot } from '#test/fakes/headless-chromium.ts';

export const SCREENSHOT = resolve('test-output/analytics-report.png');
let dir: string;

const DATA: AnalyticsReportData = {
  generatedAt: '2026-11-22T23:30:00Z',
  conversationsPerDay: { days: ['2026-11-20', '2026-11-21', '2026-11-22'], counts: [12, 30, 21] },
  feedbackMix: { like: 14, dislike: 4, none: 45 },
  topQuestions: [
    { question: '¿Cómo solicito vacaciones? <script>alert(1)</script>', count: 9 },
    { question: '¿Dónde veo mi desprendible de pago?', count: 6 },
  ],
  tokensPerDay: { days: ['2026-11-21', '2026-11-22'], byModel: [{ label: 'claude-3-haiku', values: [12000, 9000] }, { label: 'nova-lite', values: [3000, 4100] }] },
  costPerDay: { days: ['2026-11-21', '2026-11-22'], byModel: [{ label: 'claude-3-haiku', values: [0.012, 0.009] }, { label: 'nova-lite', values: [0.001, 0.0012] }] },
  normalizationRuns: [
    { runId: 'r1', startedAt: '2026-11-21T07:00:00Z', leads: 50, fieldsChanged: 210, costUSD: 0.002, status: 'completed' },
    { runId: 'r2', startedAt: '2026-11-22T07:00:00Z', leads: 48, fieldsChanged: 190, costUSD: 0.0015, status: 'completed' },
  ],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('renders every chart in headless Chromium, offline, and saves a screenshot', async () => {
  const page = join(dir, 'report.html');
  await writeFile(page, renderAnalyticsReport(DATA));
  const dom = await renderedDom(page, join(dir, 'profile-1'));
  expect(dom).toContain('data-charts-rendered="6"');
  // Chart.js sizes each canvas it drew on; none of the six sections fell back to "No data yet."
  expect(dom.match(/<canvas[^>]*style="[^"]*display: block/g)?.length).toBe(6);
  expect(dom).not.toContain('<p class="empty">');
  // Question text is data, never markup.
  expect(dom).not.toContain('<script>alert(1)</script>');

  await mkdir(resolve('test-output'), { recursive: true });
  await screenshot(page, join(dir, 'profile-2'), SCREENSHOT, { width: 1280, height: 1100 });
  expect((await stat(SCREENSHOT)).size).toBeGreaterThan(20_000);
}, 60_000);

it('says "No data yet." for empty sections instead of drawing empty charts', async () => {
  const page = join(dir, 'empty.html');
  await writeFile(
    page,
    renderAnalyticsReport({
      ...DATA,
      topQuestions: [],
      normalizationRuns: [],
    }),
  );
  const dom = await renderedDom(page, join(dir, 'profile-3'));
  expect(dom).toContain('data-charts-rendered="6"');
  expect(dom.match(/<p class="empty">No data yet\.<\/p>/g)?.length).toBe(2);
}, 60_000);
