import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '#infra/local/embedded-dynamodb.ts';
import { ensureTables } from '#infra/local/local-tables.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { generateDuplicateSample, truePairs } from '#shared/samples/duplicate-generator.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';

/**
 * The steward's commands as a user runs them: the real `normflow` binary, on a local data folder,
 * and with `--aws` through the SDK's DynamoDB client against a DynamoDB-compatible server (the
 * endpoint comes from AWS_ENDPOINT_URL_DYNAMODB, as any SDK client reads it).
 */

const exec = promisify(execFile);
const BIN = new URL('../../bin/normflow.mjs', import.meta.url).pathname;
const AWS_TABLES = { leads: 'prod-leads', runs: 'prod-runs', config: 'prod-config', decisions: 'prod-decisions' } as const;
let dir: string;
let dataDir: string;
let aws: EmbeddedDynamoDb;

async function normflow(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = exec(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, FORCE_COLOR: '0', ...options.env }, maxBuffer: 16 << 20 });
  if (options.input !== undefined) child.child.stdin?.end(options.input);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const local = (...args: string[]) => normflow([...args, '--data-dir', dataDir]);
const awsEnv = () => ({
  AWS_ENDPOINT_URL_DYNAMODB: aws.endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
});
const onAws = (...args: string[]) =>
  normflow([...args, '--aws', '--leads-table', AWS_TABLES.leads, '--runs-table', AWS_TABLES.runs, '--config-table', AWS_TABLES.config, '--decisions-table', AWS_TABLES.decisions], {
    env: awsEnv(),
  });
/** The lines of a CSV normflow wrote: a BOM, then RFC 4180 records (CRLF). */
function csvLines(text: string): string[] {
  expect(text.startsWith('\uFEFF')).toBe(true);
  return text.slice(1).trimEnd().split('\r\n');
}
const jsonLines = (text: string) => text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

const LEADS: LeadItem[] = [
  { leadId: 'A1', nombres: 'ANA MARIA', apellidos: 'perez', ciudad: 'medellin', nivelEducativo: 'bachiller', email: 'ana@example.com' },
  { leadId: 'A2', nombres: 'Luis', apellidos: 'Gómez', ciudad: 'Springfield', nivelEducativo: 'Posgrado', email: 'luis@example.com' },
  { leadId: 'A3', nombres: 'Rosa', apellidos: 'Díaz', ciudad: 'la nevera', nivelEducativo: 'Profesional', email: 'rosa@example.com' },
  { leadId: 'A4', nombres: 'Pedro', apellidos: 'Ruiz', ciudad: 'La Nevera.', nivelEducativo: 'técnico', email: 'pedro@example.com' },
];

/** The items of the local store, copied to the "deployed" tables. */
async function copyLocalToAws(): Promise<void> {
  const exported = join(dir, 'copy.jsonl');
  await local('leads', 'export', '--output', exported);
  const leads = jsonLines(await readFile(exported, 'utf8'));
  await createDynamoDbLeadStore({ client: aws.documentClient, tableName: AWS_TABLES.leads }).putMany(leads);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-steward-'));
  dataDir = join(dir, 'data');
  const input = join(dir, 'leads.jsonl');
  await writeFile(input, LEADS.map((lead) => JSON.stringify(lead)).join('\n'));
  await local('seed', '--input', input);
  const run = await local('run');
  expect(run.code).toBe(0);
  aws = await startEmbeddedDynamoDb();
  await ensureTables(aws.client, AWS_TABLES);
  await copyLocalToAws();
}, 60_000);

