import {
  BedrockRuntimeClient,
  ConverseCommand,
  type BedrockRuntimeClientConfig,
  type ConverseCommandOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { ModelError, type ModelErrorName } from '#shared/errors/normflow-errors.ts';
import type { ModelClient, ModelRequest, ModelResponse } from '../model-port.ts';
import { BoundedNodeHttpHandler, findResponseTooLarge } from './bounded-body.ts';
import { describeNetworkError, estimateTokens, networkErrorName } from './network-errors.ts';

export interface BedrockModelClientOptions {
  modelId: string;
  /** Unset: the SDK's usual lookup (AWS_REGION, profile). */
  region?: string;
  /** Only for tests and private endpoints; unset uses the regional Bedrock Runtime endpoint. */
  endpoint?: string;
  requestTimeoutMs?: number;
  /** Largest response body read; past it the answer is cut off (`Model.InvalidResponse`). */
  maxResponseBytes?: number;
  /** Unset: the SDK's default credential chain (Lambda role, env, profile). */
  credentials?: BedrockRuntimeClientConfig['credentials'];
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

// The handler may warn about socket usage; the product writes nothing to the console.
const silentLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

const THROTTLED_ERRORS = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'ServiceQuotaExceededException',
  'TooManyRequestsException',
  // Bedrock asks callers to retry it ("the SDK retries it automatically"); our retry policy does that.
  'ModelNotReadyException',
]);

const TIMEOUT_ERRORS = new Set(['TimeoutError', 'AbortError', 'ModelTimeoutException', 'RequestTimeout', 'RequestTimeoutException']);

const FATAL_ERRORS = new Set([
  'AccessDeniedException',
  'ValidationException',
  'ResourceNotFoundException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ConflictException',
  'CredentialsProviderError',
]);

interface SdkErrorShape {
  name?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** Error name of an SDK or network failure; the message never carries the service's text (it may echo input). */
export function classifyBedrockError(error: unknown): ModelErrorName {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;

  if (THROTTLED_ERRORS.has(name)) return 'Model.Throttled';
  if (TIMEOUT_ERRORS.has(name)) return 'Model.Timeout';
  if (findResponseTooLarge(error)) return 'Model.InvalidResponse';
  if (FATAL_ERRORS.has(name)) return 'Model.Fatal';
  // The model itself failed while answering (HTTP 424): an unusable answer, retried like one.
  if (name === 'ModelErrorException') return 'Model.InvalidResponse';
  const network = networkErrorName(error);
  if (network) return network;
  if (status === 429 || status === 503 || status === 502) return 'Model.Throttled';
  if (status === 504 || status === 408) return 'Model.Timeout';
  // A 200 whose body the SDK could not read.
  if (status !== undefined && status >= 200 && status < 300) return 'Model.InvalidResponse';
  // Other server faults (500 InternalServerException …) are transient: back off and retry.
  if (shape.$fault === 'server' || (status !== undefined && status >= 500)) return 'Model.Throttled';
  return 'Model.Fatal';
}

/**
 * Why the call failed, in words an operator can act on, never with the service's free text (it may
 * echo the prompt): no credentials, no region, access denied, the connection refused, an HTTP status.
 */
function describeFailure(error: unknown, modelId: string, endpoint: string): string {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape & { message?: unknown };
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const status = shape.$metadata?.httpStatusCode;
  const prefix = `Bedrock Converse failed for model ${modelId}`;
  if (name === 'CredentialsProviderError') return `${prefix}: no AWS credentials found (CredentialsProviderError)`;
  if (typeof shape.message === 'string' && /region is missing/i.test(shape.message)) {
    return `${prefix}: the AWS region is missing (set AWS_REGION, or the deployment's model region)`;
  }
  const tooLarge = findResponseTooLarge(error);
  if (tooLarge) return `${prefix}: ${tooLarge.message}`;
  const network = describeNetworkError(error, endpoint);
  if (network) return `${prefix}: ${network}`;
  return `${prefix}: ${name}${typeof status === 'number' ? ` (HTTP ${status})` : ''}`;
}

const answerText = (output: ConverseCommandOutput): string =>
  (output.output?.message?.content ?? [])
    .flatMap((block) => (typeof block.text === 'string' ? [block.text] : []))
    .join('');

/**
 * Bedrock through the model-agnostic Converse API. The SDK makes one attempt only: retries
 * belong to the caller's policy (the state machine's Retry or the CLI's withRetry).
 */
export function createBedrockModelClient(options: BedrockModelClientOptions): ModelClient {
  const { modelId } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const endpoint = options.endpoint ?? `bedrock-runtime:${options.region ?? process.env.AWS_REGION ?? 'default-region'}`;
  const client = new BedrockRuntimeClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 1,
    logger: silentLogger,
    requestHandler: new BoundedNodeHttpHandler({
      connectionTimeout: requestTimeoutMs,
      requestTimeout: requestTimeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: requestTimeoutMs,
      logger: silentLogger,
      maxResponseBytes,
    }),
  });

  const complete = async (request: ModelRequest): Promise<ModelResponse> => {
    const command = new ConverseCommand({
      modelId,
      // Bedrock rejects an empty system block.
      ...(request.system ? { system: [{ text: request.system }] } : {}),
      messages: [{ role: 'user', content: [{ text: request.user }] }],
      inferenceConfig: { temperature: request.temperature, maxTokens: request.maxTokens },
    });

    // The handler's timeout stops at the response headers; this deadline also bounds the body.
    const controller = new AbortController();
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => {
        controller.abort();
        reject(new ModelError('Model.Timeout', `Bedrock Converse for model ${modelId} exceeded ${requestTimeoutMs} ms`));
      }, requestTimeoutMs);
    });

    let output: ConverseCommandOutput;
    try {
      output = await Promise.race([client.send(command, { abortSignal: controller.signal }), timedOut]);
    } catch (error) {
      if (error instanceof ModelError) throw error;
      const tooLarge = findResponseTooLarge(error);
      // A cut-off answer was generated, and is billed: about four bytes a token.
      const usage = tooLarge
        ? { inputTokens: estimateTokens(request.system + request.user), outputTokens: Math.ceil(tooLarge.bytesRead / 4) }
        : undefined;
      throw new ModelError(classifyBedrockError(error), describeFailure(error, modelId, endpoint), { cause: error, ...(usage ? { usage } : {}) });
    } finally {
      clearTimeout(deadline);
    }

    const text = answerText(output);
    const usage = {
      inputTokens: output.usage?.inputTokens ?? estimateTokens(request.system + request.user),
      outputTokens: output.usage?.outputTokens ?? estimateTokens(text),
    };
    if (text.trim() === '') {
      throw new ModelError(
        'Model.InvalidResponse',
        `Bedrock model ${modelId} returned no text (stopReason ${output.stopReason ?? 'unknown'})`,
        { usage },
      );
    }
    return { text, ...usage };
  };

  return { provider: 'bedrock', modelId, endpoint, complete };
}
