import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import type { RunLock } from '#shared/stores/store-ports.ts';
import { TEST_TABLES, useEmbeddedDb } from './embedded-test-db.ts';

const embedded = useEmbeddedDb();
const runStore = (now?: () => Date) =>
  createDynamoDbRunStore({ client: embedded().documentClient, tableName: TEST_TABLES.runs, ...(now ? { now } : {}) });

let lockCount = 0;
const T0 = '2025-06-01T10:00:00.000Z';
const T0_PLUS_15M = '2025-06-01T10:15:00.000Z';

function lockFor(holder: string, overrides: Partial<RunLock> = {}): RunLock {
  return { name: `lock-${lockCount}`, holder, acquiredAt: T0, expiresAt: T0_PLUS_15M, ...overrides };
}

describe('run lock', () => {
  const freshName = () => {
    lockCount += 1;
  };

  it('is acquired when free and refused to a second holder, who is told who holds it', async () => {
    freshName();
    const store = runStore();
    const first = lockFor('exec-a', { pid: 4242, host: 'laptop' });
    expect(await store.acquireLock(first, T0)).toEqual({ acquired: true, lock: first });
    expect(await store.acquireLock(lockFor('exec-b'), '2025-06-01T10:05:00.000Z')).toEqual({ acquired: false, heldBy: first });
  });

  it('is acquired again by the same holder (renewal)', async () => {
    freshName();
    const store = runStore();
    await store.acquireLock(lockFor('exec-a'), T0);
    const renewed = lockFor('exec-a', { acquiredAt: '2025-06-01T10:10:00.000Z', expiresAt: '2025-06-01T10:25:00.000Z' });
    expect(await store.acquireLock(renewed, '2025-06-01T10:10:00.000Z')).toEqual({ acquired: true, lock: renewed });
    expect(await store.acquireLock(lockFor('exec-b'), '2025-06-01T10:20:00.000Z')).toEqual({ acquired: false, heldBy: renewed });
  });

  it('is taken over once it expired, from the expiry instant on', async () => {
    freshName();
    const store = runStore();
    await store.acquireLock(lockFor('exec-a'), T0);
    const late = lockFor('exec-b', { acquiredAt: '2025-06-01T10:14:59.999Z', expiresAt: '2025-06-01T10:30:00.000Z' });
    expect((await store.acquireLock(late, '2025-06-01T10:14:59.999Z')).acquired).toBe(false);
    const atExpiry = { ...late, acquiredAt: T0_PLUS_15M };
    expect(await store.acquireLock(atExpiry, T0_PLUS_15M)).toEqual({ acquired: true, lock: atExpiry });
  });

  it('is taken over when isStale says its holder is gone, and isStale sees the lock as stored', async () => {
    freshName();
    const store = runStore();
    const crashed = lockFor('exec-a', { pid: 999_999, host: 'laptop' });
    await store.acquireLock(crashed, T0);
    const judged: RunLock[] = [];
    const attempt = await store.acquireLock(lockFor('exec-b'), '2025-06-01T10:01:00.000Z', (existing) => {
      judged.push(existing);
      return existing.pid === 999_999;
    });
    expect(attempt).toEqual({ acquired: true, lock: lockFor('exec-b') });
    expect(judged).toEqual([crashed]);
  });

  it('is refused when isStale says the holder is alive', async () => {
    freshName();
    const store = runStore();
    await store.acquireLock(lockFor('exec-a'), T0);
    const attempt = await store.acquireLock(lockFor('exec-b'), T0, () => false);
    expect(attempt).toEqual({ acquired: false, heldBy: lockFor('exec-a') });
  });

  it('is released only by its holder', async () => {
    freshName();
    const store = runStore();
    await store.acquireLock(lockFor('exec-a'), T0);
    await store.releaseLock(lockFor('x').name, 'exec-b');
    expect((await store.acquireLock(lockFor('exec-c'), T0)).acquired).toBe(false);
    await store.releaseLock(lockFor('x').name, 'exec-a');
    expect((await store.acquireLock(lockFor('exec-c'), T0)).acquired).toBe(true);
  });

  it('releasing a lock nobody holds is a no-op', async () => {
    freshName();
    await expect(runStore().releaseLock(lockFor('x').name, 'exec-a')).resolves.toBeUndefined();
  });

  it('goes to exactly one of many concurrent takers', async () => {
    freshName();
    const store = runStore();
    const attempts = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((holder) => store.acquireLock(lockFor(holder), T0)));
    const winners = attempts.filter((attempt) => attempt.acquired);
    expect(winners).toHaveLength(1);
    const winner = winners[0]?.acquired ? winners[0].lock.holder : undefined;
    for (const attempt of attempts) {
      if (!attempt.acquired) expect(attempt.heldBy.holder).toBe(winner);
    }
  });

  it('goes to exactly one of many concurrent takers of a stale lock', async () => {
    freshName();
    const store = runStore();
    await store.acquireLock(lockFor('crashed'), T0);
    const isStale = (existing: RunLock) => existing.holder === 'crashed';
    const attempts = await Promise.all(['a', 'b', 'c', 'd'].map((holder) => store.acquireLock(lockFor(holder), T0, isStale)));
    expect(attempts.filter((attempt) => attempt.acquired)).toHaveLength(1);
  });

  it('stores instants in one ISO format so they compare correctly as strings', async () => {
    freshName();
    const store = runStore();
    const attempt = await store.acquireLock(lockFor('exec-a', { expiresAt: '2025-06-01T10:15:00Z' }), '2025-06-01T10:00:00+00:00');
    expect(attempt).toEqual({ acquired: true, lock: lockFor('exec-a') });
    expect((await store.acquireLock(lockFor('exec-b'), '2025-06-01T10:15:00Z')).acquired).toBe(true);
    await expect(store.acquireLock(lockFor('exec-c'), 'not a date')).rejects.toThrow(RangeError);
  });
});

