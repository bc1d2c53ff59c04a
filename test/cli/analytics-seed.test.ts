import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedSourceTable } from '#cli/analytics-command.ts';
import { startLocalAnalytics, type LocalAnalyticsEnvironment } from '#infra/local/local-analytics.ts';
import { ExactNumber } from '#shared/engine/original-values.ts';

let dir: string;
let local: LocalAnalyticsEnvironment;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-analytics-seed-'));
  local = await startLocalAnalytics({ inMemory: true, scratchDir: join(dir, 'scratch') });
});
afterAll(async () => {
  await local.close();
  await rm(dir, { recursive: true, force: true });
});

it('counts, rejects repeated keys and items DynamoDB would refuse by line, keeps exact numbers, and re-seeds idempotently', async () => {
  const table = local.env.CHAT_TABLE ?? '';
  const item = (sk: string, extra: Record<string, unknown> = {}) => JSON.stringify({ PK: 'USER#1', SK: sk, ...extra });
  const path = join(dir, 'chat.jsonl');
  await writeFile(
    path,
    [
      item('CHAT#1', { tokens: 10 }),
      JSON.stringify({ PK: { S: 'USER#1' }, SK: { S: 'CHAT#2' }, total: { N: '123456789012345678901234567890' } }),
      item('CHAT#1', { tokens: 11 }),
      item('CHAT#3', { texto: 'ñ'.repeat(210_000) }),
      JSON.stringify({ PK: { S: 'USER#1' }, SK: { S: 'CHAT#4' }, n: { N: '1.5E+300' } }),
      item('CHAT#5', { largo: 'x'.repeat(1100) }).replace('"CHAT#5"', `"${'S'.repeat(1025)}"`),
    ].join('\n'),
  );
  const first = await seedSourceTable(local, table, path);
  expect(first.counts).toEqual({ inserted: 2, updated: 0, unchanged: 0, kept: 0, rejected: 4 });
  expect(first.rejected.map(({ line, reason }) => [line, reason.slice(0, 40)])).toEqual([
    [3, 'same PK and SK as line 1'],
    [4, 'the item is 420021 bytes as DynamoDB cou'],
    [5, 'not a DynamoDB item: 1.5E+300 can\'t be c'],
    [6, 'key "SK" is 1025 bytes long (DynamoDB al'],
  ]);
  const stored = await local.db.documentClient.send(new GetCommand({ TableName: table, Key: { PK: 'USER#1', SK: 'CHAT#2' } }));
  expect(stored.Item?.total).toEqual(new ExactNumber('123456789012345678901234567890'));

  const again = await seedSourceTable(local, table, path);
  expect(again.counts).toMatchObject({ inserted: 0, updated: 0, unchanged: 2, rejected: 4 });
});
