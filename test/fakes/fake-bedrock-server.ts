/**
 * A fake Amazon Bedrock Runtime speaking the Converse wire format (`POST /model/{modelId}/converse`),
 * so the real `@aws-sdk/client-bedrock-runtime` can be pointed at it with `endpoint: fake.url`.
 * Errors carry the `x-amzn-errortype` header and a JSON `{ message }` body, which the SDK turns
 * into its typed exceptions (ThrottlingException, AccessDeniedException …).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  startFakeLlmServer,
  type AnswerUsage,
  type FakeLlmServer,
  type FakeProtocol,
  type FakeServerOptions,
  type ParsedCall,
} from './fake-llm-server.ts';

export type { FakeFault, FakeLlmServer, FakeServerOptions, FakeStep } from './fake-llm-server.ts';

const CONVERSE_PATH = /^\/model\/([^/]+)\/converse$/;

interface ConverseBody {
  system?: Array<{ text?: unknown }>;
  messages?: Array<{ role?: unknown; content?: Array<{ text?: unknown }> }>;
}

const textsOf = (blocks: ReadonlyArray<{ text?: unknown }> | undefined): string =>
  (blocks ?? []).flatMap((block) => (typeof block.text === 'string' ? [block.text] : [])).join('\n');

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(payload);
}

function sendConverseOutput(response: ServerResponse, content: Array<{ text: string }>, usage: AnswerUsage): void {
  sendJson(response, 200, {
    output: { message: { role: 'assistant', content } },
    stopReason: 'end_turn',
    usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
    metrics: { latencyMs: 1 },
  });
}

const sendBedrockError = (response: ServerResponse, status: number, errorType: string, message: string): void =>
  sendJson(response, status, { message }, { 'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/` });

const bedrockProtocol: FakeProtocol = {
  route(method, path) {
    const match = method === 'POST' ? CONVERSE_PATH.exec(path) : null;
    return match?.[1] === undefined ? undefined : { modelId: decodeURIComponent(match[1]) };
  },
  parseCall(body, routedModelId): ParsedCall {
    const converse = (typeof body === 'object' && body !== null ? body : {}) as ConverseBody;
    const userMessages = (converse.messages ?? []).filter((message) => message.role === 'user');
    return {
      modelId: routedModelId ?? '',
      system: textsOf(converse.system),
      user: userMessages.map((message) => textsOf(message.content)).join('\n'),
    };
  },
  sendAnswer: (response, text, usage) => sendConverseOutput(response, [{ text }], usage),
  sendEmptyAnswer: (response, usage) => sendConverseOutput(response, [], usage),
  sendError: sendBedrockError,
  sendNotFound: (response) => sendBedrockError(response, 404, 'UnknownOperationException', 'Unknown operation.'),
  errorTypeFor(fault, status) {
    if (fault === 'auth-error') return status === 401 ? 'UnrecognizedClientException' : 'AccessDeniedException';
    if (status === 503) return 'ServiceUnavailableException';
    return fault === 'throttle' ? 'ThrottlingException' : 'InternalServerException';
  },
};

export const startFakeBedrockServer = (options: FakeServerOptions = {}): Promise<FakeLlmServer> =>
  startFakeLlmServer(bedrockProtocol, options);
