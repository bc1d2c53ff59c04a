import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  ResourceInUseException,
  ResourceNotFoundException,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { marshallOptions, unmarshallOptions } from '@aws-sdk/util-dynamodb';
import { toAttributes, toPlain as plainOf } from './attribute-conversion.ts';

/**
 * A DynamoDB that lives in this very process (the local runtime's embedded store): it answers an
 * operation by its API name (`GetItem`, …) on the request as the SDK would serialize it, and throws
 * errors carrying DynamoDB's error code (`code`) and message.
 */
export interface InProcessDynamoDb {
  handle(operation: string, input: Record<string, unknown>): Record<string, unknown>;
}

const engines = new Map<string, InProcessDynamoDb>();

/** Makes `endpoint` answered in-process until the returned function is called. */
export function registerInProcessEndpoint(endpoint: string, engine: InProcessDynamoDb): () => void {
  engines.set(endpoint, engine);
  return () => {
    if (engines.get(endpoint) === engine) engines.delete(endpoint);
  };
}

/** The in-process store answering `endpoint`, if this process serves it. */
export function inProcessEngine(endpoint: string | undefined): InProcessDynamoDb | undefined {
  return endpoint === undefined ? undefined : engines.get(endpoint);
}

/** The SDK's exception class for a DynamoDB error code, so `instanceof` and `name` checks see what AWS sends. */
function sdkError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (!(error instanceof Error) || typeof code !== 'string') return error;
  const $metadata = { httpStatusCode: 400 };
  const { message } = error;
  if (code === 'ConditionalCheckFailedException') {
    const item = (error as { item?: unknown }).item;
    return new ConditionalCheckFailedException({ message, $metadata, ...(item ? { Item: item as ConditionalCheckFailedException['Item'] } : {}) });
  }
  if (code === 'ResourceNotFoundException') return new ResourceNotFoundException({ message, $metadata });
  if (code === 'ResourceInUseException') return new ResourceInUseException({ message, $metadata });
  return new DynamoDBServiceException({ name: code, $fault: 'client', message, $metadata });
}

type Attributes = Record<string, AttributeValue>;
type Plain = Record<string, unknown>;
type Marshall = (value: Plain) => Record<string, unknown>;
type Unmarshall = (value: Attributes) => Plain;

const mapValues = <T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(record).map(([name, value]) => [name, map(value)]));

/**
 * The request members of each document command that hold plain values, marshalled as the document
 * client's own middleware marshals them (lib-dynamodb's `inputKeyNodes` for the members these
 * commands take); every other member passes unchanged.
 */
function documentInput(command: object, input: Plain, toAttributes: Marshall): Plain {
  const marshalled: Plain = { ...input };
  for (const member of ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey'] as const) {
    if (input[member] !== undefined) marshalled[member] = toAttributes(input[member] as Plain);
  }
  if (command instanceof BatchGetCommand) {
    marshalled.RequestItems = mapValues(input.RequestItems as Record<string, Plain>, (request) => ({ ...request, Keys: (request.Keys as Plain[]).map(toAttributes) }));
  } else if (command instanceof BatchWriteCommand) {
    marshalled.RequestItems = mapValues(input.RequestItems as Record<string, Plain[]>, (writes) =>
      writes.map((write) => {
        const put = write.PutRequest as { Item: Plain } | undefined;
        const remove = write.DeleteRequest as { Key: Plain } | undefined;
        return put ? { PutRequest: { Item: toAttributes(put.Item) } } : { DeleteRequest: { Key: toAttributes((remove as { Key: Plain }).Key) } };
      }),
    );
  }
  return marshalled;
}

/** The answer's members that hold items, turned into plain values with the document client's options. */
function documentOutput(output: Plain, toPlain: Unmarshall): Plain {
  const plain: Plain = { ...output };
  for (const member of ['Item', 'Attributes', 'LastEvaluatedKey'] as const) {
    if (output[member]) plain[member] = toPlain(output[member] as Attributes);
  }
  if (Array.isArray(output.Items)) plain.Items = (output.Items as Attributes[]).map(toPlain);
  if (output.Responses) plain.Responses = mapValues(output.Responses as Record<string, Attributes[]>, (items) => items.map(toPlain));
  return plain;
}

/** The document commands the stores send, by the operation each is. */
const DOCUMENT_OPERATIONS: ReadonlyArray<readonly [abstract new (...args: never[]) => object, string]> = [
  [GetCommand, 'GetItem'],
  [PutCommand, 'PutItem'],
  [UpdateCommand, 'UpdateItem'],
  [DeleteCommand, 'DeleteItem'],
  [QueryCommand, 'Query'],
  [ScanCommand, 'Scan'],
  [BatchGetCommand, 'BatchGetItem'],
  [BatchWriteCommand, 'BatchWriteItem'],
];

type Command = { input: Plain; constructor: { name: string } };
type Send = (command: Command) => Promise<unknown>;

const metadata = { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 };

function answer(engine: InProcessDynamoDb, operation: string, input: Plain): Plain {
  try {
    return engine.handle(operation, input);
  } catch (error) {
    throw sdkError(error);
  }
}

/**
 * Sends both clients' requests to an in-process store instead of the network: the store receives
 * exactly the request DynamoDB would, and the SDK's middleware, JSON encoding, HTTP, signing and
 * retries (none of which can fail here) are skipped. A document command's values are marshalled
 * and its answer unmarshalled with the document client's options, as util-dynamodb does it
 * (attribute-conversion.ts); a command this list does not know goes the
 * SDK's way, over HTTP to the same store.
 */
export function answerInProcess(
  client: DynamoDBClient,
  documentClient: DynamoDBDocumentClient,
  engine: InProcessDynamoDb,
  options: { marshall: marshallOptions; unmarshall: unmarshallOptions },
): void {
  const attributesOf: Marshall = (value) => toAttributes(value, options.marshall);
  const toPlain: Unmarshall = (value) => plainOf(value as Record<string, AttributeValue>, options.unmarshall);
  const operationOf = (name: string) => name.replace(/Command$/, '');
  const lowLevel: Send = async (command) => ({ ...answer(engine, operationOf(command.constructor.name), command.input), $metadata: metadata });
  Object.assign(client, { send: lowLevel });

  const viaSdk = documentClient.send.bind(documentClient) as unknown as Send;
  const documentSend: Send = async (command) => {
    const operation = DOCUMENT_OPERATIONS.find(([type]) => command instanceof type)?.[1];
    if (operation === undefined) return viaSdk(command);
    const input = documentInput(command, command.input, attributesOf);
    return { ...documentOutput(answer(engine, operation, input), toPlain), $metadata: metadata };
  };
  Object.assign(documentClient, { send: documentSend });
}
