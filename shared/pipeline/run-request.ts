import { z } from 'zod';
import { InputError } from '#shared/errors/normflow-errors.ts';

/** What a `StartExecution` input may say: `{}` (the schedule), `forceAll`, `maxLeads`, `dryRun`, `leadIds`. */
export const runRequestSchema = z.strictObject({
  forceAll: z.boolean().optional(),
  // Bounded by the 24-hour timeout, not by history: see docs/pipeline.md, "Bounds".
  maxLeads: z.number().int().min(1).max(10_000_000).optional(),
  dryRun: z.boolean().optional(),
  leadIds: z.array(z.string().min(1)).min(1).max(10_000).optional(),
});

export interface RunRequest {
  forceAll: boolean;
  maxLeads: number | null;
  dryRun: boolean;
  leadIds: string[] | null;
}

/** What an EventBridge Pipe delivers: its batch as an array, each element `{leadIds}` (the stream's enrichment output). */
const pipeBatchSchema = z.array(z.strictObject({ leadIds: z.array(z.string().min(1)).min(1) })).min(1);

/**
 * The execution input as a request. An array is the Pipe's batch of stream runs: their leadIds,
 * merged (at most 10,000, like any `leadIds`).
 */
export function parseRunRequest(input: unknown): RunRequest {
  if (Array.isArray(input)) {
    const batch = pipeBatchSchema.safeParse(input);
    if (!batch.success) {
      throw new InputError(`Invalid execution input: an array must be an EventBridge Pipe batch of {"leadIds": [...]} objects (${batch.error.issues[0]?.message ?? 'invalid'})`);
    }
    return parseRunRequest({ leadIds: batch.data.flatMap((element) => element.leadIds) });
  }
  const result = runRequestSchema.safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key ${issue.keys.map((key) => `"${key}"`).join(', ')} (allowed: forceAll, maxLeads, dryRun, leadIds)`
        : `"${issue.path.join('.') || '(input)'}": ${issue.message}`,
    );
    throw new InputError(`Invalid execution input: ${problems.join('; ')}`);
  }
  const { forceAll = false, maxLeads, dryRun = false, leadIds } = result.data;
  if (forceAll && leadIds) throw new InputError('Invalid execution input: "forceAll" and "leadIds" cannot be used together');
  return { forceAll, maxLeads: maxLeads ?? null, dryRun, leadIds: leadIds ? [...new Set(leadIds)] : null };
}
