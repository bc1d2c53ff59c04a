import { z } from 'zod';
import { normalizationConfigSchema } from '#shared/config/normalization-config.ts';

/** Payload shapes of the Task states, checked at each Lambda's boundary. */
const runContext = z.object({ runId: z.string().min(1), executionId: z.string().min(1), startedAt: z.string().min(1) });
const runRequest = z.object({
  forceAll: z.boolean(),
  maxLeads: z.number().int().nullable(),
  dryRun: z.boolean(),
  leadIds: z.array(z.string()).nullable(),
});
const progress = z.object({ iteration: z.number().int().min(0), batchOffset: z.number().int().min(0), cursor: z.string().nullable() });
const usage = z.object({ modelCalls: z.number(), inputTokens: z.number(), outputTokens: z.number(), costUSD: z.number() });

export const loadConfigPayload = z.object({
  input: z.unknown(),
  executionId: z.string().min(1),
  startedAt: z.string().min(1),
});

export const selectLeadsPayload = z.object({
  run: runContext,
  request: runRequest,
  config: normalizationConfigSchema,
  progress,
});

const batchTask = z.object({
  runId: z.string().min(1),
  batchIndex: z.number().int().min(0),
  config: normalizationConfigSchema,
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
  post: z.unknown().optional(),
});

export const batchFailurePayload = z.object({
  runId: z.string().min(1),
  batchIndex: z.number().int().min(0),
  failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }),
});

export const reportPayload = z.object({
  run: runContext,
  request: runRequest,
  config: normalizationConfigSchema,
  selection: z.object({
    status: z.enum(['selected', 'locked']),
    reason: z.string().nullable(),
    batchCount: z.number().int(),
    batches: z.array(z.number().int()),
    selected: z.number().int(),
    cursor: z.string().nullable(),
    iteration: z.number().int(),
  }),
});
