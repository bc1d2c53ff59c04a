import {
  finishBatch,
  prepareBatch,
  type InputRecord,
  type ModelAnswerSet,
  type ModelOutcome,
  type NormalizedRecord,
} from '#shared/engine/batch-normalizer.ts';
import { RunTally } from '#shared/eval/run-tally.ts';
import { ValueCache } from '#shared/engine/value-cache.ts';
import { NO_USAGE } from '#shared/model/model-usage.ts';
import { RULES_VERSION } from '#shared/rules/index.ts';
import { dueAtAfter, dueShardOf } from '#shared/stores/due-leads-index.ts';
import { expectedOriginalsOf, hashOriginals } from '#shared/stores/original-expectations.ts';
import type { LeadItem, OriginalExpectation, WriteOutcome } from '#shared/stores/store-ports.ts';
import type { ModelStepResult } from './model-call-step.ts';
import { failureStampOf, nextFailureStamp } from './poison-leads.ts';
import type { BatchResult, BatchTask, PipelineDeps } from './pipeline-types.ts';

/** A lead to write: what was computed, and what its originals must still be for it to hold. */
interface PendingWrite extends NormalizedRecord {
  expectedOriginals: Record<string, OriginalExpectation>;
  sourceHash: string;
  /** The steward's re-normalization request the values were computed under, if any. */
  renormalizeRequestedAt?: string;
  /** The lead was read with no normalization and no history (see NormalizationWrite). */
  firstNormalization?: true;
}

/** The batch's lead ids, or the one lead of it a split batch retries alone. */
async function loadIds(deps: PipelineDeps, task: Pick<BatchTask, 'runId' | 'batchIndex' | 'leadPosition'>): Promise<string[]> {
  const ids = await deps.runs.loadBatch(task.runId, task.batchIndex);
  if (task.leadPosition === undefined) return ids;
  const id = ids[task.leadPosition];
  return id === undefined ? [] : [id];
}

function emptyResult(task: Pick<BatchTask, 'batchIndex' | 'leadPosition'>): BatchResult {
  return {
    batchIndex: task.batchIndex,
    leadPosition: task.leadPosition ?? null,
    status: 'ok',
    error: null,
    selected: 0,
    normalized: 0,
    unchanged: 0,
    skipped: { edited: 0, deleted: 0, missing: 0, refused: 0 },
    fields: {},
    flags: {},
    usage: NO_USAGE,
    cacheHits: 0,
    modelFailure: null,
    modelFailureCause: null,
    poisoned: 0,
  };
}

/** The leads of the batch (or of the one lead retried alone) as they are now; `ids` includes those gone. */
export async function loadRecords(deps: PipelineDeps, task: BatchTask): Promise<{ ids: string[]; records: InputRecord[]; items: Map<string, LeadItem> }> {
  const ids = await loadIds(deps, task);
  const items = await deps.leads.getMany(ids);
  const records = ids.flatMap((id) => {
    const item = items.get(id);
    return item ? [{ id, attributes: item }] : [];
  });
  return { ids, records, items };
}

/** A batch as InvokeModel leaves it: what the model did, or how it failed (caught by the state machine). */
type BatchStepTask = BatchTask & { model?: { value: ModelStepResult }; modelFailure?: { Error: string } };

/** The batch's leads normalized: the rules' values merged with the model's answers through the guardrails. */
async function normalizeBatch(
  deps: PipelineDeps,
  task: BatchStepTask,
): Promise<{ writes: PendingWrite[]; read: Map<string, LeadItem>; missing: number; cacheHits: number }> {
  const model = deps.modelFor(task.config);
  const { ids, records, items } = await loadRecords(deps, task);
  const cache = new ValueCache({ persistent: deps.valueCacheStore, ttlDays: task.config.cacheTtlDays });
  const batch = await prepareBatch(records, task.config, cache, model, deps.decisions);

  let outcome: ModelOutcome = { kind: 'not-asked' };
  if (task.modelFailure || task.model?.value.outcome === 'unavailable') outcome = { kind: 'unavailable' };
  else if (task.model?.value.outcome === 'answered') {
    const answers = (await deps.runs.loadModelAnswers(task.runId, task.batchIndex, task.leadPosition)) as ModelAnswerSet | undefined;
    outcome = { kind: 'answered', answers: answers ?? {} };
  }
  const { records: normalized, newResolutions } = finishBatch(batch, outcome, task.config);
  if (task.config.cacheEnabled) await cache.store(newResolutions);

  const byId = new Map(records.map((record) => [record.id, record.attributes]));
  const writes = normalized.map((record): PendingWrite => {
    const item = byId.get(record.id) ?? {};
    const expectedOriginals = expectedOriginalsOf(item, Object.keys(task.config.fields));
    const requested = item.renormalizeRequestedAt;
    const first = item.normalizedAt === undefined && item.normalizationHistory === undefined;
    return {
      ...record,
      expectedOriginals,
      sourceHash: hashOriginals(expectedOriginals),
      ...(typeof requested === 'string' ? { renormalizeRequestedAt: requested } : {}),
      ...(first ? { firstNormalization: true as const } : {}),
    };
  });
  return { writes, read: items, missing: ids.length - records.length, cacheHits: cache.hits };
}

