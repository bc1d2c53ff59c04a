import type { ModelErrorName } from '#shared/errors/normflow-errors.ts';

// A dropped or stalled connection is worth another try; the caller's retry policy bounds it.
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

// Nothing listens there or the name does not resolve: a configuration problem, retrying will not help.
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND']);

const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError']);

/**
 * Model error name for a socket-level failure found on the error or its `cause` chain
 * (fetch wraps the socket error in `TypeError: fetch failed`); undefined when it is not one.
 */
export function networkErrorName(error: unknown): ModelErrorName | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return 'Model.Timeout';
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return 'Model.Fatal';
    if (typeof name === 'string' && TIMEOUT_NAMES.has(name)) return 'Model.Timeout';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const DESCRIBED_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/**
 * Why a socket-level failure happened, for the run summary: `connection refused by 127.0.0.1:9 (ECONNREFUSED)`.
 * Only the code and the endpoint (configuration, never personal data); undefined when it is not one.
 */
export function describeNetworkError(error: unknown, endpoint: string): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const { code } = current as { code?: unknown };
    if (typeof code === 'string' && (DESCRIBED_CODES[code] ?? TRANSIENT_CODES.has(code))) {
      return `${DESCRIBED_CODES[code] ?? 'network error'} at ${endpoint} (${code})`;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Rough token count (about four characters a token) for servers that report no usage. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);