describe('batches and results', () => {
  it('saves and loads the lead ids of a batch', async () => {
    const store = runStore();
    const ids = Array.from({ length: 200 }, (_, i) => `lead-${i}`);
    await store.saveBatches('run-1', [
      { batchIndex: 0, leadIds: ids },
      { batchIndex: 1, leadIds: ['x'] },
    ]);
    expect(await store.loadBatch('run-1', 0)).toEqual(ids);
    expect(await store.loadBatch('run-1', 1)).toEqual(['x']);
    await expect(store.loadBatch('run-1', 2)).rejects.toThrow(/no batch 2/);
  });

  it('lists a run’s batch results in batch order, whatever order they were saved in', async () => {
    const store = runStore();
    const order = [10, 2, 0, 1, 100, 11];
    for (const batchIndex of order) await store.saveBatchResult('run-2', batchIndex, { batchIndex, status: 'ok' });
    await store.saveBatchResult('run-2b', 3, { batchIndex: 3, status: 'ok' });
    await store.saveBatches('run-2', [{ batchIndex: 5, leadIds: ['not a result'] }]);
    await store.saveModelAnswers('run-2', 5, { not: 'a result' });
    const results = await store.listBatchResults('run-2');
    expect(results.map((result) => result.batchIndex)).toEqual([0, 1, 2, 10, 11, 100]);
  });

  it('keeps the results of leads retried alone after their batch’s, and lists one batch with its leads', async () => {
    const store = runStore();
    await store.saveBatchResult('run-5', 1, { id: '1' });
    await store.saveBatchResult('run-5', 0, { id: '0/1' }, 1);
    await store.saveBatchResult('run-5', 0, { id: '0' });
    await store.saveBatchResult('run-5', 0, { id: '0/0' }, 0);
    await store.saveBatchResult('run-5', 10, { id: '10' });
    expect((await store.listBatchResults('run-5')).map((result) => result.id)).toEqual(['0', '0/0', '0/1', '1', '10']);
    expect((await store.listBatchResults('run-5', { first: 0, last: 0 })).map((result) => result.id)).toEqual(['0', '0/0', '0/1']);
    expect((await store.listBatchResults('run-5', { first: 1, last: 10 })).map((result) => result.id)).toEqual(['1', '10']);
    await store.saveModelAnswers('run-5', 0, { lead: true }, 1);
    expect(await store.loadModelAnswers('run-5', 0, 1)).toEqual({ lead: true });
    expect(await store.loadModelAnswers('run-5', 0)).toBeUndefined();
    await expect(store.saveBatchResult('run-5', 0, {}, -1)).rejects.toThrow(RangeError);
  });

  it('overwrites a batch result saved twice (a retried step)', async () => {
    const store = runStore();
    await store.saveBatchResult('run-3', 0, { status: 'failed' });
    await store.saveBatchResult('run-3', 0, { status: 'ok' });
    expect(await store.listBatchResults('run-3')).toEqual([{ status: 'ok' }]);
  });

  it('lists no results for an unknown run', async () => {
    expect(await runStore().listBatchResults('no-such-run')).toEqual([]);
  });

  it('round-trips model answers, even a 200-lead batch\'s too big for a plain 400 KB item', async () => {
    const store = runStore();
    const fields = ['nombres', 'apellidos', 'direccion', 'ciudad', 'nivelEducativo', 'ocupacion', 'empresa'];
    // Hex digests: distinct, poorly compressible values, so the size check is not flattered.
    const text = (seed: string) => createHash('sha512').update(seed).digest('hex');
    const answers = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`lead-${i}`, Object.fromEntries(fields.map((field) => [field, text(`a${i}${field}`) + text(`b${i}${field}`) + text(`c${i}${field}`)]))]),
    );
    expect(JSON.stringify(answers).length).toBeGreaterThan(400_000);
    await store.saveModelAnswers('run-4', 0, answers);
    expect(await store.loadModelAnswers('run-4', 0)).toEqual(answers);
    expect(await store.loadModelAnswers('run-4', 1)).toBeUndefined();
  });

  it('refuses model answers still over the item limit once gzipped, pointing at batchSize', async () => {
    const noise = randomBytes(600_000).toString('base64');
    await expect(runStore().saveModelAnswers('run-4b', 0, { noise })).rejects.toThrow(/lower batchSize/);
  });

  it.each([-1, 1.5, 100_000_000])('refuses batch index %s', async (batchIndex) => {
    await expect(runStore().saveBatches('run-5', [{ batchIndex, leadIds: [] }])).rejects.toThrow(RangeError);
  });
});