/**
 * WriteResults: the batch normalized (every model answer through the guardrails, merged with the
 * rules' values; when the model stayed unavailable, the rules' values, flagged), then one
 * conditional update per lead (skipped when edited or deleted since read); in a dry run nothing is
 * written and the result says what would change. Both in one invocation, so nothing but the
 * model's saved answers crosses between Lambdas: a retry normalizes the leads again as they are
 * then, and a lead an earlier attempt wrote is counted once (`writeNormalizations`).
 */
export async function writeResultsStep(
  deps: PipelineDeps,
  task: BatchStepTask,
): Promise<BatchResult> {
  const output = await normalizeBatch(deps, task);
  // Every attempt of the batch (or of the lead retried alone), failed ones included, as the ledger counted them.
  const usage = await deps.runs.loadBatchUsage(task.runId, task.batchIndex, task.leadPosition);

  const result: BatchResult = {
    ...emptyResult(task),
    // One record per lead found; the others are missing.
    selected: output.writes.length + output.missing,
    skipped: { edited: 0, deleted: 0, missing: output.missing, refused: 0 },
    usage,
    cacheHits: output.cacheHits,
    modelFailure: modelFailureOf(task)?.error ?? null,
    modelFailureCause: modelFailureOf(task)?.cause ?? null,
  };
  const tally = new RunTally(task.config);
  const normalizedAt = deps.now().toISOString();
  const outcomes = task.dryRun
    ? output.writes.map((): WriteOutcome => 'written')
    : await deps.leads.writeNormalizations(
        output.writes.map((write) => ({
          leadId: write.id,
          runId: task.runId,
          ...(write.renormalizeRequestedAt ? { renormalizeRequestedAt: write.renormalizeRequestedAt } : {}),
          ...(write.firstNormalization ? { firstNormalization: true as const } : {}),
          expectedOriginals: write.expectedOriginals,
          normalizedData: write.normalizedData,
          normalizationMeta: write.normalizationMeta,
          normalizedAt,
          normalizationVersion: RULES_VERSION,
          sourceHash: write.sourceHash,
          due: { shard: dueShardOf(write.id), at: dueAtAfter(normalizedAt, task.config.normalizationTTLDays) },
        })),
        // The versions they replace, as read to normalize them (consistently): read once, not again for the history.
        output.read,
      );
  output.writes.forEach((write, index) => {
    const outcome = outcomes[index];
    if (outcome === 'changed') result.skipped.edited += 1;
    else if (outcome === 'deleted') result.skipped.deleted += 1;
    else if (outcome === 'refused') result.skipped.refused += 1;
    else {
      tally.add(valuesSeen(write.expectedOriginals), write);
      // Only values that were there can change: a field absent or null stays so.
      if (Object.values(write.normalizationMeta).some((meta) => meta.changed)) result.normalized += 1;
      else result.unchanged += 1;
    }
  });
  for (const [field, fieldTally] of Object.entries(tally.fields)) {
    result.fields[field] = { total: fieldTally.total, changed: fieldTally.changed };
    for (const [flag, count] of Object.entries(fieldTally.flags)) result.flags[flag] = (result.flags[flag] ?? 0) + (count ?? 0);
  }
  await deps.runs.saveBatchResult(task.runId, task.batchIndex, { ...result }, task.leadPosition);
  return result;
}

/**
 * SplitBatch: a batch that failed as a whole is retried lead by lead, so one bad lead never fails
 * the others. Records the split (the leads' own results follow) and returns each lead's position.
 */
export async function splitBatchStep(
  deps: PipelineDeps,
  task: { runId: string; batchIndex: number; failure: { Error?: string } },
): Promise<{ positions: number[] }> {
  const ids = await deps.runs.loadBatch(task.runId, task.batchIndex);
  // What the batch spent before it failed counts here; each lead's retry has a ledger of its own.
  const usage = await deps.runs.loadBatchUsage(task.runId, task.batchIndex);
  await deps.runs.saveBatchResult(task.runId, task.batchIndex, { ...emptyResult(task), status: 'split', error: task.failure.Error ?? 'States.ALL', usage });
  return { positions: ids.map((_, position) => position) };
}

