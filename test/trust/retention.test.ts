import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { ValueCache, valueCacheKey } from '#shared/engine/value-cache.ts';
import { forgetLead } from '#shared/pipeline/forget-lead.ts';
import { createDynamoDbValueCache } from '#shared/stores/dynamodb-value-cache.ts';
import type { FakeLlmServer } from '#test/fakes/fake-llm-server.ts';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';
import { startHarness, type Harness } from '#test/state-machines/local-pipeline-harness.ts';

/** Personal data is kept only as long as it is needed: working data goes when the run reports, the rest by TTL or on request. */

const PERSON = { leadId: 'P-1', nombres: 'MARIA FERNANDA', apellidos: 'PEREZ', nivelEducativo: 'Posgrado', ciudad: 'Neiba' };
const answer = (user: string) =>
  JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(user) as Record<string, Record<string, string>>).map(([id, fields]) => [id, { ...fields, ...(fields.nivelEducativo ? { nivelEducativo: 'Especialista' } : {}), ...(fields.ciudad ? { ciudad: 'Neiva' } : {}) }])));

let harness: Harness;
let fake: FakeLlmServer;

beforeEach(async () => {
  harness = await startHarness();
  fake = await startFakeOpenAiServer({ answer });
  harness.setDeployment({ provider: 'openai', baseUrl: fake.url });
  await harness.setConfig({ maxConcurrency: 1, model: { modelId: 'm', requestTimeoutMs: 2_000 } });
});
afterEach(async () => {
  await harness.close();
  await fake.close();
});

