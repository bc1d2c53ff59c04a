/**
 * The part the fake Bedrock and fake OpenAI-compatible servers share: an HTTP server on
 * 127.0.0.1, a per-call script of faults, latency, an optional rate limit and the fake "model"
 * answer. Each protocol file only says how requests are read and answers are written on the wire.
 * Dependency-free (node:http only) so tests and the benchmark script can both use it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAKE_FAULTS = [
  'ok',
  'throttle',
  'timeout',
  'server-error',
  'auth-error',
  'markdown',
  'invalid-json',
  'hallucinate',
  /** A 200 answer whose text is empty (Bedrock: no content blocks; OpenAI: `content: null`). */
  'empty',
  /** A 200 whose HTTP body is not JSON at all (a proxy's HTML page). */
  'malformed-body',
  /** Headers and half the body sent, then the socket is destroyed. */
  'connection-reset',
  /** Headers and half the body sent, the rest held like `timeout` (a stalled stream). */
  'slow-body',
  /** A 200 whose body never ends: bytes as fast as the client reads them, until it hangs up. */
  'endless',
] as const;

export type FakeFault = (typeof FAKE_FAULTS)[number];

/** A fault with its knobs: `status` picks 500/503 for `server-error`, 401/403 for `auth-error`. */
export interface FakeFaultStep {
  kind: FakeFault;
  status?: number;
  /** For `timeout` and `slow-body`: how long the (rest of the) response is held before it is sent anyway. */
  holdMs?: number;
}

/** Any other service error, e.g. `{ kind: 'error', status: 400, errorType: 'ValidationException' }`. */
export interface FakeErrorStep {
  kind: 'error';
  status: number;
  errorType: string;
  message?: string;
}

export type FakeStep = FakeFault | FakeFaultStep | FakeErrorStep;

export interface FakeLatency {
  fixedMs: number;
  /** Uniform ± around fixedMs, never below 0. */
  jitterMs?: number;
}

export interface AnswerContext {
  system: string;
  modelId: string;
}

/** The fake model: the text it answers to a user prompt when the step is `ok`. */
export type FakeAnswer = (userPrompt: string, context: AnswerContext) => string;

export interface FakeServerOptions {
  answer?: FakeAnswer;
  /** Initial behaviour, same meaning as `setBehaviour(script, afterScript)`. */
  behaviour?: FakeStep | readonly FakeStep[];
  afterScript?: FakeStep;
  latency?: FakeLatency;
  /** Requests accepted per rolling second; beyond it the server answers as throttled. */
  rateLimitPerSecond?: number;
  /** Default hold of a `timeout` step; long enough to outlast any client timeout under test. */
  timeoutHoldMs?: number;
  /** Off for long benchmarks: only `requestCount` is kept, not every body. */
  recordRequests?: boolean;
  /** For latency jitter; inject for determinism. */
  random?: () => number;
}

export interface FakeRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  rawBody: string;
  /** The parsed JSON body, or undefined when it was not JSON. */
  body: unknown;
  modelId: string;
  system: string;
  user: string;
  /** What the server did with it (`rate-limited` when the rate limit answered). */
  outcome: FakeFault | 'error' | 'rate-limited' | 'not-found';
}

export interface FakeLlmServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: readonly FakeRequest[];
  readonly requestCount: number;
  /** TCP connections accepted, whether or not a request followed. */
  readonly connectionCount: number;
  /** Bytes the `endless` fault managed to write before the client hung up. */
  readonly endlessBytesSent: number;
  /**
   * A single step applies to every call from now on; a list is consumed one step per call,
   * then `afterScript` (default `ok`) applies.
   */
  setBehaviour(script: FakeStep | readonly FakeStep[], afterScript?: FakeStep): void;
  close(): Promise<void>;
}

/** What a protocol reads out of a request. */
export interface ParsedCall {
  modelId: string;
  system: string;
  user: string;
}

export interface AnswerUsage {
  inputTokens: number;
  outputTokens: number;
}

/** The wire format of one service. */
export interface FakeProtocol {
  /** undefined when the path is not this service's endpoint. */
  route(method: string, path: string): { modelId?: string } | undefined;
  parseCall(body: unknown, routedModelId: string | undefined): ParsedCall;
  sendAnswer(response: ServerResponse, text: string, usage: AnswerUsage, call: ParsedCall): void;
  sendEmptyAnswer(response: ServerResponse, usage: AnswerUsage, call: ParsedCall): void;
  /** `errorType` is the service's name for the error (e.g. `ThrottlingException`, `rate_limit_exceeded`). */
  sendError(response: ServerResponse, status: number, errorType: string, message: string): void;
  sendNotFound(response: ServerResponse): void;
  /** The service's error type for a fault that becomes an error response. */
  errorTypeFor(fault: 'throttle' | 'server-error' | 'auth-error', status: number): string;
}

