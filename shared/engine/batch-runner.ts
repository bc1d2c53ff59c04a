import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import { ModelError, type ModelErrorName } from '#shared/errors/normflow-errors.ts';
import type { ModelClient } from '#shared/model/model-port.ts';
import { addUsage, NO_USAGE, type ModelUsage } from '#shared/model/model-usage.ts';
import { withRetry, type RetryPolicy } from '#shared/retry/retry-with-backoff.ts';
import { askModel, attemptUsage, finishBatch, prepareBatch, type InputRecord, type ModelOutcome, type NormalizedRecord } from './batch-normalizer.ts';
import type { ValueCache } from './value-cache.ts';

/** Outside the state machine the same policy applies in code: throttling and time-outs back off and retry. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 20_000 };

export interface RunTotals extends ModelUsage {
  cacheHits: number;
  /** Batches whose model call failed for good, by error name (their records kept the rules' values). */
  modelFailures: Partial<Record<ModelErrorName, number>>;
  /** The same failures by cause (`Model.Fatal: … HTTP 401 …`), each distinct cause once, with its batch count. */
  modelFailureCauses: Record<string, number>;
}

export interface BatchRunner {
  normalize(records: readonly InputRecord[]): Promise<NormalizedRecord[]>;
  totals(): RunTotals;
}

/**
 * Normalizes batches end to end for the CLI, the evaluation and the benchmark: rules, cache, one
 * model call per batch with retries, guardrails. A model that stays unavailable never stops the
 * run: the batch keeps the rules' values, flagged, and the failure is counted.
 */
export function createBatchRunner(options: {
  config: NormalizationConfig;
  model: ModelClient | undefined;
  cache: ValueCache;
  retry?: RetryPolicy;
}): BatchRunner {
  const { config, model, cache } = options;
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  let usage: ModelUsage = NO_USAGE;
  const modelFailures: RunTotals['modelFailures'] = {};
  const modelFailureCauses: RunTotals['modelFailureCauses'] = {};
  const add = (spent: ModelUsage) => {
    usage = addUsage(usage, spent);
  };

  async function callModel(batch: Awaited<ReturnType<typeof prepareBatch>>, client: ModelClient): Promise<ModelOutcome> {
    let invalidResponses = 0;
    try {
      const result = await withRetry(
        async () => {
          try {
            return await askModel(batch, client, config);
          } catch (error) {
            // Every HTTP attempt is a call; a failed one's tokens (an invalid or cut-off answer) count too.
            if (error instanceof ModelError && error.sent) add(attemptUsage(client, config, error.usage));
            throw error;
          }
        },
        {
          ...retry,
          // An invalid answer is worth one more try, not a back-off series.
          retryOn: (error) =>
            error instanceof ModelError &&
            (error.name === 'Model.Throttled' ||
              error.name === 'Model.Timeout' ||
              (error.name === 'Model.InvalidResponse' && ++invalidResponses <= 1)),
        },
      );
      add(result.usage);
      return { kind: 'answered', answers: result.answers };
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      modelFailures[error.name] = (modelFailures[error.name] ?? 0) + 1;
      const cause = `${error.name}: ${error.message}`;
      modelFailureCauses[cause] = (modelFailureCauses[cause] ?? 0) + 1;
      return { kind: 'unavailable' };
    }
  }

  return {
    async normalize(records) {
      const batch = await prepareBatch(records, config, cache, model);
      const outcome: ModelOutcome =
        model && batch.questions.length > 0 ? await callModel(batch, model) : { kind: 'not-asked' };
      const { records: normalized, newResolutions } = finishBatch(batch, outcome, config);
      if (config.cacheEnabled) await cache.store(newResolutions);
      return normalized;
    },
    totals: () => ({ ...usage, cacheHits: cache.hits, modelFailures: { ...modelFailures }, modelFailureCauses: { ...modelFailureCauses } }),
  };
}
