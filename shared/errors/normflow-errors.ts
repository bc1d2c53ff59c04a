/**
 * Every error normflow raises on purpose, in one place. An error's `name` is a contract: the state
 * machines' Retry and Catch match it (`ErrorEquals: ["Model.Throttled"]`), a run's failure counts
 * and causes are keyed by it, and the CLI picks its exit code by it (cli/cli-errors.ts). Renaming
 * one breaks a deployed state machine, so the names are listed here and checked against every ASL
 * file and against docs/pipeline.md ("Error names") by test/errors/normflow-errors.test.ts.
 * This module imports nothing: the CLI loads it before knowing which command runs.
 */
export const ERROR_NAMES = [
  // The model call (InvokeModel's Retry and Catch, the CLI's retries).
  'Model.Throttled',
  'Model.Timeout',
  'Model.InvalidResponse',
  'Model.Fatal',
  // Bad input, config or environment: the execution (or the command) fails at once, naming it.
  'Config.Invalid',
  'Input.Invalid',
  'Input.AmbiguousField',
  'Payload.Invalid',
  'Environment.Invalid',
  // A duplicate InvokeModel while the same batch's model call is in flight.
  'Idempotency.InProgress',
  // The analytics state machines and their tasks.
  'Analytics.ChildFailed',
  'Export.PartitionSplit',
  'Conversion.MissingExport',
  'Conversion.InvalidCell',
  'Csv.UnexpectedHeader',
  'Athena.QueryFailed',
  // The CLI and the local runtime.
  'UsageError',
  'RollbackRefused',
  'Local.StoreInUse',
  'Local.StoreFull',
] as const;

export type ErrorName = (typeof ERROR_NAMES)[number];

/** Names the state machines raise themselves (a Fail state): no code throws them. */
export const STATE_MACHINE_ERROR_NAMES: readonly ErrorName[] = ['Analytics.ChildFailed'];

/** The base of every error below: its `name` is one of ERROR_NAMES, set by each subclass. */
export abstract class NormflowError extends Error {
  abstract override readonly name: ErrorName;
}

// ---- the model ---------------------------------------------------------------------------------

export const MODEL_ERROR_NAMES = ['Model.Throttled', 'Model.Timeout', 'Model.InvalidResponse', 'Model.Fatal'] as const satisfies readonly ErrorName[];

export type ModelErrorName = (typeof MODEL_ERROR_NAMES)[number];

/** Tokens an attempt used, as the provider reported them (or estimated from what was sent and received). */
export interface AttemptUsage {
  inputTokens: number;
  outputTokens: number;
}

/**
 * A failed model call; which one is its `name`. `message` says why, without personal data (never
 * the prompt, never the answer): it is what a run summary shows once per distinct cause. `usage` is
 * set when the attempt reached the model and was billed even though it failed (an invalid or
 * cut-off answer): those tokens count too.
 */
export class ModelError extends NormflowError {
  override readonly name: ModelErrorName;
  usage: AttemptUsage | undefined;
  /** False when the failure came before any request to the model (the key could not be read): no call to count. */
  readonly sent: boolean;

  constructor(name: ModelErrorName, message: string, options?: { cause?: unknown; usage?: AttemptUsage; sent?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.usage = options?.usage;
    this.sent = options?.sent ?? true;
  }
}

/** Throttling and time-outs are worth retrying; invalid responses once (the caller counts); fatal never. */
export const isRetryableModelError = (error: unknown): error is ModelError =>
  error instanceof ModelError && (error.name === 'Model.Throttled' || error.name === 'Model.Timeout');

// ---- input, config, environment ----------------------------------------------------------------

/** The normalization or analytics config (a file, the config table item, a payload's) is not valid. */
export class ConfigError extends NormflowError {
  override readonly name = 'Config.Invalid';
}

/** The execution input, or an input file, cannot be read as what it must be (a CSV header, a request). */
export class InputError extends NormflowError {
  override readonly name = 'Input.Invalid';
}

/** Two columns of the input fold to the same configured field name, neither exactly: which one is meant is not ours to guess. */
export class AmbiguousFieldError extends NormflowError {
  override readonly name = 'Input.AmbiguousField';
}

/** A Task's payload does not match its schema (a state machine and its Lambdas out of step). */
export class PayloadError extends NormflowError {
  override readonly name = 'Payload.Invalid';
}

/** A Lambda's environment (or one of its JSON variables) is missing or malformed. */
export class EnvironmentError extends NormflowError {
  override readonly name = 'Environment.Invalid';
}

// ---- the pipeline -------------------------------------------------------------------------------

/** Another invocation holds this batch's model call: Step Functions retries later. */
export class ModelCallInProgressError extends NormflowError {
  override readonly name = 'Idempotency.InProgress';
}

// ---- analytics ----------------------------------------------------------------------------------

/** A user's items came back in two places of the Scan: the input is not a plain Scan. */
export class PartitionSplitError extends NormflowError {
  override readonly name = 'Export.PartitionSplit';
}

/** Converting a run date that was never exported. */
export class MissingExportError extends NormflowError {
  override readonly name = 'Conversion.MissingExport';
}

/** An exported cell that cannot be typed for Parquet (a date that is not DD/MM/YYYY). */
export class InvalidCellError extends NormflowError {
  override readonly name = 'Conversion.InvalidCell';
}

/** A CSV table whose header is not the columns expected. */
export class CsvHeaderError extends NormflowError {
  override readonly name = 'Csv.UnexpectedHeader';
}

/** An Athena query failed, was cancelled or did not finish in time. */
export class AthenaQueryError extends NormflowError {
  override readonly name = 'Athena.QueryFailed';
}

// ---- the CLI and the local runtime ------------------------------------------------------------

/** The command line asks for something impossible: bad flag, config, or file name. Exit 2. */
export class UsageError extends NormflowError {
  override readonly name = 'UsageError';
}

/** A rollback that cannot be done (a dry run, a run still in progress). Exit 2. */
export class RollbackRefused extends NormflowError {
  override readonly name = 'RollbackRefused';
}

/** Another process holds the local store (one process at a time). Exit 1. */
export class LocalStoreInUseError extends NormflowError {
  override readonly name = 'Local.StoreInUse';
}

/** The local store, held in memory, has grown to what this process may use. Exit 1. */
export class LocalStoreFullError extends NormflowError {
  override readonly name = 'Local.StoreFull';
}
