import { describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { expectedOriginalsOf, hashOriginals } from '#shared/stores/original-expectations.ts';
import { failureStampOf, isPassedOver, nextFailureStamp } from '#shared/pipeline/poison-leads.ts';

const config = parseConfig({ fields: { nombres: 'personName', ciudad: 'city' } });
const at = (day: number) => `2025-06-${String(day).padStart(2, '0')}T00:00:00.000Z`;

describe('poison leads', () => {
  it('counts failures of the same originals and poisons at the limit, keeping the first poisoning time', () => {
    const first = nextFailureStamp(undefined, { error: 'Model.Fatal', sourceHash: 'h', failedAt: at(1) }, 3);
    expect(first).toEqual({ error: 'Model.Fatal', sourceHash: 'h', failedAt: at(1), failures: 1 });
    const second = nextFailureStamp(first, { error: 'Lambda.Unknown', sourceHash: 'h', failedAt: at(2) }, 3);
    expect(second).toMatchObject({ error: 'Lambda.Unknown', failures: 2 });
    expect(second).not.toHaveProperty('poisonedAt');
    const third = nextFailureStamp(second, { error: 'Model.Fatal', sourceHash: 'h', failedAt: at(3) }, 3);
    expect(third).toMatchObject({ failures: 3, poisonedAt: at(3) });
    expect(nextFailureStamp(third, { error: 'Model.Fatal', sourceHash: 'h', failedAt: at(4) }, 3)).toMatchObject({ failures: 4, poisonedAt: at(3) });
  });

  it('starts the count again when the originals changed', () => {
    const poisoned = { error: 'Model.Fatal', sourceHash: 'old', failedAt: at(1), failures: 3, poisonedAt: at(1) };
    expect(nextFailureStamp(poisoned, { error: 'Model.Fatal', sourceHash: 'new', failedAt: at(2) }, 3)).toEqual({ error: 'Model.Fatal', sourceHash: 'new', failedAt: at(2), failures: 1 });
    expect(nextFailureStamp(undefined, { error: 'Model.Fatal', sourceHash: 'new', failedAt: at(2) }, 1)).toMatchObject({ failures: 1, poisonedAt: at(2) });
  });

  it('passes over a poisoned lead only while its originals are the ones that failed', () => {
    const lead = { leadId: 'L', nombres: 'ANA', ciudad: 'medellin' };
    const sourceHash = hashOriginals(expectedOriginalsOf(lead, Object.keys(config.fields)));
    const poisoned = { ...lead, normalizationFailure: { error: 'Model.Fatal', sourceHash, failedAt: at(1), failures: 3, poisonedAt: at(1) } };
    expect(isPassedOver(poisoned, config)).toBe(true);
    expect(isPassedOver({ ...poisoned, ciudad: 'Bello' }, config)).toBe(false);
    expect(isPassedOver({ ...poisoned, normalizationFailure: { ...poisoned.normalizationFailure, poisonedAt: undefined } }, config)).toBe(false);
    expect(isPassedOver(lead, config)).toBe(false);
    expect(failureStampOf({ normalizationFailure: 'garbage' })).toBeUndefined();
  });
});
