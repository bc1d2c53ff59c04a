import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = new URL('../../bin/normflow.mjs', import.meta.url).pathname;
let dir: string;

async function normflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-analytics-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('seeds plain and DynamoDB-typed JSON lines, rejecting bad lines by number; runs, queries and reports', async () => {
  const dataDir = join(dir, 'data');
  const user = 'USER#0b6d1c1e-5f7a-4c1e-9d7e-3a1b2c3d4e5f';
  const conversation = { PK: user, SK: 'CONVERSATION#2026-11-20T15:00:00.000Z', CreatedAt: '2026-11-20T15:00:00.000Z', UserData: { nombre: 'Ana', ciudad: 'Cali (Valle)' }, Conversation: [{ from: 'user', text: '¿Horario | sede?', timestamp: '2026-11-20T15:00:00.000Z' }, { from: 'bot', text: 'De 8 a 5', timestamp: 1795705201000 }] };
  const feedback = { PK: user, SK: 'FEEDBACK#2026-11-20T15:00:00.000Z', Feedback: { type: 'like', option: 'Útil' } };
  await writeFile(join(dir, 'conv.jsonl'), [JSON.stringify(conversation), '{"PK": "USER#x"}', 'not json', JSON.stringify({ Item: marshall(feedback) })].join('\n'));
  const seeded = await normflow('analytics', 'seed', '--conversations', join(dir, 'conv.jsonl'), '--data-dir', dataDir);
  expect(seeded.code).toBe(1);
  expect(seeded.stdout).toContain('inserted 2, updated 0, unchanged 0, rejected 2');
  expect(seeded.stderr).toContain('line 2: an item needs string PK and SK');
  expect(seeded.stderr).toContain('line 3: not valid JSON');

  // An empty table gets no sample data unless asked: it is said on stderr, and the run goes on.
  const withoutSamples = await normflow('analytics', 'run', '--run-date', '2026-02-28', '--data-dir', dataDir);
  expect(withoutSamples.code).toBe(0);
  expect(withoutSamples.stderr).toContain('bedrock-chat is empty');
  expect(withoutSamples.stdout).not.toContain('sample');

  const analytics = await normflow('analytics', 'run', '--run-date', '2026-03-01', '--sample-data', '--data-dir', dataDir);
  expect(analytics.code).toBe(0);
  // The run date reaches the export through the parent state machine: that day's partition, not today's.
  expect((await readdir(join(dataDir, 'bucket', 'conversations', 'users'))).sort()).toEqual(['dt=2026-02-28', 'dt=2026-03-01']);
  // --sample-data fills only the empty chat table: the seeded conversations were not touched.
  expect(analytics.stdout).toContain('sample Bedrock chat items');
  expect(analytics.stdout).not.toContain('sample conversation items');
  // A summary a person reads; --json gives the state machine's output to a script.
  expect(analytics.stdout).toMatch(/^conversation export, dt=2026-03-01: 1 users, 1 exchanges; feedback joined 1, orphaned 0;/m);
  expect(analytics.stdout).toMatch(/^token costs: [\d,]+ chat items read, [\d,]+ conversations/m);
  const asJson = await normflow('analytics', 'run', '--run-date', '2026-03-02', '--json', '--data-dir', dataDir);
  expect(JSON.parse(asJson.stdout)).toMatchObject({ conversationExport: { export: { runDate: '2026-03-02', rows: { users: 1 } } }, tokenCosts: { itemsRead: expect.any(Number) } });

  const users = await normflow('sql', "SELECT nombre, ciudad, numero_conversaciones, numero_feedback, feedback FROM users WHERE dt = '2026-03-01'", '--json', '--data-dir', dataDir);
  expect(JSON.parse(users.stdout)).toEqual([{ nombre: 'Ana', ciudad: 'Cali', numero_conversaciones: '1', numero_feedback: '1', feedback: 'like' }]);
  const exchange = await normflow('sql', 'SELECT pregunta, feedback_tipo FROM exchanges', '--data-dir', dataDir);
  expect(exchange.stdout).toMatch(/¿Horario \| sede\?\s+\| like/);

  const bad = await normflow('sql', 'SELECT * FROM nowhere', '--data-dir', dataDir);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('query failed');

  const report = join(dir, 'report.html');
  expect((await normflow('analytics', 'report', '--output', report, '--data-dir', dataDir)).code).toBe(0);
  const html = await readFile(report, 'utf8');
  expect(html).toContain('"like":1');
  expect(html).toContain('new Chart(');
}, 120_000);
