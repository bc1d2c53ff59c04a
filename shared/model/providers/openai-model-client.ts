import { type AttemptUsage, ModelError, type ModelErrorName } from '#shared/errors/normflow-errors.ts';
import type { ModelClient, ModelRequest, ModelResponse } from '../model-port.ts';
import { findResponseTooLarge, readBoundedText } from './bounded-body.ts';
import { describeNetworkError, estimateTokens, networkErrorName } from './network-errors.ts';

export interface OpenAiModelClientOptions {
  /** Server root, with or without the trailing `/v1` (`http://localhost:11434` or `http://localhost:11434/v1`). */
  baseUrl: string;
  modelId: string;
  /** The key, or how to get it (a Secrets Manager read, cached by the caller); read at the first call. */
  apiKey?: string | (() => Promise<string | undefined>);
  requestTimeoutMs?: number;
  /** Largest response body read; past it the answer is cut off (`Model.InvalidResponse`). */
  maxResponseBytes?: number;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

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

/** Statuses whose message is about the caller's credentials or the endpoint, never about the prompt. */
const STATUSES_WITH_SAFE_MESSAGE = new Set([401, 403, 404]);
const MAX_PROVIDER_MESSAGE = 200;

/**
 * The short, machine-readable parts of an error body, and for credential and endpoint errors
 * (401, 403, 404) the provider's message too: it says what to fix. Other messages may echo the
 * prompt, so they are dropped. Anything shaped like a key is masked.
 */
function errorIdentifiers(body: string, status: number): { type?: string; code?: string; message?: string } {
  const identifier = (value: unknown): string | undefined =>
    typeof value === 'string' && /^[\w.:-]{1,80}$/.test(value) ? value : undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    const error = (parsed as { error?: { type?: unknown; code?: unknown; message?: unknown } | string } | null)?.error;
    const fields = typeof error === 'object' && error !== null ? error : { message: error };
    const type = identifier(fields.type);
    const code = identifier(fields.code);
    const message =
      STATUSES_WITH_SAFE_MESSAGE.has(status) && typeof fields.message === 'string' ? safeProviderMessage(fields.message) : undefined;
    return { ...(type ? { type } : {}), ...(code ? { code } : {}), ...(message ? { message } : {}) };
  } catch {
    return {};
  }
}

function safeProviderMessage(message: string): string | undefined {
  const cleaned = message
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/[A-Za-z0-9_-]{20,}/g, '***')
    .replace(/\s+/g, ' ')
    .trim();
  if (cleaned === '') return undefined;
  return cleaned.length > MAX_PROVIDER_MESSAGE ? `${cleaned.slice(0, MAX_PROVIDER_MESSAGE)}…` : cleaned;
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
  const endpoint = new URL(url).host;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const fetchImpl = options.fetch ?? fetch;
  const keySource = options.apiKey;
  let headers: Promise<Record<string, string>> | undefined;
  const headersOnce = (): Promise<Record<string, string>> =>
    (headers ??= (async () => {
      const apiKey = typeof keySource === 'function' ? await keySource() : keySource;
      return { 'content-type': 'application/json', accept: 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) };
    })().catch((error: unknown) => {
      headers = undefined;
      throw error;
    }));
  const failure = (name: ModelErrorName, detail: string, extra: { cause?: unknown; usage?: AttemptUsage } = {}): ModelError =>
    new ModelError(name, `OpenAI-compatible call to model ${modelId} at ${endpoint} failed: ${detail}`, extra);

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

    const requestHeaders = await headersOnce();
    const promptTokens = () => estimateTokens(request.system + request.user);
    // One signal bounds the whole exchange, body included; the byte cap bounds what is kept of it.
    const signal = AbortSignal.timeout(requestTimeoutMs);
    let status: number;
    let responseText: string;
    try {
      const response = await fetchImpl(url, { method: 'POST', headers: requestHeaders, body, signal });
      status = response.status;
      responseText = await readBoundedText(response, maxResponseBytes);
    } catch (error) {
      const tooLarge = findResponseTooLarge(error);
      if (tooLarge) {
        // The server generated (and bills) what it sent: about four bytes a token.
        const usage = { inputTokens: promptTokens(), outputTokens: Math.ceil(tooLarge.bytesRead / 4) };
        throw failure('Model.InvalidResponse', tooLarge.message, { cause: error, usage });
      }
      const name = networkErrorName(error) ?? 'Model.Fatal';
      const detail =
        name === 'Model.Timeout' && !describeNetworkError(error, endpoint)
          ? `no complete answer within ${requestTimeoutMs} ms`
          : (describeNetworkError(error, endpoint) ?? 'request failed');
      throw failure(name, detail, { cause: error });
    }

    if (status < 200 || status >= 300) {
      const identifiers = errorIdentifiers(responseText, status);
      const label = [identifiers.type, identifiers.code].filter(Boolean).join('/');
      const cause = Object.assign(new Error(`HTTP ${status}${label ? ` ${label}` : ''}`), { status, ...identifiers });
      const said = identifiers.message ? `: ${identifiers.message}` : '';
      throw failure(classifyOpenAiStatus(status), `HTTP ${status}${label ? ` (${label})` : ''}${said}`, { cause });
    }

    let completion: ChatCompletion | null;
    try {
      completion = JSON.parse(responseText) as ChatCompletion | null;
    } catch (error) {
      const usage = { inputTokens: promptTokens(), outputTokens: estimateTokens(responseText) };
      throw failure('Model.InvalidResponse', 'the response body is not JSON', { cause: error, usage });
    }
    const content = completion?.choices?.[0]?.message?.content;
    const usage = {
      // Some local servers omit usage; then tokens are estimated at about four characters each.
      inputTokens: tokenCount(completion?.usage?.prompt_tokens, promptTokens),
      outputTokens: tokenCount(completion?.usage?.completion_tokens, () => estimateTokens(typeof content === 'string' ? content : '')),
    };
    if (typeof content !== 'string' || content.trim() === '') {
      throw failure('Model.InvalidResponse', 'the response has no choices[0].message.content', { usage });
    }
    return { text: content, ...usage };
  };

  return { provider: 'openai', modelId, endpoint: url, complete };
}
