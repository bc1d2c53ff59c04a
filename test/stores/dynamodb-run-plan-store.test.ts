import { describe, expect, it } from 'vitest';
import { createDynamoDbRunPlanStore } from '#shared/stores/dynamodb-run-plan-store.ts';
import { TEST_TABLES, useEmbeddedDb } from './embedded-test-db.ts';

const embedded = useEmbeddedDb();
const planStore = () => createDynamoDbRunPlanStore({ client: embedded().documentClient, tableName: TEST_TABLES.runs });

describe('run plan store', () => {
  it('grants leads from the cap until it is spent, and numbers batches without gaps between reservations', async () => {
    const store = planStore();
    await store.putPlan('plan-1', { mode: 'scan', totalSegments: 3, cap: 25 });
    expect(await store.getPlan('plan-1')).toEqual({ mode: 'scan', totalSegments: 3, cap: 25 });
    expect(await store.reserve('plan-1', 10, 1)).toEqual({ leadsGranted: 10, firstBatch: 0 });
    expect(await store.reserve('plan-1', 10, 2)).toEqual({ leadsGranted: 10, firstBatch: 1 });
    expect(await store.reserve('plan-1', 10, 1)).toEqual({ leadsGranted: 5, firstBatch: 3 });
    expect(await store.reserve('plan-1', 10, 1)).toEqual({ leadsGranted: 0, firstBatch: 4 });
  });

  it('grants the cap exactly when many pages reserve at once', async () => {
    const store = planStore();
    await store.putPlan('plan-2', { mode: 'scan', totalSegments: 8, cap: 100 });
    const grants = await Promise.all(Array.from({ length: 30 }, () => store.reserve('plan-2', 7, 1)));
    expect(grants.reduce((sum, grant) => sum + grant.leadsGranted, 0)).toBe(100);
    expect(new Set(grants.map((grant) => grant.firstBatch)).size).toBe(30);
  });

  it('grants everything without a cap, and refuses a run that was never planned', async () => {
    const store = planStore();
    await store.putPlan('plan-3', { mode: 'scan', totalSegments: 1, cap: null });
    expect(await store.reserve('plan-3', 1_000, 100)).toEqual({ leadsGranted: 1_000, firstBatch: 0 });
    await expect(store.reserve('never-planned', 1, 1)).rejects.toThrow(/conditional/i);
  });

  it('keeps each segment’s progress and lists them in segment order', async () => {
    const store = planStore();
    for (const segment of [12, 3, 0]) {
      await store.putSegment('plan-4', { segment, cursor: segment === 0 ? null : `c${segment}`, done: segment === 3, pages: 1, progressRound: 0, passedOver: 0, totals: null });
    }
    await store.putSegment('plan-4', { segment: 5, cursor: null, done: false, pages: 0, progressRound: null, passedOver: 0, totals: null, leadIds: ['a', 'b'], pendingBatches: { first: 4, last: 6 } });
    expect((await store.listSegments('plan-4')).map((record) => record.segment)).toEqual([0, 3, 5, 12]);
    expect(await store.getSegment('plan-4', 5)).toEqual({ segment: 5, cursor: null, done: false, pages: 0, progressRound: null, passedOver: 0, totals: null, leadIds: ['a', 'b'], pendingBatches: { first: 4, last: 6 } });
    expect(await store.getSegment('plan-4', 7)).toBeUndefined();
  });
});
