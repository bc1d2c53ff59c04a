import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  ResourceInUseException,
  ResourceNotFoundException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall, type unmarshallOptions } from '@aws-sdk/util-dynamodb';

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

type Attributes = Parameters<typeof unmarshall>[0];
type Unmarshall = (value: Attributes) => Record<string, unknown>;

/** The output members that hold items, turned into plain values as the document client's own middleware does. */
function documentOutput(output: Record<string, unknown>, toPlain: Unmarshall): Record<string, unknown> {
  const plain: Record<string, unknown> = { ...output };
  for (const member of ['Item', 'Attributes', 'LastEvaluatedKey'] as const) {
    if (output[member]) plain[member] = toPlain(output[member] as Attributes);
  }
  if (Array.isArray(output.Items)) plain.Items = (output.Items as Attributes[]).map(toPlain);
  if (output.Responses) {
    plain.Responses = Object.fromEntries(Object.entries(output.Responses as Record<string, Attributes[]>).map(([table, items]) => [table, items.map(toPlain)]));
  }
  return plain;
}

type Command = { input: Record<string, unknown>; middlewareStack: DynamoDBClient['middlewareStack']; constructor: { name: string } };
type Send = (command: Command) => Promise<unknown>;

const operationOf = (name: string) => name.replace(/Command$/, '');

const metadata = { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 };

function answer(engine: InProcessDynamoDb, operation: string, input: Record<string, unknown>): Record<string, unknown> {
  try {
    return engine.handle(operation, input);
  } catch (error) {
    throw sdkError(error);
  }
}

/**
 * Sends both clients' requests to an in-process store instead of the network: the store receives
 * exactly the request DynamoDB would, and the JSON encoding, HTTP, signing and retries (none of
 * which can fail here) are skipped. The low-level client's commands go straight to the store; a
 * document client's command still runs the SDK's own marshalling middleware, and the store answers
 * right after it, its answer unmarshalled with the document client's options.
 */
export function answerInProcess(client: DynamoDBClient, documentClient: DynamoDBDocumentClient, engine: InProcessDynamoDb, options: unmarshallOptions): void {
  const toPlain: Unmarshall = (value) => unmarshall(value, options);
  const lowLevel: Send = async (command) => ({ ...answer(engine, operationOf(command.constructor.name), command.input), $metadata: metadata });
  Object.assign(client, { send: lowLevel });

  const sendDocument = documentClient.send.bind(documentClient) as unknown as Send;
  const documentMiddleware = (_next: unknown, context: Record<string, unknown>) => async (args: { input: Record<string, unknown> }) => ({
    output: { ...documentOutput(answer(engine, operationOf(String(context.commandName)), args.input), toPlain), $metadata: metadata },
    response: {},
  });
  const inDocumentStack = { name: 'normflowInProcessStore', relation: 'after', toMiddleware: 'DocumentMarshall', override: true } as const;
  Object.assign(documentClient, {
    send: (command: Command) => {
      command.middlewareStack.addRelativeTo(documentMiddleware as unknown as Parameters<DynamoDBClient['middlewareStack']['addRelativeTo']>[0], inDocumentStack);
      return sendDocument(command);
    },
  });
}
