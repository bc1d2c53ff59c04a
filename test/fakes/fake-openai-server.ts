/**
 * A fake OpenAI-compatible server (as Ollama, vLLM and LM Studio expose it):
 * `POST /v1/chat/completions` answering `chat.completion` JSON with `usage`, errors as
 * `{ error: { message, type, code } }` with the HTTP status.
 */
import type { ServerResponse } from 'node:http';
import {
  startFakeLlmServer,
  type AnswerUsage,
  type FakeLlmServer,
  type FakeProtocol,
  type FakeServerOptions,
  type ParsedCall,
} from './fake-llm-server.ts';

export type { FakeFault, FakeLlmServer, FakeStep } from './fake-llm-server.ts';

export interface FakeOpenAiServerOptions extends FakeServerOptions {
  /** Answer without a `usage` object, as some local servers do. */
  omitUsage?: boolean;
}

interface ChatBody {
  model?: unknown;
  messages?: Array<{ role?: unknown; content?: unknown }>;
}

let completionCounter = 0;

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
  });
  response.end(payload);
}

const ERROR_CODES: Record<string, string> = {
  rate_limit_exceeded: 'rate_limit_exceeded',
  authentication_error: 'invalid_api_key',
  permission_error: 'insufficient_permissions',
  server_error: 'server_error',
  service_unavailable: 'service_unavailable',
};

function openAiProtocol(omitUsage: boolean): FakeProtocol {
  const sendCompletion = (response: ServerResponse, content: string | null, usage: AnswerUsage, call: ParsedCall) => {
    completionCounter += 1;
    sendJson(response, 200, {
      id: `chatcmpl-fake-${completionCounter}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: call.modelId,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      ...(omitUsage
        ? {}
        : {
            usage: {
              prompt_tokens: usage.inputTokens,
              completion_tokens: usage.outputTokens,
              total_tokens: usage.inputTokens + usage.outputTokens,
            },
          }),
    });
  };
  const sendError = (response: ServerResponse, status: number, errorType: string, message: string) =>
    sendJson(response, status, { error: { message, type: errorType, code: ERROR_CODES[errorType] ?? null } });

  return {
    route: (method, path) => (method === 'POST' && path === '/v1/chat/completions' ? {} : undefined),
    parseCall(body): ParsedCall {
      const chat = (typeof body === 'object' && body !== null ? body : {}) as ChatBody;
      const textOf = (role: string) =>
        (chat.messages ?? [])
          .filter((message) => message.role === role && typeof message.content === 'string')
          .map((message) => message.content as string)
          .join('\n');
      return { modelId: typeof chat.model === 'string' ? chat.model : '', system: textOf('system'), user: textOf('user') };
    },
    sendAnswer: (response, text, usage, call) => sendCompletion(response, text, usage, call),
    sendEmptyAnswer: (response, usage, call) => sendCompletion(response, null, usage, call),
    sendError,
    sendNotFound: (response) => sendError(response, 404, 'not_found_error', 'Not found.'),
    errorTypeFor(fault, status) {
      if (fault === 'auth-error') return status === 401 ? 'authentication_error' : 'permission_error';
      if (status === 503) return 'service_unavailable';
      return fault === 'throttle' ? 'rate_limit_exceeded' : 'server_error';
    },
  };
}

export const startFakeOpenAiServer = (options: FakeOpenAiServerOptions = {}): Promise<FakeLlmServer> =>
  startFakeLlmServer(openAiProtocol(options.omitUsage ?? false), options);
