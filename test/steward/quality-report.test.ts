import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsReportData } from '#shared/analytics/analytics-report.ts';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { foldedDecisionKey } from '#shared/engine/steward-decisions.ts';
import { makeDecision, requestRenormalizationFor } from '#shared/steward/decisions.ts';
import { collectQualityReport, type QualityReportData } from '#shared/steward/quality-report-data.ts';
import { renderQualityReport, runLabels } from '#shared/steward/quality-report.ts';
import { startHarness, type Harness } from '#test/state-machines/local-pipeline-harness.ts';
import { pngPixelStats } from './png-pixels.ts';
import { renderedDom, screenshot } from '#test/fakes/headless-chromium.ts';

export const SCREENSHOT = resolve('test-output/normflow-report.png');
const config = parseConfig({});

let harness: Harness;
let dir: string;
let report: QualityReportData;

const LEADS = [
  { leadId: 'Q1', nombres: 'XIOMARA', apellidos: 'QUINTANILLA', direccion: 'CRA 15 NO 100 25', ciudad: 'medellin', nivelEducativo: 'bachiller', ocupacionActual: 'ESTUDIANTE', empresa: 'n/a' },
  { leadId: 'Q2', nombres: 'ana', apellidos: 'perez', direccion: 'calle 80 bis a n 45-12', ciudad: 'Medellin', nivelEducativo: 'Posgrado', ocupacionActual: 'docente', empresa: 'sena' },
  { leadId: 'Q3', nombres: 'Luis', ciudad: 'la nevera', nivelEducativo: 'técnico', empresa: 'SENA' },
  { leadId: 'Q4', nombres: 'Rosa', ciudad: 'Springfield', nivelEducativo: 'Posgrado' },
];

const ANALYTICS: AnalyticsReportData = {
  generatedAt: '2026-11-22T23:30:00Z',
  conversationsPerDay: { days: ['2026-11-21', '2026-11-22'], counts: [30, 21] },
  feedbackMix: { like: 14, dislike: 4, none: 45 },
  topQuestions: [{ question: '¿Cómo solicito vacaciones?', count: 9 }],
  tokensPerDay: { days: ['2026-11-21', '2026-11-22'], byModel: [{ label: 'claude-3-haiku', values: [12000, 9000] }] },
  costPerDay: { days: ['2026-11-21', '2026-11-22'], byModel: [{ label: 'claude-3-haiku', values: [0.012, 0.009] }] },
  normalizationRuns: [{ runId: 'r1', startedAt: '2026-11-21T07:00:00Z', leads: 4, fieldsChanged: 12, costUSD: 0, status: 'completed' }],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-quality-'));
  harness = await startHarness();
  await harness.seed(LEADS);
  await harness.run();
  await harness.run({ dryRun: true, forceAll: true });
  const made = makeDecision({ field: 'ciudad', kind: 'city', input: 'la nevera', value: 'Bogotá', decidedAt: '2026-12-01T00:00:00.000Z' });
  if (!('decision' in made)) throw new Error(made.refused);
  await harness.stores.decisions.put(made.decision);
  await requestRenormalizationFor({ leads: harness.stores.leads, config, keys: new Set([foldedDecisionKey('city', 'la nevera')]), requestedAt: '2026-12-01T00:00:00.000Z' });
  await harness.run();
  report = await collectQualityReport({ ...harness.stores, config, generatedAt: '2026-12-01T12:00:00.000Z' });
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the normalization figures', () => {
  it('come from the run records (dry runs marked) and one scan of the leads', () => {
    expect(report.runs.map((entry) => [entry.dryRun, entry.leads])).toEqual([
      [false, 4],
      [true, 4],
      [false, 1],
    ]);
    // medellin, Medellin and la nevera (title-cased) changed; Springfield did not.
    expect(report.runs[0]?.fields.ciudad).toEqual({ total: 4, changeRate: 0.75, level: 'NORMAL' });
    expect(report.runs[0]?.flags).toMatchObject({ 'unknown-city': 2, 'unrecognized-education': 2 });
    expect(report.leads).toEqual({ total: 4, normalized: 4, withFlags: 2 });
    expect(report.reviewQueue).toEqual({ groups: 2, leads: 2, byKind: { city: 1, educationLevel: 1 }, decisions: 1 });
    expect(report.sources.ciudad).toEqual({ rules: 3, steward: 1 });
  });

  it('show the top before → after mappings of cities, education, occupations and organizations only', () => {
    expect(report.mappings.map((mapping) => mapping.field)).toEqual(['ciudad', 'nivelEducativo', 'ocupacionActual', 'empresa']);
    expect(report.mappings[0]?.rows).toEqual([
      { before: 'la nevera', after: 'Bogotá D.C.', count: 1 },
      { before: 'medellin', after: 'Medellín', count: 1 },
      { before: 'Medellin', after: 'Medellín', count: 1 },
    ]);
    expect(report.mappings[3]?.rows).toEqual(expect.arrayContaining([{ before: 'n/a', after: null, count: 1 }]));
  });
});

