import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, NumberValue } from '@aws-sdk/lib-dynamodb';
import { ExactNumber } from '../engine/original-values.ts';
import { toPlain } from './attribute-conversion.ts';
import { parseDecimal } from './dynamodb-item-limits.ts';
import { answerInProcess, inProcessEngine } from './in-process-endpoints.ts';

/**
 * A stored number as a JavaScript number when that is exact and within ±2^53 (the SDK refuses to
 * write a larger one back), else as ExactNumber (its exact text): the SDK's default would give a
 * BigInt (which JSON cannot hold) or throw for a large non-integer, failing a whole batch.
 */
export function readNumber(text: string): number | ExactNumber {
  const value = Number(text);
  const stored = parseDecimal(text);
  const read = parseDecimal(String(value));
  const exact =
    Math.abs(value) <= Number.MAX_SAFE_INTEGER &&
    stored !== undefined &&
    read !== undefined &&
    stored.digits === read.digits &&
    (stored.digits === '' || (stored.negative === read.negative && stored.exponent === read.exponent));
  return exact ? value : new ExactNumber(text);
}

/** A value the document client can write: ExactNumber (which it does not know) as its NumberValue. */
export function storableValue(value: unknown): unknown {
  if (value instanceof ExactNumber) return NumberValue.from(value.text);
  if (Array.isArray(value)) return value.map(storableValue);
  // The SDK writes a number set by the type of its first element: all NumberValue if one must be.
  if (value instanceof Set) {
    const elements = [...value];
    const exact = elements.some((element) => element instanceof ExactNumber);
    return new Set(elements.map((element) => (exact && (typeof element === 'number' || typeof element === 'bigint') ? NumberValue.from(String(element)) : storableValue(element))));
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) return storable(value as Record<string, unknown>);
  return value;
}

export function storable(item: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, storableValue(value)]));
}

/** How every store reads items: numbers exactly (readNumber). */
const UNMARSHALL_OPTIONS = { wrapNumbers: readNumber };

const ATTRIBUTE_VALUE_TYPES = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL']);

const isAttributeValue = (value: unknown): boolean => {
  if (typeof value !== 'object' || value === null) return false;
  const types = Object.keys(value);
  return types.length === 1 && ATTRIBUTE_VALUE_TYPES.has(types[0] as string);
};

/**
 * The item a failed conditional write answered with (`ReturnValuesOnConditionCheckFailure:
 * 'ALL_OLD'`) as plain values, read as every store reads items; undefined when there was none (the
 * item is gone). The document client unmarshalls answers but not errors (aws-sdk-js-v3#6723), so
 * the item comes as attribute values.
 */
export function itemOfFailedCondition(error: unknown): Record<string, unknown> | undefined {
  const item = (error as { Item?: Record<string, unknown> }).Item;
  if (!item) return undefined;
  return Object.values(item).every(isAttributeValue) ? toPlain(item as Record<string, AttributeValue>, UNMARSHALL_OPTIONS) : item;
}

/** Which DynamoDB a client talks to. */
export interface DynamoDbTarget {
  /** Default: the SDK's own (AWS_REGION, the profile); `local` at an endpoint. */
  region?: string | undefined;
  /**
   * A local DynamoDB (normflow's embedded store, DynamoDB Local, moto): placeholder credentials, nothing signed for AWS; when
   * a store of this very process serves it (the local runtime's embedded store), answered without
   * a socket or serialization (in-process-endpoints.ts).
   */
  endpoint?: string | undefined;
  /** Attempts per request; default: the SDK's. */
  maxAttempts?: number;
}

export interface DynamoDbClients {
  /** For table operations (create, describe) and for `destroy()`. */
  client: DynamoDBClient;
  /** The document client every store expects: attributes left `undefined` are dropped, not rejected; numbers read exactly (readNumber). */
  documentClient: DynamoDBDocumentClient;
}

/**
 * The one place DynamoDB clients are built (Lambdas, the CLI's `--aws` stores, the embedded local
 * store), so every store marshals and reads numbers the same way wherever it runs.
 */
export function createDynamoDbClients(target: DynamoDbTarget = {}): DynamoDbClients {
  const client = new DynamoDBClient({
    ...(target.region ? { region: target.region } : {}),
    ...(target.endpoint ? { endpoint: target.endpoint, region: target.region ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    ...(target.maxAttempts === undefined ? {} : { maxAttempts: target.maxAttempts }),
  });
  const marshallOptions = { removeUndefinedValues: true };
  const unmarshallOptions = { ...UNMARSHALL_OPTIONS };
  const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions, unmarshallOptions });
  const engine = inProcessEngine(target.endpoint);
  // Options objects of its own: the document client changes the ones it was given.
  if (engine) answerInProcess(client, documentClient, engine, { marshall: { ...marshallOptions }, unmarshall: { ...unmarshallOptions } });
  return { client, documentClient };
}

export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/** Whether a conditional write happened: false when its condition failed; any other error is thrown. */
export async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

export const isResourceNotFound = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ResourceNotFoundException';

/** DynamoDB refused the request itself (an item too large, a bad value): retrying it cannot help. */
export const isValidationError = (error: unknown): boolean => error instanceof Error && error.name === 'ValidationException';
