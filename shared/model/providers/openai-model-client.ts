import { ModelError, type ModelErrorName } from '../model-errors.ts';
import type { ModelClient, ModelRequest, ModelResponse } from '../model-port.ts';
import { estimateTokens, networkErrorName } from './network-errors.ts';

export interface OpenAiModelClientOptions {
  /** Server root, with or without the trailing `/v1` (`http://localhost:11434` or `http://localhost:11434/v1`). */
  baseUrl: string;
  modelId: string;
  apiKey?: string;
  requestTimeoutMs?: number;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

// Local models on a CPU can take a while for a batch prompt.
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** `{baseUrl}/v1/chat/completions`, whether or not baseUrl already ends in `/v1`. */
export function chatCompletionsUrl(baseUrl: string): string {
  const root = baseUrl.replace(/\/+$/, '');
  return `${/\/v1$/.test(root) ? root : `${root}/v1`}/chat/completions`;
}

/**
 * Error name of an HTTP status. Retry-After and similar hints are ignored on purpose: the retry
 * policy lives with the caller. Server faults other than 502/503 (a local runner crashing
 * mid-load, a proxy hiccup) are treated as transient too, since a bounded retry costs little.
 */
export function classifyOpenAiStatus(status: number): ModelErrorName {
  if (status === 408 || status === 504) return 'Model.Timeout';
  if (status === 429 || status >= 500) return 'Model.Throttled';
  return 'Model.Fatal';
}

/** Only the short, machine-readable parts of an error body: its message may echo the prompt. */
function errorIdentifiers(body: string): { type?: string; code?: string } {
  const identifier = (value: unknown): string | undefined =>
    typeof value === 'string' && /^[\w.:-]{1,80}$/.test(value) ? value : undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    const error = (parsed as { error?: { type?: unknown; code?: unknown } } | null)?.error;
    const type = identifier(error?.type);
    const code = identifier(error?.code);
    return { ...(type ? { type } : {}), ...(code ? { code } : {}) };
  } catch {
    return {};
  }
}

interface ChatCompletion {
  choices?: Array<{ message?: { content?: unknown } }>;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
}

const tokenCount = (value: unknown, fallback: () => number): number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback();

/** Any OpenAI-compatible chat completions server (Ollama, vLLM, LM Studio, OpenAI itself). */
export function createOpenAiModelClient(options: OpenAiModelClientOptions): ModelClient {
  const { modelId } = options;
  const url = chatCompletionsUrl(options.baseUrl);
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const fetchImpl = options.fetch ?? fetch;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
  };
  const failure = (name: ModelErrorName, detail: string, cause?: unknown): ModelError =>
    new ModelError(name, `OpenAI-compatible call to model ${modelId} failed: ${detail}`, cause === undefined ? {} : { cause });

  const complete = async (request: ModelRequest): Promise<ModelResponse> => {
    const messages = [
      ...(request.system ? [{ role: 'system', content: request.system }] : []),
      { role: 'user', content: request.user },
    ];
    const body = JSON.stringify({
      model: modelId,
      messages,
      temperature: request.temperature,
      max_tokens: request.maxTokens,
      stream: false,
    });

    // One signal bounds the whole exchange, body included.
    const signal = AbortSignal.timeout(requestTimeoutMs);
    let status: number;
    let responseText: string;
    try {
      const response = await fetchImpl(url, { method: 'POST', headers, body, signal });
      status = response.status;
      responseText = await response.text();
    } catch (error) {
      const name = networkErrorName(error) ?? 'Model.Fatal';
      const detail = name === 'Model.Timeout' ? `no complete answer within ${requestTimeoutMs} ms` : 'request failed';
      throw failure(name, detail, error);
    }

    if (status < 200 || status >= 300) {
      const identifiers = errorIdentifiers(responseText);
      const label = [identifiers.type, identifiers.code].filter(Boolean).join('/');
      const cause = Object.assign(new Error(`HTTP ${status}${label ? ` ${label}` : ''}`), { status, ...identifiers });
      throw failure(classifyOpenAiStatus(status), `HTTP ${status}${label ? ` (${label})` : ''}`, cause);
    }

    let completion: ChatCompletion | null;
    try {
      completion = JSON.parse(responseText) as ChatCompletion | null;
    } catch (error) {
      throw failure('Model.InvalidResponse', 'the response body is not JSON', error);
    }
    const content = completion?.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') {
      throw failure('Model.InvalidResponse', 'the response has no choices[0].message.content');
    }
    return {
      text: content,
      // Some local servers omit usage; then tokens are estimated at about four characters each.
      inputTokens: tokenCount(completion?.usage?.prompt_tokens, () => estimateTokens(request.system + request.user)),
      outputTokens: tokenCount(completion?.usage?.completion_tokens, () => estimateTokens(content)),
    };
  };

  return { provider: 'openai', modelId, complete };
}
