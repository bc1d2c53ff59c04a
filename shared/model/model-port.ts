/** What the engine needs from any LLM: one chat completion per call, with token usage. */
export interface ModelRequest {
  system: string;
  user: string;
  temperature: number;
  maxTokens: number;
  /**
   * Epoch ms after which the call may not start (its invocation would end before it could): a
   * quota slot further away is refused as `Model.Throttled` instead of waited for.
   */
  startBy?: number;
}

export interface ModelResponse {
  text: string;
  inputTokens: number;
  outputTokens: number;
}

export interface ModelClient {
  /** `bedrock` or `openai`: which adapter answered. */
  readonly provider: string;
  readonly modelId: string;
  /** Where the calls go (the chat-completions URL, or `bedrock-runtime:<region>`): part of every cache key. */
  readonly endpoint: string;
  /** Throws a ModelError (never returns an error-shaped response). */
  complete(request: ModelRequest): Promise<ModelResponse>;
}
