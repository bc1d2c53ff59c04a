import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localStores } from '#cli/local-stores.ts';
import { formatSeedCounts, leadItemOf, seedLeads } from '#cli/seed-command.ts';
import { startLocalEnvironment, type LocalEnvironment } from '#infra/local/local-runtime.ts';
import { parseConfig } from '#shared/config/normalization-config.ts';

let dir: string;
let local: LocalEnvironment;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-seed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  local = await startLocalEnvironment({ inMemory: true });
});
afterEach(async () => {
  await local.close();
});

async function file(name: string, lines: Array<string | Record<string, unknown>>): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n'));
  return path;
}

const stored = async (id: string) => (await localStores(local).leads.getMany([id])).get(id);
/** A lead as stored, without its entry in the index of due leads (seeding sets it, due at the time of seeding). */
async function lead(id: string) {
  const item = await stored(id);
  if (!item) return item;
  const { dueShard: _shard, dueAt: _at, ...rest } = item;
  return rest;
}

describe('seedLeads', () => {
  it('counts inserted, updated, unchanged and rejected, and only changed originals make a lead due', async () => {
    const first = await seedLeads(local, await file('first.jsonl', [{ leadId: 'A', nombres: 'ANA' }, { leadId: 'B', nombres: 'LUIS' }]));
    expect(first.counts).toEqual({ inserted: 2, updated: 0, unchanged: 0, kept: 0, rejected: 0 });
    // As if a run normalized both.
    const { leads } = localStores(local);
    for (const leadId of ['A', 'B']) {
      const item = await lead(leadId);
      await leads.putMany([{ ...item, normalizedAt: '2026-01-01T00:00:00.000Z', normalizedData: { nombres: 'X' } }]);
    }

    const second = await seedLeads(local, await file('second.jsonl', [{ leadId: 'A', nombres: 'ANA' }, { leadId: 'B', nombres: 'LUISA' }, { leadId: 'C', nombres: 'EVA' }, 'not json']));
    expect(second.counts).toEqual({ inserted: 1, updated: 1, unchanged: 1, kept: 0, rejected: 1 });
    expect(second.rejected).toEqual([{ line: 4, reason: 'not valid JSON' }]);
    expect(formatSeedCounts(second.counts, false)).toBe('inserted 1, updated 1, unchanged 1, rejected 1');
    expect(await lead('A')).toMatchObject({ normalizedAt: '2026-01-01T00:00:00.000Z', normalizedData: { nombres: 'X' } });
    expect(await lead('B')).toEqual({ leadId: 'B', nombres: 'LUISA' });
    expect(await stored('B')).toMatchObject({ dueShard: expect.stringMatching(/^\d{3}$/), dueAt: expect.any(String) });
    expect((await leads.findDue({ normalizedBefore: '2026-06-01T00:00:00.000Z', limit: 10 })).leadIds.sort()).toEqual(['A', 'B', 'C']);
    expect((await leads.findDue({ normalizedBefore: '2025-06-01T00:00:00.000Z', limit: 10 })).leadIds.sort()).toEqual(['B', 'C']);
  });

  it('reads an Excel export as it is: Windows-1252, `;`, Spanish headers matched to the configured fields', async () => {
    const path = join(dir, 'excel.csv');
    // Bytes as Excel in Colombia saves them: Á is 0xC1, Ú is 0xDA, Ñ is 0xD1 in Windows-1252.
    await writeFile(path, Buffer.from('ID;Nombres;Ciudad de residencia\r\n7;\xC1NGEL DAVID;BOGOT\xC1\r\n8;LUC\xCDA;NU\xD1EZ\r\n', 'latin1'));
    const notices: string[] = [];
    const config = parseConfig({ idField: 'ID', fields: { nombres: 'personName', ciudadDeResidencia: 'city' } });
    const result = await seedLeads(local, path, { config, onNotice: (notice) => notices.push(notice) });
    expect(result.counts).toEqual({ inserted: 2, updated: 0, unchanged: 0, kept: 0, rejected: 0 });
    expect(notices).toEqual([expect.stringMatching(/windows-1252/i)]);
    expect(await lead('7')).toEqual({ leadId: '7', ID: '7', nombres: 'ÁNGEL DAVID', ciudadDeResidencia: 'BOGOTÁ' });
    expect(await lead('8')).toMatchObject({ nombres: 'LUCÍA', ciudadDeResidencia: 'NUÑEZ' });
  });

  it('without a config matches headers to the fields run will read: the defaults, or the store\'s config item once it has one', async () => {
    // An Excel export with the form's own headers and no --config: stored under the default fields' spelling.
    const path = join(dir, 'no-config.csv');
    await writeFile(path, Buffer.from('Id;Nombres;Direcci\xF3n;Nivel Educativo;Ocupaci\xF3n Actual;Comentario\r\n00123;JOS\xC9;Cra 7 # 45-12;profesional;ingeniero;llamar\r\n', 'latin1'));
    const notices: string[] = [];
    expect((await seedLeads(local, path, { onNotice: (notice) => notices.push(notice) })).counts).toMatchObject({ inserted: 1, rejected: 0 });
    // Said at once, not after a run that finds nothing to normalize.
    expect(notices).toContain(`no column of ${path} matches the configured field(s) "apellidos", "ciudad", "empresa"; run will not normalize them on these leads (--config to map your columns)`);
    expect(await lead('00123')).toEqual({
      leadId: '00123',
      Id: '00123',
      nombres: 'JOSÉ',
      direccion: 'Cra 7 # 45-12',
      nivelEducativo: 'profesional',
      ocupacionActual: 'ingeniero',
      Comentario: 'llamar',
    });

    // A store that keeps a config (config set, or an earlier seed --config): its idField and fields.
    await localStores(local).config.putConfig('normalization-settings', { idField: 'codigo', fields: { 'Ciudad de residencia': 'city' } });
    const second = join(dir, 'stored-config.csv');
    await writeFile(second, 'CODIGO,ciudad de residencia,Nombres\nC-9,medellin,ANA\n');
    const none: string[] = [];
    expect((await seedLeads(local, second, { onNotice: (notice) => none.push(notice) })).counts).toMatchObject({ inserted: 1, rejected: 0 });
    expect(none).toEqual([]);
    expect(await lead('C-9')).toEqual({ leadId: 'C-9', CODIGO: 'C-9', 'Ciudad de residencia': 'medellin', Nombres: 'ANA' });
  });

  it('a CSV header with two columns for one field (neither exactly its name) is a usage error before any line loads', async () => {
    const path = join(dir, 'ambiguous.csv');
    await writeFile(path, 'id;NOMBRES;Nombres \n1;ANA;ANA\n');
    await expect(seedLeads(local, path)).rejects.toMatchObject({ name: 'Input.AmbiguousField' });
    expect(await stored('1')).toBeUndefined();
  });

  it('seeds back a file normflow wrote (an export, corrected in a spreadsheet) without its pipeline attributes, and says so; elsewhere they are refused', async () => {
    const notices: string[] = [];
    const onNotice = (notice: string) => notices.push(notice);
    // As `leads export --output x.csv` writes it: computed columns, then the pipeline's own.
    const csv = join(dir, 'export.csv');
    await writeFile(
      csv,
      '\uFEFFleadId,nombres,normalizedData.nombres,normalizationMeta.nombres.flags,normalizedAt,updatedAt,normalizationRunId,normalizationMeta,_extra\r\n' +
        'E1,ANA,Ana,,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z,run-1,"{""nombres"":{}}",\r\n' +
        'E2,LUIS,Luis,,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z,run-1,"{""nombres"":{}}","{""ciudad"":""cali"",""dueAt"":""x""}"\r\n',
    );
    expect((await seedLeads(local, csv, { onNotice })).counts).toMatchObject({ inserted: 2, rejected: 0 });
    expect(await lead('E1')).toEqual({ leadId: 'E1', nombres: 'ANA' });
    expect(await lead('E2')).toEqual({ leadId: 'E2', nombres: 'LUIS', ciudad: 'cali' });
    expect(notices.at(-1)).toBe(`${csv} was written by normflow (an export or a normalize output): its pipeline attributes (normalizedAt, updatedAt, normalizationRunId, dueAt) were not loaded; runs write them again`);

    // As a JSON export: the same originals are unchanged, a corrected one is updated.
    const jsonl = await file('export.jsonl', [
      { leadId: 'E1', nombres: 'ANA', normalizedData: { nombres: 'Ana' }, normalizationMeta: { nombres: {} }, normalizedAt: '2026-01-01T00:00:00.000Z', normalizationHistory: [] },
      { leadId: 'E2', nombres: 'LUIS ALBERTO', ciudad: 'cali', normalizedData: { nombres: 'Luis' }, normalizationMeta: { nombres: {} }, normalizedAt: '2026-01-01T00:00:00.000Z' },
    ]);
    expect((await seedLeads(local, jsonl, { onNotice })).counts).toMatchObject({ unchanged: 1, updated: 1, rejected: 0 });

    // A file of the user's own with such an attribute: refused, as it would be overwritten.
    const own = await file('own.jsonl', [{ leadId: 'U1', nombres: 'EVA', updatedAt: '2025-12-01' }]);
    expect((await seedLeads(local, own)).rejected).toEqual([{ line: 1, reason: 'attribute "updatedAt" is written by the pipeline, never loaded (rename it in the file)' }]);
  });

  it('with insertOnly leaves every existing lead alone', async () => {
    await seedLeads(local, await file('base.jsonl', [{ leadId: 'A', nombres: 'ANA' }]));
    const result = await seedLeads(local, await file('again.jsonl', [{ leadId: 'A', nombres: 'OTRA' }, { leadId: 'B', nombres: 'LUIS' }]), { insertOnly: true });
    expect(result.counts).toEqual({ inserted: 1, updated: 0, unchanged: 0, kept: 1, rejected: 0 });
    expect(formatSeedCounts(result.counts, true)).toBe('inserted 1, updated 0, unchanged 0, kept 1 (already there, --insert-only), rejected 0');
    expect(await lead('A')).toEqual({ leadId: 'A', nombres: 'ANA' });
  });

  it('an id with spaces around it is the same lead as without them', async () => {
    const csv = join(dir, 'spaces.csv');
    await writeFile(csv, 'id;nombres\r\n 7 ;ANA\r\n7;ANA MARIA\r\n');
    const result = await seedLeads(local, csv);
    expect(result.counts).toMatchObject({ inserted: 1, rejected: 1 });
    expect(result.rejected).toEqual([{ line: 3, reason: 'id "7" already on line 2' }]);
    expect(await lead('7')).toEqual({ leadId: '7', id: ' 7 ', nombres: 'ANA' });
  });

  it('rejects a repeated id on its later line, naming the first, even when the first was rejected too', async () => {
    const result = await seedLeads(
      local,
      await file('dup.jsonl', [{ leadId: 'A', nombres: 'ANA' }, { id: 'B', normalizedAt: 'x' }, { leadId: 'A', nombres: 'OTRA' }, { id: 'B', nombres: 'LUIS' }]),
    );
    expect(result.rejected).toEqual([
      { line: 2, reason: 'attribute "normalizedAt" is written by the pipeline, never loaded (rename it in the file)' },
      { line: 3, reason: 'id "A" already on line 1' },
      { line: 4, reason: 'id "B" already on line 2' },
    ]);
    expect(await lead('A')).toEqual({ leadId: 'A', nombres: 'ANA' });
    expect(await localStores(local).leads.count()).toBe(1);
  });

  it('rejects items DynamoDB would refuse line by line; the good lines of the same batch load', async () => {
    const lines: Array<string | Record<string, unknown>> = Array.from({ length: 120 }, (_, index) => ({ leadId: `L${index}`, nombres: 'ANA' }));
    lines[10] = { leadId: 'big', nota: 'ñ'.repeat(210_000) };
    lines[50] = `{"leadId": "n", "telefono": 123456789012345678901234}`;
    lines[110] = { leadId: 'x'.repeat(2100) };
    const result = await seedLeads(local, await file('refused.jsonl', lines));
    expect(result.counts).toMatchObject({ inserted: 117, rejected: 3 });
    expect(result.rejected.map((rejection) => rejection.line)).toEqual([11, 51, 111]);
    expect(result.rejected[0]?.reason).toMatch(/^the item is 420\d+ bytes as DynamoDB counts them/);
    expect(result.rejected[1]?.reason).toBe('attribute "telefono" is a number beyond ±2^53, whose digits are lost when it is read: write it as text');
    expect(result.rejected[2]?.reason).toBe('key "leadId" is 2100 bytes long (DynamoDB allows 2048)');
  });

  it('with a config: its idField is the id column and headers match its fields whatever their case', async () => {
    const config = parseConfig({ idField: 'codigo', fields: { nombres: 'personName', ciudad: 'city' } });
    const csv = join(dir, 'form.csv');
    await writeFile(csv, 'codigo,NOMBRES, Ciudad ,\nC-1,ANA,medellin,\nC-2,LUIS,cali,sobra\n');
    const result = await seedLeads(local, csv, { config });
    expect(result.counts).toMatchObject({ inserted: 2, rejected: 0 });
    // Stored under the configured names, so the pipeline finds them; the unnamed column is dropped where empty, kept where typed.
    expect(await lead('C-1')).toEqual({ leadId: 'C-1', codigo: 'C-1', nombres: 'ANA', ciudad: 'medellin' });
    expect(await lead('C-2')).toEqual({ leadId: 'C-2', codigo: 'C-2', nombres: 'LUIS', ciudad: 'cali', _column4: 'sobra' });
    expect(leadItemOf({ codigo: 'x', '': 'valor' }, 'x', config)).toBe('a value under an empty attribute name (DynamoDB refuses empty names)');
  });
});

describe('leadItemOf', () => {
  const config = parseConfig({ idField: 'codigo', fields: { ciudad: 'city' } });

  it('refuses two columns naming the same configured field, and a leadId other than the id', () => {
    expect(leadItemOf({ ciudad: 'a', CIUDAD: 'b' }, 'x', config)).toBe('columns "ciudad" and "CIUDAD" both name the field "ciudad"');
    expect(leadItemOf({ codigo: 'x', leadId: 'y' }, 'x', config)).toBe('"leadId" (the table\'s key) differs from the id in "codigo"');
    expect(leadItemOf({ id: 'x', leadId: 'x' }, 'x', parseConfig({}))).toEqual({ id: 'x', leadId: 'x' });
  });
});