describe('run records', () => {
  it('gets a run as it was put, and nothing for an unknown one', async () => {
    const store = runStore();
    const run = { runId: 'r-get', startedAt: '2025-06-01T00:00:00.000Z', status: 'RUNNING', totals: { selected: 10 } };
    await store.putRun('r-get', run);
    expect(await store.getRun('r-get')).toEqual(run);
    expect(await store.getRun('r-unknown')).toBeUndefined();
  });

  it('lists runs latest first, keeping a run’s place when it is updated', async () => {
    const store = runStore();
    const starts = ['2030-01-03', '2030-01-01', '2030-01-05', '2030-01-02', '2030-01-04'];
    for (const [i, day] of starts.entries()) await store.putRun(`r-list-${i}`, { id: i, startedAt: `${day}T00:00:00.000Z` });
    await store.putRun('r-list-1', { id: 1, startedAt: '2030-01-01T00:00:00.000Z', status: 'SUCCEEDED' });

    const latest = await store.listRuns(3);
    expect(latest.map((run) => run.id)).toEqual([2, 4, 0]);
    const all = (await store.listRuns(100)).filter((run) => String(run.startedAt).startsWith('2030'));
    expect(all.map((run) => run.id)).toEqual([2, 4, 0, 3, 1]);
    expect(all.at(-1)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('places a run without startedAt at the time of its first put', async () => {
    const store = runStore(() => new Date('2031-01-01T00:00:00.000Z'));
    await store.putRun('r-no-start', { id: 'no-start' });
    expect((await store.listRuns(1))[0]).toEqual({ id: 'no-start' });
    const item = await embedded().documentClient.send(
      new GetCommand({ TableName: TEST_TABLES.runs, Key: { pk: 'RUN#r-no-start', sk: 'RUN' } }),
    );
    expect(item.Item?.runIndexSk).toBe('2031-01-01T00:00:00.000Z#r-no-start');
  });

  it('refuses a listing limit below 1', async () => {
    await expect(runStore().listRuns(0)).rejects.toThrow(RangeError);
  });
});

describe('model call claims', () => {
  it('a claim blocks others until its time; an attempt that outlived its claim never frees the next attempt\'s', async () => {
    let now = new Date('2025-06-01T10:00:00.000Z');
    const store = runStore(() => now);
    const runId = `claims-${randomBytes(4).toString('hex')}`;
    const at = (iso: string) => new Date(iso);

    expect(await store.claimModelCall(runId, 0, { id: 'a', until: '2025-06-01T10:06:00.000Z' })).toEqual({ status: 'claimed' });
    expect(await store.claimModelCall(runId, 0, { id: 'b', until: '2025-06-01T10:07:00.000Z' })).toEqual({ status: 'in-progress', until: '2025-06-01T10:06:00.000Z' });

    // `a`'s invocation was stopped at its timeout; `b` claims after it.
    now = at('2025-06-01T10:06:00.001Z');
    expect(await store.claimModelCall(runId, 0, { id: 'b', until: '2025-06-01T10:12:00.000Z' })).toEqual({ status: 'claimed' });
    // `a`, thawed later, fails and releases: `b`'s claim stays.
    await store.releaseModelCall(runId, 0, 'a');
    expect(await store.claimModelCall(runId, 0, { id: 'c', until: '2025-06-01T10:13:00.000Z' })).toEqual({ status: 'in-progress', until: '2025-06-01T10:12:00.000Z' });
    // `b` fails and releases its own: the next attempt claims at once.
    await store.releaseModelCall(runId, 0, 'b');
    expect(await store.claimModelCall(runId, 0, { id: 'c', until: '2025-06-01T10:13:00.000Z' })).toEqual({ status: 'claimed' });
    await store.completeModelCall(runId, 0, { outcome: 'answered' });
    expect(await store.claimModelCall(runId, 0, { id: 'd', until: '2025-06-01T10:14:00.000Z' })).toEqual({ status: 'completed', result: { outcome: 'answered' } });
  });
});