/** Tokens the fakes report: about four characters a token. */
export const fakeTokenCount = (text: string): number => Math.ceil(text.length / 4);

/** Default fake model: answers every asked field with the value it was given. */
export const echoJsonAnswer: FakeAnswer = (userPrompt) => {
  const start = userPrompt.indexOf('{');
  const end = userPrompt.lastIndexOf('}');
  if (start < 0 || end <= start) return '{}';
  try {
    return JSON.stringify(JSON.parse(userPrompt.slice(start, end + 1)));
  } catch {
    return '{}';
  }
};

const UNRELATED_VALUES = ['Zapatería El Cóndor', 'Calle Falsa 123', 'Astronauta', 'Ushuaia', 'Doctorado en Magia'];

/** Keeps the JSON shape (so it parses) but replaces every value with an unrelated one. */
export function hallucinateAnswer(answer: string): string {
  let next = 0;
  const unrelated = (): string => UNRELATED_VALUES[next++ % UNRELATED_VALUES.length] ?? 'Zzz';
  const replace = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(replace);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, replace(inner)]));
    }
    return unrelated();
  };
  try {
    return JSON.stringify(replace(JSON.parse(answer)));
  } catch {
    return unrelated();
  }
}

export const markdownAnswer = (answer: string): string =>
  `Claro, aquí está el resultado normalizado:\n\n\`\`\`json\n${answer}\n\`\`\`\n`;

/** A trailing comma: the most common way a model breaks JSON. */
export const invalidJsonAnswer = (answer: string): string =>
  answer.endsWith('}') ? `${answer.slice(0, -1)},}` : `{${answer}`;

const DEFAULT_TIMEOUT_HOLD_MS = 30_000;

interface NormalizedStep {
  kind: FakeFault | 'error';
  status?: number;
  holdMs?: number;
  errorType?: string;
  message?: string;
}

const normalizeStep = (step: FakeStep): NormalizedStep => (typeof step === 'string' ? { kind: step } : step);

/** Sliding one-second window of accepted requests. */
class RateLimiter {
  readonly #perSecond: number;
  readonly #accepted: number[] = [];

  constructor(perSecond: number) {
    this.#perSecond = perSecond;
  }

  tryAccept(now: number): boolean {
    while (this.#accepted.length > 0 && (this.#accepted[0] ?? now) <= now - 1000) this.#accepted.shift();
    if (this.#accepted.length >= this.#perSecond) return false;
    this.#accepted.push(now);
    return true;
  }
}

export async function startFakeLlmServer(protocol: FakeProtocol, options: FakeServerOptions = {}): Promise<FakeLlmServer> {
  const answer = options.answer ?? echoJsonAnswer;
  const random = options.random ?? Math.random;
  const recordRequests = options.recordRequests ?? true;
  const timeoutHoldMs = options.timeoutHoldMs ?? DEFAULT_TIMEOUT_HOLD_MS;
  const rateLimiter = options.rateLimitPerSecond ? new RateLimiter(options.rateLimitPerSecond) : undefined;

  let script: NormalizedStep[] = [];
  let afterScript: NormalizedStep = { kind: 'ok' };
  const setBehaviour = (steps: FakeStep | readonly FakeStep[], after: FakeStep = 'ok'): void => {
    if (Array.isArray(steps)) {
      script = (steps as readonly FakeStep[]).map(normalizeStep);
      afterScript = normalizeStep(after);
    } else {
      script = [];
      afterScript = normalizeStep(steps as FakeStep);
    }
  };
  setBehaviour(options.behaviour ?? [], options.afterScript);

  const requests: FakeRequest[] = [];
  let requestCount = 0;
  const pendingTimers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  const latencyMs = (): number => {
    if (!options.latency) return 0;
    const { fixedMs, jitterMs = 0 } = options.latency;
    return Math.max(0, fixedMs + (random() * 2 - 1) * jitterMs);
  };

  const later = (response: ServerResponse, delayMs: number, send: () => void): void => {
    if (delayMs <= 0) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      if (!response.destroyed) send();
    }, delayMs);
    pendingTimers.add(timer);
    response.once('close', () => {
      clearTimeout(timer);
      pendingTimers.delete(timer);
    });
  };

