import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = new URL('../../bin/normflow.mjs', import.meta.url).pathname;
let dir: string;

/** Runs the real `normflow` command; resolves with its exit code instead of throwing. */
async function normflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, FORCE_COLOR: '0' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GOOD = { leadId: 'L1', nombres: 'JUAN CARLOS', ciudad: 'medellin', direccion: 'CRA 15 NO 100 25', extra: 'kept' };

describe('normflow normalize', () => {
  it('writes every good record with the originals untouched, the bad lines beside, and exits 1', async () => {
    const input = join(dir, 'in.jsonl');
    await writeFile(input, [JSON.stringify(GOOD), '{not json', '[1,2]', JSON.stringify({ nombres: 'sin id' }), JSON.stringify({ ...GOOD, leadId: 'L2' })].join('\n'));
    const output = join(dir, 'out.jsonl');
    const result = await normflow('normalize', '--input', input, '--output', output);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/3 line\(s\) rejected/);
    const written = (await readFile(output, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(written).toHaveLength(2);
    expect(written[0]).toMatchObject({ ...GOOD, normalizedData: { nombres: 'Juan Carlos', ciudad: 'Medellín', ciudadCodigoDane: '05001' } });
    const rejected = (await readFile(`${output}.rejected.jsonl`, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { line: number; reason: string });
    expect(rejected.map(({ line, reason }) => [line, reason])).toEqual([
      [2, 'not valid JSON'],
      [3, 'not a JSON object'],
      [4, 'no id (expected "leadId" or "id")'],
    ]);
    // The summary names fields and counts, never values.
    expect(result.stdout).toContain('nombres');
    expect(result.stdout).not.toContain('Juan');
  });

  it('reads and writes CSV', async () => {
    const input = join(dir, 'in.csv');
    await writeFile(input, 'leadId,nombres,ciudad,nota\nL1,"PEREZ, ANA",cucuta,"dice ""hola"""\n');
    const output = join(dir, 'out.csv');
    const result = await normflow('normalize', '--input', input, '--output', output);
    expect(result.code).toBe(0);
    const csv = (await readFile(output, 'utf8')).replace(/^\uFEFF/, '');
    expect(csv.split('\r\n')[0]).toBe(
      'leadId,nombres,normalizedData.nombres,normalizationMeta.nombres.flags,ciudad,normalizedData.ciudad,normalizedData.ciudadDepartamento,normalizedData.ciudadCodigoDane,normalizationMeta.ciudad.flags,nota,normalizationMeta,_extra',
    );
    expect(csv).toContain('L1,"PEREZ, ANA",Perez Ana,,cucuta,San José de Cúcuta,Norte de Santander,54001,,"dice ""hola""",');
  });

  it('rejects an unknown config key with its name and exit code 2', async () => {
    const config = join(dir, 'bad-config.json');
    await writeFile(config, JSON.stringify({ batchSise: 5 }));
    const result = await normflow('normalize', '--input', join(dir, 'in.csv'), '--output', join(dir, 'x.jsonl'), '--config', config);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown key "batchSise"');
  });
});

describe('normflow eval', () => {
  it('scores the bundled labeled set offline and prints JSON', async () => {
    const result = await run(process.execPath, [BIN, 'eval', '--json'], { cwd: new URL('../..', import.meta.url).pathname });
    const report = JSON.parse(result.stdout) as { records: number; accuracy: { rate: number; low: number }; idempotence: { rate: number }; anomalies: unknown[] };
    expect(report.records).toBeGreaterThanOrEqual(60);
    expect(report.accuracy.rate).toBeGreaterThan(0.9);
    expect(report.accuracy.low).toBeLessThanOrEqual(report.accuracy.rate);
    expect(report.idempotence.rate).toBe(1);
    expect(report.anomalies.length).toBe(7);
  });
});

describe('local pipeline commands', () => {
  it('seed rejects bad lines by number and loads the rest; run normalizes; an identical re-seed keeps it, nothing is due; show and export', async () => {
    const dataDir = join(dir, 'data');
    const input = join(dir, 'leads.jsonl');
    await writeFile(input, [JSON.stringify(GOOD), 'oops', JSON.stringify({ id: 'L2', nombres: 'maria e' })].join('\n'));
    const seeded = await normflow('seed', '--input', input, '--data-dir', dataDir);
    expect(seeded.code).toBe(1);
    expect(seeded.stdout).toContain('inserted 2, updated 0, unchanged 0, rejected 1');
    expect(seeded.stderr).toContain('line 2: not valid JSON');

    const first = await normflow('run', '--data-dir', dataDir);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/selected 2, normalized 2/);
    // Only the summary: no library chatter (Powertools warns when a handler flushes no metric).
    expect(`${first.stdout}${first.stderr}`).not.toContain('No application metrics');
    // The same file again touches nothing: the leads keep their normalization and are not due.
    const reseeded = await normflow('seed', '--input', input, '--data-dir', dataDir);
    expect(reseeded.stdout).toContain('inserted 0, updated 0, unchanged 2, rejected 1');
    const second = await normflow('run', '--data-dir', dataDir);
    expect(second.stdout).toContain('No lead was due');

    const shown = await normflow('leads', 'show', 'L2', '--data-dir', dataDir);
    expect(shown.stdout).toMatch(/nombres\s+"maria e"\s+"Maria E\."/);

    const exported = join(dir, 'export.jsonl');
    await normflow('leads', 'export', '--output', exported, '--data-dir', dataDir);
    const leads = (await readFile(exported, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(leads.map((lead) => lead.leadId).sort()).toEqual(['L1', 'L2']);
    expect(leads.find((lead) => lead.leadId === 'L1')).toMatchObject({ ...GOOD, normalizedData: { nombres: 'Juan Carlos' } });
    expect(leads.every((lead) => typeof lead.normalizedAt === 'string' && typeof lead.normalizationMeta === 'object')).toBe(true);
  }, 60_000);

  it('a spreadsheet seeded with its own headers: that config becomes the store\'s, so run lines up its long names without --config; a store with another config says why nothing was normalized', async () => {
    const csv = join(dir, 'form.csv');
    await writeFile(csv, 'ID;Nombres;Ciudad de residencia\r\n1;ANA MARIA;medellin\r\n');
    const config = join(dir, 'form-config.json');
    await writeFile(config, JSON.stringify({ idField: 'ID', fields: { Nombres: 'personName', 'Ciudad de residencia': 'city' } }));

    const dataDir = join(dir, 'headers');
    const seeded = await normflow('seed', '--input', csv, '--config', config, '--data-dir', dataDir);
    expect(seeded.code).toBe(0);
    expect(seeded.stderr).toContain("form-config.json is now this store's config");
    const run = await normflow('run', '--data-dir', dataDir);
    expect(run.stdout).toMatch(/^Ciudad de residencia +1 +100\.0% {2}NORMAL$/m);
    expect(run.stdout).toMatch(/^Nombres {14} +1 +100\.0% {2}NORMAL$/m);
    expect((await normflow('config', 'show', '--data-dir', dataDir)).stdout).toContain('"Ciudad de residencia": "city"');

    const otherDir = join(dir, 'headers-other');
    const other = join(dir, 'other-config.json');
    await writeFile(other, JSON.stringify({ fields: { apellidos: 'personName' } }));
    expect((await normflow('config', 'set', '--file', other, '--data-dir', otherDir)).code).toBe(0);
    const seededOther = await normflow('seed', '--input', csv, '--config', config, '--data-dir', otherDir);
    expect(seededOther.stderr).toContain('this store already has a config item, other than');
    expect((await normflow('run', '--data-dir', otherDir)).stdout).toContain('none of the configured fields was found on these leads');
    const withConfig = await normflow('run', '--force-all', '--config', config, '--data-dir', otherDir);
    expect(withConfig.stdout).toMatch(/^Ciudad de residencia +1 +100\.0% {2}NORMAL$/m);
    expect(withConfig.stdout).not.toContain('none of the configured fields');
  });

  it('a config the config table may not hold (a model endpoint) is used for the seed but not stored, and seed says so', async () => {
    const dataDir = join(dir, 'endpoint-config');
    const config = join(dir, 'endpoint-config.json');
    await writeFile(config, JSON.stringify({ fields: { nombres: 'personName' }, model: { provider: 'openai', baseUrl: 'http://localhost:11434', modelId: 'm' } }));
    const input = join(dir, 'one-lead.jsonl');
    await writeFile(input, `${JSON.stringify(GOOD)}\n`);
    const seeded = await normflow('seed', '--input', input, '--config', config, '--data-dir', dataDir);
    expect(seeded.stdout).toContain('inserted 1');
    expect(seeded.stderr).toContain("endpoint-config.json was not stored as this store's config");
    expect((await normflow('config', 'show', '--data-dir', dataDir)).stdout).toContain('no config item');
  });

  it('a run stopped by its cap says more may be due; one that took every due lead does not', async () => {
    const dataDir = join(dir, 'capped');
    const input = join(dir, 'three-leads.jsonl');
    await writeFile(input, ['C1', 'C2', 'C3'].map((leadId) => JSON.stringify({ ...GOOD, leadId })).join('\n'));
    await normflow('seed', '--input', input, '--data-dir', dataDir);
    const capped = await normflow('run', '--max-leads', '2', '--data-dir', dataDir);
    expect(capped.stdout).toContain('leads: selected 2,');
    expect(capped.stdout).toContain('the run stopped at its cap of 2 leads (--max-leads, else the config\'s maxLeadsPerRun): more may be due');
    const rest = await normflow('run', '--max-leads', '5', '--data-dir', dataDir);
    expect(rest.stdout).toContain('leads: selected 1,');
    expect(rest.stdout).not.toContain('cap of');
  });

  it('run fails fast on a bad flag value', async () => {
    const result = await normflow('run', '--max-leads', 'lots', '--data-dir', join(dir, 'data'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--max-leads');
  });
});