/**
 * RecordLeadFailure: a lead that failed alone is counted failed by error name and stamped on the
 * lead (unless a dry run); at `poisonAfterFailures` failures of the same originals it is poisoned.
 */
export async function recordLeadFailureStep(
  deps: PipelineDeps,
  task: BatchTask & { leadPosition: number; failure: { Error?: string; Cause?: string } },
): Promise<BatchResult> {
  const error = task.failure.Error ?? 'States.ALL';
  const [leadId] = await loadIds(deps, task);
  const item = leadId === undefined ? undefined : (await deps.leads.getMany([leadId])).get(leadId);
  const result: BatchResult = {
    ...emptyResult(task),
    status: 'failed',
    error,
    selected: 1,
    // The lead's retry may still have paid for model calls.
    usage: await deps.runs.loadBatchUsage(task.runId, task.batchIndex, task.leadPosition),
    errorCause: namedCause(task.failure),
  };
  if (leadId !== undefined && item && !task.dryRun) {
    const expectedOriginals = expectedOriginalsOf(item, Object.keys(task.config.fields));
    const previous = failureStampOf(item);
    const stamp = nextFailureStamp(previous, { error, sourceHash: hashOriginals(expectedOriginals), failedAt: deps.now().toISOString() }, task.config.poisonAfterFailures);
    const stamped = await deps.leads.recordFailure({
      leadId,
      expectedOriginals,
      stamp,
      previousFailedAt: previous?.failedAt,
      // Due again next night, unless poisoned: then out of the index of due leads until its originals change.
      due: stamp.poisonedAt ? null : { shard: dueShardOf(leadId), at: stamp.failedAt },
    });
    // Not stamped: edited, deleted or stamped meanwhile; the next run sees the lead as it is now.
    if (stamped && stamp.poisonedAt && !previous?.poisonedAt) result.poisoned = 1;
  }
  await deps.runs.saveBatchResult(task.runId, task.batchIndex, { ...result }, task.leadPosition);
  return result;
}

/**
 * RecordBatchFailure: the last resort when a batch could not even be retried lead by lead; the
 * leads without a result of their own are recorded failed by error name, and the other batches go on.
 */
export async function recordBatchFailureStep(
  deps: PipelineDeps,
  task: { runId: string; batchIndex: number; failure: { Error?: string; Cause?: string } },
): Promise<BatchResult> {
  const ids = await deps.runs.loadBatch(task.runId, task.batchIndex);
  const ownResults = (await deps.runs.listBatchResults(task.runId, { first: task.batchIndex, last: task.batchIndex })).filter((result) => typeof result.leadPosition === 'number');
  const result: BatchResult = {
    ...emptyResult(task),
    status: 'failed',
    error: task.failure.Error ?? 'States.ALL',
    selected: Math.max(0, ids.length - ownResults.length),
    // A failed batch may still have paid for model calls.
    usage: await deps.runs.loadBatchUsage(task.runId, task.batchIndex),
    errorCause: namedCause(task.failure),
  };
  await deps.runs.saveBatchResult(task.runId, task.batchIndex, { ...result });
  return result;
}

/** The message of a Step Functions error (`Cause` is the Lambda's JSON error on AWS, the message locally), shortened. */
export function causeOf(failure: { Error?: string; Cause?: string } | undefined): string | null {
  if (!failure?.Cause) return null;
  let message = failure.Cause;
  try {
    const parsed = JSON.parse(failure.Cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not JSON: the message itself.
  }
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

/** The cause of a failure whose message carries no personal data (model and config errors); null for any other. */
function namedCause(failure: { Error?: string; Cause?: string }): string | null {
  return failure.Error?.startsWith('Model.') || failure.Error === 'Config.Invalid' ? causeOf(failure) : null;
}

/** How the model failed for this batch, if it did: caught by the state machine after its retries, or fatal in InvokeModel. */
function modelFailureOf(task: { model?: { value: ModelStepResult }; modelFailure?: { Error: string; Cause?: string } }): { error: string; cause: string | null } | undefined {
  if (task.modelFailure) return { error: task.modelFailure.Error, cause: causeOf(task.modelFailure) };
  const failure = task.model?.value.failure;
  return failure ? { error: failure.error, cause: failure.cause } : undefined;
}

/** For the tally: null where the original was null, absent where absent, a marker where there was a value. */
function valuesSeen(expectations: Record<string, OriginalExpectation>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(expectations).map(([field, expected]) => [field, 'absent' in expected ? undefined : 'type' in expected && expected.type === 'NULL' ? null : true]),
  );
}