afterAll(async () => {
  await aws?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('normflow leads list', () => {
  it('lists the fields carrying a flag, locally and on AWS alike', async () => {
    for (const list of [local, onAws]) {
      const result = await list('leads', 'list', '--flag', 'unknown-city', '--format', 'jsonl');
      expect(result.code, result.stderr).toBe(0);
      const rows = jsonLines(result.stdout);
      expect(rows.map((row) => [row.leadId, row.field, row.original, row.flags]).sort()).toEqual([
        ['A2', 'ciudad', 'Springfield', ['unknown-city']],
        ['A3', 'ciudad', 'la nevera', ['unknown-city']],
        ['A4', 'ciudad', 'La Nevera.', ['unknown-city']],
      ]);
      expect(result.stderr).toContain('3 field(s) of 3 lead(s)');
    }
  }, 30_000);

  it('combines --field, --changed and --source, and writes CSV', async () => {
    const result = await local('leads', 'list', '--field', 'nombres', '--changed', '--source', 'rules', '--format', 'csv');
    expect(result.code, result.stderr).toBe(0);
    const [header, ...lines] = csvLines(result.stdout);
    expect(header).toBe('leadId,field,original,normalized,source,changed,flags,runId,normalizedAt');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^A1,nombres,ANA MARIA,Ana Maria,rules,true,,local-/);
  }, 30_000);

  it('lists by run id and lays out a table; an unknown field or source is a usage error', async () => {
    const all = jsonLines((await local('leads', 'list', '--format', 'jsonl')).stdout);
    const runId = String(all[0]?.runId);
    const table = await local('leads', 'list', '--run', runId, '--field', 'ciudad');
    expect(table.stdout.split('\n')[0]).toMatch(/^leadId\s+\| field\s+\| original/);
    expect(table.stdout).toContain('(4 rows)');
    expect((await local('leads', 'list', '--run', 'no-such-run')).stdout).toContain('(0 rows)');

    const badField = await local('leads', 'list', '--field', 'telefono');
    expect(badField.code).toBe(2);
    expect(badField.stderr).toContain('--field telefono is not a configured field (configured: nombres, apellidos');
    const badSource = await local('leads', 'list', '--source', 'magic');
    expect(badSource.code).toBe(2);
    expect(badSource.stderr).toContain('--source must be one of rules, cache, llm, steward');
  }, 30_000);

  it('with --aws and no table name, says which flag is missing', async () => {
    const result = await normflow(['leads', 'list', '--aws'], { env: { ...awsEnv(), LEADS_TABLE: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--aws needs --leads-table NAME (or LEADS_TABLE in the environment)');
  }, 30_000);
});

describe('normflow runs', () => {
  it('lists runs latest first with their counts, a dry run marked; refuses to roll a dry run back', async () => {
    const dry = await local('run', '--dry-run', '--force-all');
    expect(dry.code, dry.stderr).toBe(0);
    const runs = jsonLines((await local('runs', 'list', '--format', 'jsonl')).stdout);
    expect(runs.map((run) => [run.dryRun, run.selected, run.status])).toEqual([
      [true, 4, 'completed'],
      [false, 4, 'completed'],
    ]);
    const refused = await local('runs', 'rollback', String(runs[0]?.runId));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('was a dry run: it wrote nothing to roll back');
  }, 30_000);

  it('rolls a run back locally: the leads hold the previous run again', async () => {
    const first = jsonLines((await local('runs', 'list', '--format', 'jsonl')).stdout).find((run) => run.dryRun === false);
    expect((await local('run', '--force-all')).code).toBe(0);
    const [latest] = jsonLines((await local('runs', 'list', '--format', 'jsonl', '--limit', '1')).stdout);
    const rolled = await local('runs', 'rollback', String(latest?.runId));
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain(`run ${String(latest?.runId)}: restored 4 lead(s) to their previous values`);
    expect(rolled.stdout).toContain('left alone: 0 written again by a later run, 0 changed during the rollback');
    const held = jsonLines((await local('leads', 'list', '--field', 'nombres', '--format', 'jsonl')).stdout);
    expect(new Set(held.map((row) => row.runId))).toEqual(new Set([first?.runId]));
    const table = await local('runs', 'list');
    expect(table.stdout).toMatch(/rolledBackAt/);
    expect(table.stdout).toContain('(3 rows)');
  }, 60_000);

  it('lists and rolls back on AWS through the same stores: previews, then restores', async () => {
    const runId = String(jsonLines((await onAws('leads', 'list', '--format', 'jsonl', '--limit', '1')).stdout)[0]?.runId);
    await createDynamoDbRunStore({ client: aws.documentClient, tableName: AWS_TABLES.runs }).putRun(runId, {
      runId,
      startedAt: '2026-12-01T07:00:00.000Z',
      status: 'completed',
      dryRun: false,
      counts: { selected: 4, normalized: 4, unchanged: 0, skipped: 0, failed: 0 },
    });
    const listed = await onAws('runs', 'list', '--format', 'csv');
    expect(csvLines(listed.stdout)).toEqual([
      'runId,startedAt,status,dryRun,selected,normalized,unchanged,skipped,failed,rolledBackAt',
      `${runId},2026-12-01T07:00:00.000Z,completed,false,4,4,0,0,0,`,
    ]);
    const preview = await onAws('runs', 'rollback', runId, '--preview');
    expect(preview.stdout).toContain(`run ${runId}: would restore 4 lead(s) to their previous values (4 to never normalized: due at the next run)`);
    const done = await onAws('runs', 'rollback', runId);
    expect(done.stdout).toContain(`run ${runId}: restored 4 lead(s)`);
    const rows = jsonLines((await onAws('leads', 'list', '--field', 'ciudad', '--format', 'jsonl')).stdout);
    expect(rows.map((row) => [row.original, row.normalized ?? null])).toEqual(expect.arrayContaining([['medellin', null]]));
    await copyLocalToAws();
  }, 60_000);
});

describe('normflow review', () => {
  it('walks the queue in the terminal driven by stdin; the next run applies the decision; list and undo', async () => {
    const session = await normflow(['review', '--data-dir', dataDir, '--by', 'steward-1'], { input: 'Springfeld\nbogota\ns\nq\n' });
    expect(session.code, session.stderr).toBe(0);
    expect(session.stdout).toContain('review queue: 3 distinct input(s) covering 3 lead(s)');
    expect(session.stdout).toMatch(/\[1\/3\] ciudad \(city\) · 2 lead\(s\) · unknown-city×2\n {2}typed: {4}"la nevera" ×1, "La Nevera\." ×1/);
    expect(session.stdout).toContain('refused: "Springfeld" is not a DIVIPOLA municipality (unknown-city)');
    expect(session.stdout).toContain('decided: city "la nevera" → "Bogotá D.C." (11001)');
    expect(session.stdout).toContain('1 decision(s) saved, 2 skipped; 2 lead(s) will be normalized again at the next run');

    const run = await local('run');
    expect(run.stdout).toMatch(/selected 2, normalized 2/);
    const steward = jsonLines((await local('leads', 'list', '--source', 'steward', '--format', 'jsonl')).stdout);
    expect(steward.map((row) => [row.leadId, row.original, row.normalized])).toEqual(
      expect.arrayContaining([
        ['A3', 'la nevera', 'Bogotá D.C.'],
        ['A4', 'La Nevera.', 'Bogotá D.C.'],
      ]),
    );
    const listed = jsonLines((await local('review', 'list', '--format', 'jsonl')).stdout);
    expect(listed).toEqual([expect.objectContaining({ kind: 'city', input: 'la nevera', value: 'Bogotá D.C.', codigoDane: '11001', field: 'ciudad', decidedBy: 'steward-1' })]);
    const undone = await local('review', 'undo');
    expect(undone.stdout).toContain('undone: city "la nevera" → "Bogotá D.C." (11001); 2 lead(s) will be normalized again at the next run');
  }, 60_000);

  it('decides, refuses with the reason, lists, queues and undoes on AWS', async () => {
    const decided = await onAws('review', 'decide', '--field', 'nivelEducativo', '--input', 'POSGRADO', '--value', 'especialista');
    expect(decided.code, decided.stderr).toBe(0);
    expect(decided.stdout).toContain('decided: educationLevel "posgrado" → "Especialista"; 1 lead(s) will be normalized again at the next run');
    const refused = await onAws('review', 'decide', '--field', 'ciudad', '--input', 'Springfield', '--value', 'Springfeld');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refused: "Springfeld" is not a DIVIPOLA municipality (unknown-city)');
    const queue = jsonLines((await onAws('review', 'queue', '--format', 'jsonl')).stdout);
    expect(queue.map((group) => [group.kind, group.input, group.leads])).toEqual([
      ['city', 'la nevera', 2],
      ['city', 'springfield', 1],
    ]);
    const listed = await onAws('review', 'list', '--format', 'csv');
    expect(listed.stdout.split('\n')[1]).toMatch(/^educationLevel,posgrado,Especialista,,nivelEducativo,20/);
    const undone = await onAws('review', 'undo', '--field', 'nivelEducativo', '--input', 'Posgrado');
    expect(undone.stdout).toContain('undone: educationLevel "posgrado" → "Especialista"');
    expect((await onAws('review', 'undo')).stderr).toContain('no decision to undo');
  }, 60_000);
});

describe('normflow sql over the leads', () => {
  it('queries the local leads store with no analytics catalog, and the deployed table with --leads-table', async () => {
    const query = "SELECT lead_id, ciudad_normalized, ciudad_source FROM leads WHERE list_contains(ciudad_flags, 'unknown-city') OR ciudad_source = 'steward' ORDER BY lead_id";
    const localRows = await local('sql', '--json', query);
    expect(localRows.code, localRows.stderr).toBe(0);
    expect((JSON.parse(localRows.stdout) as Array<{ lead_id: string }>).map((row) => row.lead_id)).toEqual(['A2', 'A3', 'A4']);
    const awsRows = await normflow(['sql', '--data-dir', dataDir, '--leads-table', AWS_TABLES.leads, '--config-table', AWS_TABLES.config, '--json', 'SELECT field, count(*) AS n FROM lead_fields GROUP BY 1 ORDER BY 1'], { env: awsEnv() });
    expect(awsRows.code, awsRows.stderr).toBe(0);
    expect(JSON.parse(awsRows.stdout)).toEqual([
      { field: 'apellidos', n: '4' },
      { field: 'ciudad', n: '4' },
      { field: 'nivelEducativo', n: '4' },
      { field: 'nombres', n: '4' },
    ]);
    const athena = await local('sql', '--aws', '--workgroup', 'w', 'SELECT * FROM leads');
    expect(athena.code).toBe(2);
    expect(athena.stderr).toContain('the leads tables are not in Athena');
  }, 60_000);
});

describe('normflow leads duplicates', () => {
  it('writes likely duplicate pairs as JSONL locally and as CSV on AWS, the true ones among them', async () => {
    const sample = generateDuplicateSample({ people: 150, namesakes: 6, seed: 31 });
    const truth = truePairs(sample);
    const input = join(dir, 'dup-leads.jsonl');
    await writeFile(input, sample.leads.map((lead) => JSON.stringify(lead)).join('\n'));
    const dupDir = join(dir, 'dup-data');
    await normflow(['seed', '--input', input, '--data-dir', dupDir]);
    const jsonl = join(dir, 'pairs.jsonl');
    const found = await normflow(['leads', 'duplicates', '--output', jsonl, '--data-dir', dupDir]);
    expect(found.code, found.stderr).toBe(0);
    const pairs = jsonLines(await readFile(jsonl, 'utf8')) as Array<{ leadIds: [string, string]; score: number; reasons: string[] }>;
    expect(found.stdout).toContain(`${pairs.length} likely duplicate pair(s) among ${sample.leads.length} leads`);
    expect(pairs.length).toBeGreaterThan(0);
    expect(pairs.filter((pair) => truth.has(pair.leadIds.join('|'))).length / pairs.length).toBeGreaterThanOrEqual(0.95);
    expect(pairs.every((pair) => pair.score >= 0.9 && pair.reasons.length > 0)).toBe(true);

    await ensureTables(aws.client, { leads: 'dup-leads' });
    await createDynamoDbLeadStore({ client: aws.documentClient, tableName: 'dup-leads' }).putMany(sample.leads);
    const csv = join(dir, 'pairs.csv');
    const onAwsFound = await normflow(['leads', 'duplicates', '--output', csv, '--aws', '--leads-table', 'dup-leads'], { env: awsEnv() });
    expect(onAwsFound.code, onAwsFound.stderr).toBe(0);
    const [header, ...rows] = csvLines(await readFile(csv, 'utf8'));
    expect(header).toBe('leadIdA,leadIdB,score,reasons');
    expect(rows.map((row) => row.split(',').slice(0, 2).join('|'))).toEqual(pairs.map((pair) => pair.leadIds.join('|')));
  }, 60_000);
});

describe('normflow leads duplicates on a Spanish form', () => {
  it('finds the e-mail and phone columns by their names (Correo, Celular), says which it used, and a flag overrides', async () => {
    const sample = generateDuplicateSample({ people: 150, namesakes: 6, seed: 32, phoneField: 'Celular' });
    const leads = sample.leads.map(({ email, ...lead }) => ({ ...lead, Correo: email }));
    const input = join(dir, 'form-contacts.jsonl');
    await writeFile(input, leads.map((lead) => JSON.stringify(lead)).join('\n'));
    const formDir = join(dir, 'form-contacts-data');
    await normflow(['seed', '--input', input, '--data-dir', formDir]);

    const output = join(dir, 'form-pairs.jsonl');
    const found = await normflow(['leads', 'duplicates', '--output', output, '--data-dir', formDir]);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stderr).toContain('e-mail from "Correo" (found by its name; --email-field to choose), phone from "Celular" (found by its name; --phone-field to choose)');
    const pairs = jsonLines(await readFile(output, 'utf8')) as Array<{ reasons: string[] }>;
    expect(pairs.some((pair) => pair.reasons.includes('same e-mail'))).toBe(true);
    expect(pairs.some((pair) => pair.reasons.includes('same phone'))).toBe(true);

    const named = await normflow(['leads', 'duplicates', '--output', output, '--email-field', 'nope', '--data-dir', formDir]);
    expect(named.stderr).toContain('e-mail from "nope", phone from "Celular" (found by its name');
    const withoutMail = jsonLines(await readFile(output, 'utf8')) as Array<{ reasons: string[] }>;
    expect(withoutMail.some((pair) => pair.reasons.some((reason) => reason.includes('e-mail')))).toBe(false);
  }, 60_000);
});

describe('normflow report', () => {
  it('writes one self-contained page from the local store and from the deployed tables', async () => {
    expect((await local('run', '--dry-run', '--force-all')).code).toBe(0);
    const page = join(dir, 'report.html');
    const written = await local('report', '--output', page);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toMatch(/report written to .*report\.html \(\d+ run\(s\), 4 lead\(s\)\)/);
    const html = await readFile(page, 'utf8');
    expect(html).toContain('Normalization quality');
    expect(html).toContain('dry run: nothing written');
    expect(html).not.toMatch(/<script[^>]+src=/);
    for (const name of ['ANA MARIA', 'Ana Maria', 'Pedro', 'Ruiz']) expect(html).not.toContain(name);

    const awsPage = join(dir, 'aws-report.html');
    const onAwsWritten = await onAws('report', '--output', awsPage);
    expect(onAwsWritten.code, onAwsWritten.stderr).toBe(0);
    expect(await readFile(awsPage, 'utf8')).toContain('Most frequent changes');
  }, 60_000);
});
