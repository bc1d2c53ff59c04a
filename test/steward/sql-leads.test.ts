import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsPaths } from '#cli/analytics-paths.ts';
import { runLocalQuery } from '#cli/sql-command.ts';
import { mentionsLeadsTables, snapshotLeads } from '#cli/sql-leads.ts';
import { openLocalCatalog } from '#infra/local/local-catalog.ts';
import { ensureTables } from '#infra/local/local-tables.ts';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { useEmbeddedDb } from '#test/stores/embedded-test-db.ts';

const embedded = useEmbeddedDb();
const config = parseConfig({});
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'normflow-sql-leads-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NORMALIZED = {
  leadId: 'S1',
  nombres: 'ANA',
  ciudad: 'la nevera',
  email: 'ana@example.com',
  normalizedAt: '2026-11-02T07:00:00.000Z',
  normalizationRunId: 'run-7',
  normalizationVersion: '2026.11.1',
  normalizedData: { nombres: 'Ana', ciudad: 'Bogotá D.C.', ciudadDepartamento: 'Bogotá, D.C.', ciudadCodigoDane: '11001' },
  normalizationMeta: { nombres: { source: 'rules', changed: true, flags: [] }, ciudad: { source: 'steward', changed: true, flags: [] } },
};
const FLAGGED = {
  leadId: 'S2',
  ciudad: 'Springfield',
  normalizedAt: '2026-11-02T07:00:00.000Z',
  normalizationRunId: 'run-7',
  normalizedData: { ciudad: 'Springfield', ciudadDepartamento: null, ciudadCodigoDane: null },
  normalizationMeta: { ciudad: { source: 'rules', changed: false, flags: ['unknown-city'] } },
};

async function leadStore(name: string) {
  await ensureTables(embedded().client, { leads: name });
  return createDynamoDbLeadStore({ client: embedded().documentClient, tableName: name });
}

describe('the leads tables of normflow sql', () => {
  it('knows when a query needs them', () => {
    expect(mentionsLeadsTables('select * from LEADS')).toBe(true);
    expect(mentionsLeadsTables('select field from lead_fields')).toBe(true);
    expect(mentionsLeadsTables('select * from users where note = \'leadsheet\'')).toBe(false);
  });

  it('answers without an analytics catalog: originals, normalized values, sources, flags as lists, run ids', async () => {
    const store = await leadStore('sql-leads-1');
    await store.putMany([NORMALIZED, FLAGGED, { leadId: 'S3', nombres: 'never normalized' }]);
    const dataDir = join(dir, 'no-catalog');
    const snapshot = await snapshotLeads(store, config, analyticsPaths(dataDir).leadsSnapshot);
    expect(snapshot.count).toBe(3);
    const leads = await runLocalQuery(
      dataDir,
      "SELECT lead_id, nombres, nombres_normalized, ciudad, ciudad_normalized, ciudad_source, ciudad_codigo_dane, len(ciudad_flags) AS n_flags, run_id, json_extract_string(originals, '$.email') AS email FROM leads ORDER BY lead_id",
      snapshot,
    );
    expect(leads.rows).toEqual([
      ['S1', 'ANA', 'Ana', 'la nevera', 'Bogotá D.C.', 'steward', '11001', '0', 'run-7', 'ana@example.com'],
      ['S2', null, null, 'Springfield', 'Springfield', 'rules', null, '1', 'run-7', null],
      ['S3', 'never normalized', null, null, null, null, null, '0', null, null],
    ]);
    const flagged = await runLocalQuery(dataDir, "SELECT lead_id, field FROM lead_fields WHERE list_contains(flags, 'unknown-city')", snapshot);
    expect(flagged.rows).toEqual([['S2', 'ciudad']]);
    const bySource = await runLocalQuery(dataDir, 'SELECT source, count(*) FROM lead_fields GROUP BY 1 ORDER BY 1 NULLS LAST', snapshot);
    expect(bySource.rows).toEqual([['rules', '2'], ['steward', '1'], [null, '1']]);
  });

  it('sits beside the analytics tables of the catalog, and an empty store is an empty table', async () => {
    const dataDir = join(dir, 'with-catalog');
    await mkdir(join(dataDir, 'analytics'), { recursive: true });
    const catalog = await openLocalCatalog(analyticsPaths(dataDir).catalog);
    await catalog.connection.run("CREATE TABLE users AS SELECT 'u1' AS user_id");
    catalog.close();
    const snapshot = await snapshotLeads(await leadStore('sql-leads-2'), config, analyticsPaths(dataDir).leadsSnapshot);
    const result = await runLocalQuery(dataDir, 'SELECT (SELECT count(*) FROM leads) AS leads, (SELECT count(*) FROM users) AS users', snapshot);
    expect(result.rows).toEqual([['0', '1']]);
  });
});
