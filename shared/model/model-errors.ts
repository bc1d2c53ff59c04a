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

export class ModelError extends Error {
  override readonly name: ModelErrorName;

  constructor(name: ModelErrorName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/** Throttling and time-outs are worth retrying; invalid responses once; fatal never. */
export const isRetryableModelError = (error: unknown): error is ModelError =>
  error instanceof ModelError && (error.name === 'Model.Throttled' || error.name === 'Model.Timeout');
