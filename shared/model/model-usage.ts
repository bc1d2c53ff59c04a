/** What model calls cost: HTTP attempts (failed ones included), their tokens, and the estimated dollars. */
export interface ModelUsage {
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUSD: number;
}

export const NO_USAGE: Readonly<ModelUsage> = { modelCalls: 0, inputTokens: 0, outputTokens: 0, costUSD: 0 };

export const addUsage = (a: Readonly<ModelUsage>, b: Readonly<ModelUsage>): ModelUsage => ({
  modelCalls: a.modelCalls + b.modelCalls,
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  costUSD: a.costUSD + b.costUSD,
});
