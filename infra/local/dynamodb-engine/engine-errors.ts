/**
 * The errors the engine answers with, named as DynamoDB names them: the SDK bridge turns them into
 * the SDK's own exception classes and the HTTP front into DynamoDB's error bodies, so the stores'
 * `error.name` checks (ConditionalCheckFailedException, ValidationException, …) see what AWS sends.
 */
export class EngineError extends Error {
  /** DynamoDB's error code, e.g. `ConditionalCheckFailedException`. */
  readonly code: string;
  /** The item as it was, when a failed condition asked for it (`ReturnValuesOnConditionCheckFailure`). */
  readonly item: Record<string, unknown> | undefined;

  constructor(code: string, message: string, item?: Record<string, unknown>) {
    super(message);
    this.name = code;
    this.code = code;
    this.item = item;
  }
}

export const validation = (message: string): EngineError => new EngineError('ValidationException', message);

export const tableNotFound = (): EngineError => new EngineError('ResourceNotFoundException', 'Requested resource not found');

export const conditionFailed = (item?: Record<string, unknown>): EngineError =>
  new EngineError('ConditionalCheckFailedException', 'The conditional request failed', item);
