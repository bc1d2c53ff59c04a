import { AthenaClient } from '@aws-sdk/client-athena';
import { afterEach, expect, it } from 'vitest';
import { AthenaQueryError } from '#shared/errors/normflow-errors.ts';
import { runAthenaQuery } from '#shared/stores/athena-query-runner.ts';
import { startFakeAthenaServer } from '#test/fakes/fake-athena-server.ts';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
});

const clientFor = (url: string) =>
  new AthenaClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

it('starts the query in the workgroup, polls until it succeeds, and pages through every row', async () => {
  const fake = await startFakeAthenaServer({ states: ['QUEUED', 'RUNNING', 'SUCCEEDED'], columns: ['ciudad', 'n'], rows: [['Medellín', '3'], ['Cali', '2'], ['Pasto', '1']] });
  close = fake.close;
  const waits: number[] = [];
  const result = await runAthenaQuery({ client: clientFor(fake.url), workgroup: 'normflow', sql: 'SELECT 1', sleep: async (ms) => void waits.push(ms) });
  expect(result).toEqual({ columns: ['ciudad', 'n'], rows: [['Medellín', '3'], ['Cali', '2'], ['Pasto', '1']] });
  expect(waits).toEqual([250, 500]);
  expect(fake.received[0]).toMatchObject({ target: 'StartQueryExecution', body: { QueryString: 'SELECT 1', WorkGroup: 'normflow' } });
  expect(fake.received.filter((call) => call.target === 'GetQueryResults')).toHaveLength(2);
});

it.each(['FAILED', 'CANCELLED'] as const)('gives a clear error when the query is %s', async (state) => {
  const fake = await startFakeAthenaServer({ states: ['RUNNING', state], reason: 'Bytes scanned limit was exceeded', columns: [], rows: [] });
  close = fake.close;
  await expect(runAthenaQuery({ client: clientFor(fake.url), workgroup: 'normflow', sql: 'SELECT 1', sleep: async () => undefined })).rejects.toThrow(
    new AthenaQueryError(`query q-1 ${state}: Bytes scanned limit was exceeded`),
  );
});

it('gives up once the polls have waited maxWaitMs, saying how long (250 ms doubling, at most 5 s apart)', async () => {
  const fake = await startFakeAthenaServer({ states: ['RUNNING'], columns: [], rows: [] });
  close = fake.close;
  const waits: number[] = [];
  await expect(
    runAthenaQuery({ client: clientFor(fake.url), workgroup: 'normflow', sql: 'SELECT 1', maxWaitMs: 15_000, sleep: async (ms) => void waits.push(ms) }),
  ).rejects.toThrow(new AthenaQueryError('query q-1 still RUNNING after 17750 ms'));
  expect(waits).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  expect(fake.received.filter((call) => call.target === 'GetQueryExecution')).toHaveLength(8);
});
