import { describe, expect, it } from 'vitest';
import { boundHistory, HISTORY_LIMIT, HISTORY_MAX_BYTES, historyAfterWrite, rollbackPlan } from '#shared/stores/lead-history.ts';
import type { NormalizationVersion } from '#shared/stores/store-ports.ts';

const version = (runId: string, size = 10): NormalizationVersion => ({
  runId,
  normalizedAt: `2025-01-01T00:00:00.000Z`,
  normalizedData: { nota: 'x'.repeat(size) },
  normalizationMeta: {},
});

describe('lead history', () => {
  it('is bounded by count and by bytes, newest first, never below one version', () => {
    const many = Array.from({ length: 9 }, (_, index) => version(`r${index}`));
    expect(boundHistory(many).map((entry) => entry.runId)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4'].slice(0, HISTORY_LIMIT));
    const big = [version('big-1', HISTORY_MAX_BYTES / 2), version('big-2', HISTORY_MAX_BYTES / 2), version('big-3', 10)];
    expect(boundHistory(big).map((entry) => entry.runId)).toEqual(['big-1']);
    expect(boundHistory([version('huge', HISTORY_MAX_BYTES * 2)])).toHaveLength(1);
  });

  it('puts the current normalization first; a lead normalized before runs were recorded keeps it with run id null', () => {
    const legacy = { leadId: 'L', normalizedAt: '2024-01-01T00:00:00.000Z', normalizedData: { nombres: 'Ana' }, normalizationMeta: {} };
    expect(historyAfterWrite(legacy)).toEqual([{ runId: null, normalizedAt: '2024-01-01T00:00:00.000Z', normalizedData: { nombres: 'Ana' }, normalizationMeta: {} }]);
    expect(historyAfterWrite({ leadId: 'new', nombres: 'Ana' })).toEqual([]);
  });

  it('plans a rollback: restore while the lead holds the run, superseded once a later run wrote it', () => {
    const lead = { leadId: 'L', normalizedAt: 't2', normalizedData: {}, normalizationRunId: 'r2', normalizationHistory: [version('r1')] };
    expect(rollbackPlan(lead, 'r2')).toEqual({ action: 'restore', expectedNormalizedAt: 't2', previous: version('r1'), history: [] });
    expect(rollbackPlan(lead, 'r1')).toEqual({ action: 'superseded' });
    expect(rollbackPlan(lead, 'r0')).toEqual({ action: 'untouched' });
  });
});
