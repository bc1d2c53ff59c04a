import { z } from 'zod';
import { normalizationConfigSchema, type NormalizationConfig } from '#shared/config/normalization-config.ts';

/** Payload shapes of the Task states, checked at each Lambda's boundary. */
const runContext = z.object({ runId: z.string().min(1), executionId: z.string().min(1), startedAt: z.string().min(1) });
const runRequest = z.object({
  forceAll: z.boolean(),
  maxLeads: z.number().int().nullable(),
  dryRun: z.boolean(),
  leadIds: z.array(z.string()).nullable(),
});
/** The last config a Task's payload carried, by its JSON, as parsed (frozen: every later Task that carries it gets this object). */
let lastConfig: { json: string; config: NormalizationConfig } | undefined;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/**
 * The config every Task receives, checked by the config schema, which is by far the largest part
 * of a payload: a run hands the same config to each of its Tasks, so the same JSON is checked once
 * per Lambda container (and once per local run) and the result given again.
 */
const taskConfig = z.unknown().transform((value, context): NormalizationConfig => {
  // Undefined (no config at all) has no JSON, and must not match a config not yet remembered.
  const json = JSON.stringify(value) as string | undefined;
  const remembered = lastConfig;
  if (json !== undefined && remembered?.json === json) return remembered.config;
  const parsed = normalizationConfigSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) context.addIssue({ ...issue, code: 'custom', input: value });
    return z.NEVER;
  }
  const config = deepFreeze(parsed.data);
  if (json !== undefined) lastConfig = { json, config };
  return config;
});

const usage = z.object({ modelCalls: z.number(), inputTokens: z.number(), outputTokens: z.number(), costUSD: z.number() });

export const loadConfigPayload = z.object({
  input: z.unknown(),
  executionId: z.string().min(1),
  startedAt: z.string().min(1),
});

export const planRunPayload = z.object({
  run: runContext,
  request: runRequest,
  config: taskConfig,
});

const planMode = z.enum(['ids', 'scan', 'due-index']);

export const segmentTaskPayload = planRunPayload.extend({
  plan: z.object({ mode: planMode, totalSegments: z.number().int().min(1), round: z.number().int().min(0) }),
  segment: z.number().int().min(0),
  pagesDone: z.number().int().min(0),
});

export const finishPagePayload = segmentTaskPayload.extend({
  page: z.object({
    batches: z.array(z.number().int().min(0)),
    batchCount: z.number().int().min(0),
    selected: z.number().int().min(0),
    cursor: z.string().nullable(),
    done: z.boolean(),
    passedOver: z.number().int().min(0),
    startCursor: z.string().nullable(),
  }),
});

const batchTask = z.object({
  runId: z.string().min(1),
  batchIndex: z.number().int().min(0),
  leadPosition: z.number().int().min(0).optional(),
  config: taskConfig,
  dryRun: z.boolean(),
});

export const batchStepPayload = batchTask.extend({
  model: z
    .object({
      value: z.object({
        outcome: z.enum(['answered', 'not-asked', 'unavailable']),
        questions: z.number(),
        usage,
        failure: z.object({ error: z.string(), cause: z.string() }).optional(),
      }),
    })
    .optional(),
  modelFailure: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});

export const batchFailurePayload = z.object({
  runId: z.string().min(1),
  batchIndex: z.number().int().min(0),
  failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }),
});

export const leadFailurePayload = batchTask.extend({
  leadPosition: z.number().int().min(0),
  failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }),
});

/** What a Catch puts at its ResultPath. */
const caughtError = z.object({ Error: z.string(), Cause: z.string().optional() });

export const releaseRunLockPayload = z.object({
  run: runContext,
  failure: caughtError,
});

export const reportPayload = planRunPayload.extend({
  plan: z.object({
    status: z.enum(['planned', 'locked']),
    reason: z.string().nullable(),
    mode: planMode,
    totalSegments: z.number().int().min(0),
    segments: z.array(z.number().int().min(0)),
    round: z.number().int().min(0),
    holdsLock: z.boolean(),
  }),
});