async function tableItems(variable: 'RUNS_TABLE' | 'VALUE_CACHE_TABLE'): Promise<Array<Record<string, unknown>>> {
  const output = await harness.local.db.documentClient.send(new ScanCommand({ TableName: harness.local.env[variable] }));
  return output.Items ?? [];
}
const workingData = (items: Array<Record<string, unknown>>) => items.filter((item) => /^((BATCH|DATA|IDEMPOTENCY|USAGE|RESULT|SEGMENT)#|PLAN$)/.test(String(item.sk)));
const crash = async () => {
  throw Object.assign(new Error('process killed'), { name: 'Crash' });
};
/** A run that dies before its pages are counted (FinishPage deletes a page's working data) and before it reports. */
const DYING = { handlerOverrides: { FinishPage: crash, Report: crash } };

describe('runs table', () => {
  it('deletes a run\'s working data (ids, answers, records, its plan and segments) when it is done; keeps the run record and counts', async () => {
    await harness.seed([PERSON]);
    await harness.run();
    const items = await tableItems('RUNS_TABLE');
    expect(workingData(items)).toEqual([]);
    expect(items.some((item) => item.sk === 'RUN')).toBe(true);
    expect(JSON.stringify(items)).not.toMatch(/maria|fernanda|perez/i);
  });

  it('leaves a dead run\'s working data to the table TTL: every item carries expiresAt (epoch seconds, within 2 days)', async () => {
    await harness.seed([PERSON]);
    const crashed = await harness.run({}, DYING);
    expect(crashed.status).toBe('FAILED');
    const left = workingData(await tableItems('RUNS_TABLE'));
    expect(new Set(left.map((item) => String(item.sk).replace(/#.*/, '')))).toEqual(new Set(['BATCH', 'DATA', 'IDEMPOTENCY', 'USAGE', 'RESULT', 'SEGMENT', 'PLAN']));
    const now = Date.now() / 1000;
    for (const item of left) {
      expect(typeof item.expiresAt).toBe('number');
      expect(item.expiresAt as number).toBeGreaterThan(now);
      expect(item.expiresAt as number).toBeLessThanOrEqual(now + 2 * 86_400 + 60);
    }
  });
});

describe('normflow leads forget', () => {
  it('erases the lead, the batch traces naming it, and the cache entries made from its values', async () => {
    await harness.seed([PERSON, { leadId: 'P-2', nombres: 'LUIS', nivelEducativo: 'Bachiller' }]);
    // A run that died before its pages were counted and before its report leaves its working data behind.
    await harness.run({}, DYING);
    expect((await tableItems('VALUE_CACHE_TABLE')).length).toBe(2);
    const stores = { ...harness.stores, valueCache: createDynamoDbValueCache({ client: harness.local.db.documentClient, tableName: harness.local.env.VALUE_CACHE_TABLE ?? '' }) };

    const report = await forgetLead(stores, parseConfig({}), 'P-1');
    expect(report).toEqual({ leadFound: true, batchTraces: 1, cacheEntries: 2 });
    expect(await harness.lead('P-1')).toBeUndefined();
    expect(await harness.lead('P-2')).toBeDefined();
    const left = JSON.stringify([...(await tableItems('RUNS_TABLE')), ...(await tableItems('VALUE_CACHE_TABLE'))]);
    expect(left).not.toContain('P-1');
    expect(left).not.toMatch(/neiva|especialista/i);
  });

  it('erases the lead\'s normalization history with it: every earlier version lives on the lead item', async () => {
    await harness.seed([PERSON, { leadId: 'P-2', nombres: 'LUIS', nivelEducativo: 'Bachiller' }]);
    await harness.run();
    await harness.stores.leads.requestRenormalization(['P-1'], '2099-01-01T00:00:00.000Z');
    await harness.run();
    expect((await harness.lead('P-1'))?.normalizationHistory).toHaveLength(1);
    const stores = { ...harness.stores, valueCache: createDynamoDbValueCache({ client: harness.local.db.documentClient, tableName: harness.local.env.VALUE_CACHE_TABLE ?? '' }) };

    await forgetLead(stores, parseConfig({}), 'P-1');
    const leadsLeft = await harness.allLeads();
    expect(leadsLeft.map((lead) => lead.leadId)).toEqual(['P-2']);
    expect(JSON.stringify([...leadsLeft, ...(await tableItems('RUNS_TABLE'))])).not.toMatch(/maria|fernanda|perez|neiva|especialista/i);
  });
});

describe('value cache', () => {
  it('keys hold no value and name provider, endpoint and model: another endpoint does not reuse an answer', async () => {
    const model = { provider: 'openai', endpoint: 'http://127.0.0.1:1/v1/chat/completions', modelId: 'm' };
    const key = valueCacheKey('city', 'Neiba', model);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(valueCacheKey('city', 'Neiba', { ...model, endpoint: 'https://attacker/v1/chat/completions' })).not.toBe(key);
    expect(valueCacheKey('city', 'Neiba', { ...model, provider: 'bedrock' })).not.toBe(key);
    expect(valueCacheKey('city', 'Neiba', { ...model, modelId: 'other' })).not.toBe(key);
    expect(valueCacheKey('city', 'NEIBA ', model)).toBe(key);
  });

  it('keeps only accepted answers, for cacheTtlDays, and `cache clear` empties it', async () => {
    await harness.setConfig({ maxConcurrency: 1, cacheTtlDays: 3, model: { modelId: 'm', requestTimeoutMs: 2_000 } });
    await harness.seed([{ leadId: 'A', nivelEducativo: 'Posgrado', ciudad: 'Springfield' }]);
    await harness.run();
    const entries = await tableItems('VALUE_CACHE_TABLE');
    // Especialista was accepted; Springfield → Neiva was rejected and is not kept.
    expect(entries.map((entry) => entry.value)).toEqual(['Especialista']);
    const days = ((entries[0]?.expiresAt as number) - Date.now() / 1000) / 86_400;
    expect(days).toBeGreaterThan(2.99);
    expect(days).toBeLessThanOrEqual(3);

    const store = createDynamoDbValueCache({ client: harness.local.db.documentClient, tableName: harness.local.env.VALUE_CACHE_TABLE ?? '' });
    expect(await store.clear()).toBe(1);
    expect(await tableItems('VALUE_CACHE_TABLE')).toEqual([]);
    expect((await new ValueCache({ persistent: store }).lookup([String(entries[0]?.cacheKey)])).size).toBe(0);
  });
});
