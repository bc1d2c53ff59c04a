/**
 * How long each Lambda may run, in seconds, as deployed: the stacks give it to their functions and
 * the local runtime holds every local invocation to it, as AWS stops a handler at its timeout (the
 * Task then fails with `Sandbox.Timedout`). Free of the CDK: the CLI's local runs load it.
 */
export const LAMBDA_TIMEOUT_SECONDS = {
  'load-config': 30,
  'plan-run': 300,
  'select-page': 300,
  'finish-page': 60,
  // The model call alone may take up to 300 s.
  'invoke-model': 360,
  'write-results': 300,
  'split-batch': 30,
  'record-lead-failure': 30,
  'record-batch-failure': 60,
  'report-run': 300,
  'release-run-lock': 30,
  'cost-kill-switch': 30,
  'stream-changes': 60,
  // Lambda's maximum: a day's conversations and token costs are worked through in one invocation.
  'export-conversations': 900,
  'convert-to-parquet': 900,
  'aggregate-token-costs': 900,
} as const satisfies Record<string, number>;
