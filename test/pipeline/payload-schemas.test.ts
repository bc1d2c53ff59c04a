import { describe, expect, it } from 'vitest';
import { normalizationConfigSchema } from '#shared/config/normalization-config.ts';
import { batchStepPayload } from '#shared/pipeline/payload-schemas.ts';

const config = normalizationConfigSchema.parse({});
const payload = (overrides: Record<string, unknown> = {}) => JSON.parse(JSON.stringify({ runId: 'r', batchIndex: 1, config, dryRun: false, ...overrides })) as unknown;

describe('a Task payload\'s config', () => {
  it('is checked by the config schema, its errors named by their path in the payload', () => {
    // First in this module: nothing is remembered yet.
    expect(batchStepPayload.safeParse({ not: 'a batch' }).error?.issues.map((issue) => issue.path.join('.'))).toContain('config');
    const refused = batchStepPayload.safeParse(payload({ config: { ...config, batchSize: 9_999 } }));
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['config.batchSize']);
    expect(batchStepPayload.safeParse(payload({ config: { ...config, provider: 'carrier-pigeon' } })).success).toBe(false);
  });

  it('checked once for the same JSON: the same frozen config is given again, and a changed one is checked anew', () => {
    const first = batchStepPayload.parse(payload()).config;
    const again = batchStepPayload.parse(payload({ batchIndex: 2 })).config;
    expect(again).toBe(first);
    expect(Object.isFrozen(first.fields)).toBe(true);
    expect(first).toEqual(config);
    const changed = batchStepPayload.parse(payload({ config: { ...config, batchSize: 20 } })).config;
    expect(changed.batchSize).toBe(20);
    // A bad config after a good one is still refused.
    expect(batchStepPayload.safeParse(payload({ config: { ...config, batchSize: -1 } })).success).toBe(false);
  });
});
