import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { startLocalAnalytics } from '#infra/local/local-analytics.ts';
import type { AnalyticsReportData } from '#shared/analytics/analytics-report.ts';
import { openOutputFile } from '#shared/io/output-file.ts';
import { STDIO } from '#shared/io/text-source.ts';
import { collectQualityReport } from '#shared/steward/quality-report-data.ts';
import { renderQualityReport } from '#shared/steward/quality-report.ts';
import { collectReportData } from './analytics-command.ts';
import { localStores } from './local-stores.ts';
import { analyticsPaths } from './analytics-paths.ts';
import { openStewardStores, stewardConfig, withStoreTargetOptions, type StewardStores, type StoreTargetOptions } from './steward-stores.ts';

/**
 * The stores, plus the analytics figures when the local analytics catalog exists (the analytics
 * environment opens the same local store, so it is opened once, as that).
 */
async function openReportSources(options: StoreTargetOptions): Promise<{ stores: StewardStores; analytics?: AnalyticsReportData }> {
  if (options.aws || !existsSync(analyticsPaths(options.dataDir).catalog)) return { stores: await openStewardStores(options) };
  const local = await startLocalAnalytics({ dataDir: options.dataDir });
  try {
    const analytics = await collectReportData(local);
    return { stores: { ...localStores(local), dataDir: local.dataDir, close: () => local.close() }, analytics };
  } catch (error) {
    await local.close();
    throw error;
  }
}

export function registerReportCommand(program: Command): void {
  withStoreTargetOptions(
    program
      .command('report')
      .description('one self-contained HTML page: normalization quality per run (dry runs marked), review queue, top mappings, plus the analytics when there are any')
      .option('--output <file>', 'where to write the page (default: <data dir>/report.html; report.html with --aws; - for standard output)'),
  ).action(async (options: StoreTargetOptions & { output?: string }) => {
    const { stores, analytics } = await openReportSources(options);
    try {
      const config = await stewardConfig(stores, options);
      const quality = await collectQualityReport({ leads: stores.leads, runs: stores.runs, decisions: stores.decisions, config, generatedAt: new Date().toISOString() });
      const output = options.output ?? (options.aws ? 'report.html' : join(options.dataDir, 'report.html'));
      // Written to a temporary file renamed at the end: a failure never leaves half a page.
      const file = await openOutputFile(output);
      try {
        await file.write(renderQualityReport(quality, analytics));
        await file.commit();
      } catch (error) {
        await file.abort();
        throw error;
      }
      (output === STDIO ? console.error : console.log)(`report written to ${file.name} (${quality.runs.length} run(s), ${quality.leads.total} lead(s)${analytics ? ', with the analytics' : ''})`);
    } finally {
      await stores.close();
    }
  });
}