  let endlessBytesSent = 0;
  const ENDLESS_CHUNK = Buffer.alloc(64 * 1024, 'a');
  const streamForever = (response: ServerResponse): void => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"choices":[{"message":{"role":"assistant","content":"');
    const pump = (): void => {
      while (!response.destroyed && !response.writableEnded) {
        endlessBytesSent += ENDLESS_CHUNK.byteLength;
        if (!response.write(ENDLESS_CHUNK)) {
          response.once('drain', pump);
          return;
        }
      }
    };
    pump();
  };

  const respond = (response: ServerResponse, step: NormalizedStep, call: ParsedCall): void => {
    const inputTokens = fakeTokenCount(call.system + call.user);
    const answerWith = (text: string): void =>
      protocol.sendAnswer(response, text, { inputTokens, outputTokens: fakeTokenCount(text) }, call);
    const modelAnswer = (): string => answer(call.user, { system: call.system, modelId: call.modelId });

    switch (step.kind) {
      case 'ok':
      case 'timeout':
        return answerWith(modelAnswer());
      case 'markdown':
        return answerWith(markdownAnswer(modelAnswer()));
      case 'invalid-json':
        return answerWith(invalidJsonAnswer(modelAnswer()));
      case 'hallucinate':
        return answerWith(hallucinateAnswer(modelAnswer()));
      case 'empty':
        return protocol.sendEmptyAnswer(response, { inputTokens, outputTokens: 0 }, call);
      case 'endless':
        return streamForever(response);
      case 'malformed-body':
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html><body>502 Bad Gateway</body></html>');
        return;
      case 'slow-body': {
        const end = response.end.bind(response);
        response.end = ((payload: string) => {
          const half = Math.floor(payload.length / 2);
          response.write(payload.slice(0, half));
          later(response, step.holdMs ?? timeoutHoldMs, () => end(payload.slice(half)));
          return response;
        }) as typeof response.end;
        return answerWith(modelAnswer());
      }
      case 'connection-reset': {
        const body = JSON.stringify({ partial: modelAnswer() });
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length * 2) });
        response.write(body);
        // Let the first bytes reach the client before the reset, as with a dropped slow response.
        setTimeout(() => response.socket?.destroy(), 10);
        return;
      }
      case 'throttle': {
        const status = step.status ?? 429;
        return protocol.sendError(response, status, protocol.errorTypeFor('throttle', status), 'Too many requests, please wait before trying again.');
      }
      case 'server-error': {
        const status = step.status ?? 500;
        return protocol.sendError(response, status, protocol.errorTypeFor('server-error', status), 'The server encountered an internal error.');
      }
      case 'auth-error': {
        const status = step.status ?? 403;
        return protocol.sendError(response, status, protocol.errorTypeFor('auth-error', status), 'You are not authorized to perform this operation.');
      }
      case 'error':
        return protocol.sendError(response, step.status ?? 400, step.errorType ?? 'Error', step.message ?? 'Request failed.');
    }
  };

  const handle = (request: IncomingMessage, response: ServerResponse, rawBody: string): void => {
    requestCount += 1;
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const routed = protocol.route(method, path.split('?')[0] ?? path);
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const call = routed ? protocol.parseCall(body, routed.modelId) : { modelId: '', system: '', user: '' };

    let outcome: FakeRequest['outcome'];
    let step: NormalizedStep | undefined;
    if (!routed) {
      outcome = 'not-found';
    } else if (rateLimiter && !rateLimiter.tryAccept(Date.now())) {
      outcome = 'rate-limited';
      step = { kind: 'throttle' };
    } else {
      step = script.shift() ?? afterScript;
      outcome = step.kind;
    }
    if (recordRequests) {
      requests.push({ method, path, headers: { ...request.headers }, rawBody, body, ...call, outcome });
    }

    if (!step) {
      protocol.sendNotFound(response);
      return;
    }
    const chosen = step;
    const delayMs = chosen.kind === 'timeout' ? (chosen.holdMs ?? timeoutHoldMs) : latencyMs();
    later(response, delayMs, () => respond(response, chosen, call));
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    // A client that gives up mid-upload is simply dropped.
    request.on('error', () => {});
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  let connectionCount = 0;
  server.on('connection', (socket) => {
    connectionCount += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get requestCount() {
      return requestCount;
    },
    get connectionCount() {
      return connectionCount;
    },
    get endlessBytesSent() {
      return endlessBytesSent;
    },
    setBehaviour,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of pendingTimers) clearTimeout(timer);
        pendingTimers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
