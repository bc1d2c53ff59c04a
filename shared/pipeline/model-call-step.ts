import { randomUUID } from 'node:crypto';
import { askModel, attemptUsage, prepareBatch, type PreparedBatch } from '#shared/engine/batch-normalizer.ts';
import { ValueCache } from '#shared/engine/value-cache.ts';
import { ModelCallInProgressError, ModelError } from '#shared/errors/normflow-errors.ts';
import type { ModelClient } from '#shared/model/model-port.ts';
import { NO_USAGE, type ModelUsage } from '#shared/model/model-usage.ts';
import { loadRecords } from './batch-steps.ts';
import type { BatchTask, PipelineDeps } from './pipeline-types.ts';

/** Time kept, after a model call, to save its answer and spend before the invocation ends. */
const ANSWER_SAVING_MS = 5_000;

interface InvokeModelOptions {
  /**
   * How long this invocation may still run (the Lambda context's remaining time): a claimed call
   * blocks a duplicate until then, and is presumed dead after, when Lambda has stopped it.
   */
  msLeft: number;
  /** Hears each attempt's spend as it happens (the per-batch cost metric). */
  onSpend?: (usage: ModelUsage) => void;
}

export interface ModelStepResult {
  /** `unavailable`: the model failed fatally (bad key, refused connection); the batch keeps the rules' values. */
  outcome: 'answered' | 'not-asked' | 'unavailable';
  questions: number;
  /** This invocation's spend (the batch's total is in its ledger). */
  usage: ModelUsage;
  /** Why the model was unavailable: error name and a cause without personal data. */
  failure?: { error: string; cause: string };
}

/**
 * InvokeModel: rules and cache first, then one model call for what is left. Idempotent per
 * (run, batch), as Powertools' idempotency utility does it: a completed call's result is returned
 * again without calling the model (a retry never pays twice), a call in progress elsewhere is not
 * duplicated. A lead of a split batch retried alone asks about other leads than its batch did, so
 * its call is keyed (run, batch, lead): never answered from the batch's saved answer. Every HTTP attempt's spend goes to the batch's ledger and to `onSpend` (the per-batch
 * cost metric) as it happens, an invalid answer's tokens included. Throttling, time-outs and
 * invalid answers are thrown for the state machine's Retry; a fatal failure keeps the rules' values.
 *
 * A batch with nothing to ask (no model configured, or the rules, the steward and the cache decided
 * every value) claims nothing and records nothing: there is no call to pay twice, and asking again
 * finds nothing to ask again (WriteResults prepares the batch afresh either way).
 */
export async function invokeModelStep(deps: PipelineDeps, task: BatchTask, options: InvokeModelOptions): Promise<ModelStepResult> {
  const { onSpend = () => undefined } = options;
  const invocationEnds = deps.now().getTime() + options.msLeft;
  const { runId, batchIndex, leadPosition, config } = task;
  let model: ModelClient | undefined;
  let batch: PreparedBatch;
  try {
    model = deps.modelFor(config);
    if (!model) return NOT_ASKED;
    const { records } = await loadRecords(deps, task);
    batch = await prepareBatch(records, config, new ValueCache({ persistent: deps.valueCacheStore }), model, deps.decisions);
  } catch (error) {
    if (error instanceof ModelError && error.name === 'Model.Fatal') return unavailable(error);
    throw error;
  }
  if (batch.questions.length === 0) return NOT_ASKED;

  const claimId = randomUUID();
  const claim = await deps.runs.claimModelCall(runId, batchIndex, { id: claimId, until: new Date(invocationEnds).toISOString() }, leadPosition);
  if (claim.status === 'completed') return { ...(claim.result as unknown as ModelStepResult), usage: NO_USAGE };
  if (claim.status === 'in-progress') throw new ModelCallInProgressError(`batch ${batchIndex}${leadPosition === undefined ? '' : ` (lead ${leadPosition})`} of run ${runId}: its model call is in progress until ${claim.until}`);

  const finish = async (result: ModelStepResult): Promise<ModelStepResult> => {
    await deps.runs.completeModelCall(runId, batchIndex, { ...result }, leadPosition);
    return result;
  };
  try {
    try {
      // A call must start early enough to finish (its own timeout) and save its answer before the invocation ends.
      const { answers, usage } = await askModel(batch, model, config, invocationEnds - config.model.requestTimeoutMs - ANSWER_SAVING_MS);
      await spend(deps, task, usage, onSpend);
      await deps.runs.saveModelAnswers(runId, batchIndex, answers, leadPosition);
      return await finish({ outcome: 'answered', questions: batch.questions.length, usage });
    } catch (error) {
      if (error instanceof ModelError && error.sent) await spend(deps, task, attemptUsage(model, config, error.usage), onSpend);
      throw error;
    }
  } catch (error) {
    // Never retried (a bad key stays bad): the batch keeps the rules' values, as `normalize` does.
    if (error instanceof ModelError && error.name === 'Model.Fatal') return finish(unavailable(error));
    await deps.runs.releaseModelCall(runId, batchIndex, claimId, leadPosition);
    throw error;
  }
}

const NOT_ASKED: ModelStepResult = { outcome: 'not-asked', questions: 0, usage: NO_USAGE };

const unavailable = (error: ModelError): ModelStepResult => ({ outcome: 'unavailable', questions: 0, usage: NO_USAGE, failure: { error: error.name, cause: error.message } });

async function spend(deps: PipelineDeps, task: BatchTask, usage: ModelUsage, onSpend: (usage: ModelUsage) => void): Promise<void> {
  onSpend(usage);
  await deps.runs.addBatchUsage(task.runId, task.batchIndex, usage, task.leadPosition);
}
