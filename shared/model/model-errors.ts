/**
 * Typed model errors. The `name` is the contract with the state machine's Retry/Catch
 * (`ErrorEquals: ["Model.Throttled"]` …) and with the CLI's retry policy.
 */
export const MODEL_ERROR_NAMES = [
  'Model.Throttled',
  'Model.Timeout',
  'Model.InvalidResponse',
  'Model.Fatal',
] as const;

export type ModelErrorName = (typeof MODEL_ERROR_NAMES)[number];

/** Tokens an attempt used, as the provider reported them (or estimated from what was sent and received). */
export interface AttemptUsage {
  inputTokens: number;
  outputTokens: number;
}

/**
 * `message` says why, without personal data (never the prompt, never the answer): it is what a run
 * summary shows once per distinct cause. `usage` is set when the attempt reached the model and was
 * billed even though it failed (an invalid or cut-off answer): those tokens count too.
 */
export class ModelError extends Error {
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

/** Throttling and time-outs are worth retrying; invalid responses once; fatal never. */
export const isRetryableModelError = (error: unknown): error is ModelError =>
  error instanceof ModelError && (error.name === 'Model.Throttled' || error.name === 'Model.Timeout');
