import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';
import type { FakeLlmServer } from '#test/fakes/fake-llm-server.ts';

/** CLI flags > `--config` > config table > defaults, on the real `normflow` command and a server that counts connections. */

const run = promisify(execFile);
const BIN = new URL('../../bin/normflow.mjs', import.meta.url).pathname;
let dir: string;
let model: FakeLlmServer;

async function normflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: dir, env: { PATH: process.env.PATH, FORCE_COLOR: '0' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const LEADS = [{ leadId: 'L1', nombres: 'ANA', nivelEducativo: 'Posgrado' }, { leadId: 'L2', nombres: 'LUIS', nivelEducativo: 'Curso de cocina' }];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-precedence-'));
  model = await startFakeOpenAiServer();
  await writeFile(join(dir, 'leads.jsonl'), LEADS.map((lead) => JSON.stringify(lead)).join('\n'));
  await writeFile(join(dir, 'openai.json'), JSON.stringify({ model: { provider: 'openai', baseUrl: model.url, modelId: 'm', requestTimeoutMs: 5_000 } }));
});
afterAll(async () => {
  await model.close();
  await rm(dir, { recursive: true, force: true });
});

describe('--provider rules wins over --config and never opens a connection', () => {
  it('normalize', async () => {
    const before = model.connectionCount;
    const offline = await normflow('normalize', '--input', 'leads.jsonl', '--output', 'out.jsonl', '--config', 'openai.json', '--provider', 'rules');
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain('model: rules');
    expect(model.connectionCount).toBe(before);

    // The same command without the flag does reach the server: the count above would have seen it.
    const online = await normflow('normalize', '--input', 'leads.jsonl', '--output', 'out.jsonl', '--config', 'openai.json');
    expect(online.code).toBe(0);
    expect(model.connectionCount).toBeGreaterThan(before);
  });

  it('run (the local state machine)', async () => {
    const before = model.connectionCount;
    const offline = await normflow('run', '--data-dir', 'store', '--seed-if-empty', 'leads.jsonl', '--config', 'openai.json', '--provider', 'rules');
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/normalized 2/);
    expect(offline.stdout).toContain('model: rules');
    expect(model.connectionCount).toBe(before);
  });

  it('run --aws refuses local model flags instead of ignoring them', async () => {
    const result = await normflow('run', '--aws', '--state-machine-arn', 'arn:aws:states:us-east-1:123456789012:stateMachine:normflow-dev-normalize-leads', '--provider', 'rules');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--provider cannot apply/);
  });
});

describe('normflow config show|set', () => {
  it('refuses deployment keys naming them, keeps the kill switch\'s enabled = false, and shows the item', async () => {
    await writeFile(join(dir, 'attack.json'), JSON.stringify({ model: { baseUrl: 'http://attacker/v1', apiKeyEnv: 'NORMFLOW_X' } }));
    const refused = await normflow('config', 'set', '--file', 'attack.json', '--data-dir', 'cfg');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('"model.baseUrl", "model.apiKeyEnv" are deployment settings');

    await writeFile(join(dir, 'off.json'), JSON.stringify({ enabled: false }));
    expect((await normflow('config', 'set', '--file', 'off.json', '--data-dir', 'cfg')).code).toBe(0);
    await writeFile(join(dir, 'tuning.json'), JSON.stringify({ batchSize: 20, model: { modelId: 'm2' } }));
    const written = await normflow('config', 'set', '--file', 'tuning.json', '--data-dir', 'cfg');
    expect(written.stdout).toContain('batchSize, enabled, model');
    const shown = await normflow('config', 'show', '--data-dir', 'cfg');
    expect(JSON.parse(shown.stdout)).toEqual({ enabled: false, batchSize: 20, model: { modelId: 'm2' } });
  });
});

describe('normflow leads forget, normflow cache clear', () => {
  it('erase one lead and empty the cache in the local store', async () => {
    await writeFile(join(dir, 'two.jsonl'), [JSON.stringify({ leadId: 'F1', nombres: 'ANA' }), JSON.stringify({ leadId: 'F2', nombres: 'LUIS' })].join('\n'));
    expect((await normflow('seed', '--input', 'two.jsonl', '--data-dir', 'erase')).code).toBe(0);
    // `normflow sql` keeps a Parquet copy of every lead: erasure removes it too.
    expect((await normflow('sql', 'SELECT count(*) AS n FROM leads', '--data-dir', 'erase')).stdout).toMatch(/\b2\b/);
    expect(existsSync(join(dir, 'erase', 'analytics', 'leads-snapshot'))).toBe(true);
    const forgotten = await normflow('leads', 'forget', 'F1', '--data-dir', 'erase');
    expect(forgotten.code).toBe(0);
    expect(forgotten.stdout).toContain('erased lead F1: 0 batch trace(s), 0 value-cache entries, the SQL snapshot of the leads');
    expect(existsSync(join(dir, 'erase', 'analytics', 'leads-snapshot'))).toBe(false);
    expect((await normflow('leads', 'show', 'F1', '--data-dir', 'erase')).stderr).toContain('no lead "F1"');
    expect((await normflow('leads', 'show', 'F2', '--data-dir', 'erase')).code).toBe(0);
    const cleared = await normflow('cache', 'clear', '--data-dir', 'erase');
    expect(cleared.stdout).toMatch(/deleted 0 value-cache entries from the local store/);
  });
});