describe('run labels', () => {
  it('are to the minute (UTC), to the second where runs share a minute, with the end of the run id where they share a second, and say which runs were dry', () => {
    expect(
      runLabels([
        { runId: 'local-1-aaaaaa', startedAt: '2026-12-05T17:58:01.120Z', dryRun: false },
        { runId: 'local-2-bbbbbb', startedAt: '2026-12-05T17:58:03.500Z', dryRun: true },
        { runId: 'local-3-cccccc', startedAt: '2026-12-05T17:58:03.900Z', dryRun: false },
        { runId: 'local-4-dddddd', startedAt: '2026-12-05T18:10:00.000Z', dryRun: false },
      ]),
    ).toEqual(['2026-12-05 17:58:01 UTC', '2026-12-05 17:58:03 UTC …bbbbbb · dry run', '2026-12-05 17:58:03 UTC …cccccc', '2026-12-05 18:10 UTC']);
  });

  it('never repeat within one report (the harness runs three times within a minute)', () => {
    const labels = runLabels(report.runs);
    expect(new Set(labels).size).toBe(report.runs.length);
  });

  it('say "dry run" once in the anomaly table, where the badge says it', () => {
    const html = renderQualityReport(report);
    const table = html.slice(html.indexOf('<table data-table="anomalies">'), html.indexOf('</table>', html.indexOf('<table data-table="anomalies">')));
    expect(table.match(/dry run/g)).toEqual(['dry run']);
    expect(table).toContain('dry run: nothing written');
  });
});

describe('normflow report in headless Chromium', () => {
  it('renders every chart offline, with the analytics, never showing a name or an address; the screenshot is not blank', async () => {
    const page = join(dir, 'report.html');
    const html = renderQualityReport(report, ANALYTICS);
    await writeFile(page, html);
    for (const personal of ['XIOMARA', 'Xiomara', 'QUINTANILLA', 'Quintanilla', 'CRA 15', 'Cra. 15', 'calle 80']) expect(html).not.toContain(personal);

    const dom = await renderedDom(page, join(dir, 'profile-1'));
    expect(dom).toContain('data-charts-rendered="10"');
    expect(dom.match(/<canvas[^>]*style="[^"]*display: block/g)?.length).toBe(10);
    expect(dom).not.toContain('<p class="empty">');
    expect(dom).toContain('dry run: nothing written');
    expect(dom.match(/<table data-table="mapping">/g)?.length).toBe(4);

    await mkdir(resolve('test-output'), { recursive: true });
    await screenshot(page, join(dir, 'profile-2'), SCREENSHOT, { width: 1280, height: 2600 });
    const pixels = pngPixelStats(await readFile(SCREENSHOT));
    expect(pixels.width).toBe(1280);
    // Charts, tables and text cover a good part of the page in many colours.
    expect(pixels.nonBackgroundShare).toBeGreaterThan(0.3);
    expect(pixels.distinctColors).toBeGreaterThan(200);
  }, 60_000);

  it('without analytics or runs, draws the normalization charts it can and says "No data yet." for the rest', async () => {
    const page = join(dir, 'empty.html');
    await writeFile(page, renderQualityReport({ ...report, runs: [], reviewQueue: { groups: 0, leads: 0, byKind: {}, decisions: 0 } }));
    const dom = await renderedDom(page, join(dir, 'profile-3'));
    expect(dom).toContain('data-charts-rendered="4"');
    expect(dom.match(/<p class="empty">No data yet\.<\/p>/g)?.length).toBe(3);
    expect(dom).toContain('No run yet.');
    expect(dom).not.toContain('Conversation analytics');
  }, 60_000);
});
