import type { Context } from 'aws-lambda';

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * The deployed handler module behind each function name the state machines use, imported only
 * when a run needs it. Spelled out (not a computed import path) so the CLI bundle carries them.
 */
const LOCAL_HANDLERS: Readonly<Record<string, () => Promise<{ handler: unknown }>>> = {
  'load-config': () => import('#functions/load-config.ts'),
  'select-leads': () => import('#functions/select-leads.ts'),
  'invoke-model': () => import('#functions/invoke-model.ts'),
  'post-process': () => import('#functions/post-process.ts'),
  'write-results': () => import('#functions/write-results.ts'),
  'record-batch-failure': () => import('#functions/record-batch-failure.ts'),
  'report-run': () => import('#functions/report-run.ts'),
  'export-conversations': () => import('#functions/export-conversations.ts'),
  'convert-to-parquet': () => import('#functions/convert-to-parquet.ts'),
  'aggregate-token-costs': () => import('#functions/aggregate-token-costs.ts'),
};

export async function loadLocalHandler(functionName: string): Promise<Handler> {
  const load = LOCAL_HANDLERS[functionName];
  if (!load) throw new Error(`no local handler for the function "${functionName}"`);
  return (await load()).handler as Handler;
}
