import type { Context } from 'aws-lambda';

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * The deployed handler module behind each function name the state machines use, imported only
 * when a run needs it. Spelled out (not a computed import path) so the CLI bundle carries them.
 */
const LOCAL_HANDLERS: Readonly<Record<string, () => Promise<{ handler: unknown }>>> = {
  'load-config': () => import('#functions/load-config.ts'),
  'plan-run': () => import('#functions/plan-run.ts'),
  'select-page': () => import('#functions/select-page.ts'),
  'finish-page': () => import('#functions/finish-page.ts'),
  'invoke-model': () => import('#functions/invoke-model.ts'),
  'write-results': () => import('#functions/write-results.ts'),
  'split-batch': () => import('#functions/split-batch.ts'),
  'record-lead-failure': () => import('#functions/record-lead-failure.ts'),
  'record-batch-failure': () => import('#functions/record-batch-failure.ts'),
  'report-run': () => import('#functions/report-run.ts'),
  'release-run-lock': () => import('#functions/release-run-lock.ts'),
  // The leads stream's Pipe enrichment (infra/local/local-stream.ts).
  'stream-changes': () => import('#functions/stream-changes.ts'),
  'export-conversations': () => import('#functions/export-conversations.ts'),
  'convert-to-parquet': () => import('#functions/convert-to-parquet.ts'),
  'aggregate-token-costs': () => import('#functions/aggregate-token-costs.ts'),
};

export async function loadLocalHandler(functionName: string): Promise<Handler> {
  const load = LOCAL_HANDLERS[functionName];
  if (!load) throw new Error(`no local handler for the function "${functionName}"`);
  return (await load()).handler as Handler;
}
