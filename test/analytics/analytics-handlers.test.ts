import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as convertToParquet } from '#functions/convert-to-parquet.ts';
import { handler as exportConversations } from '#functions/export-conversations.ts';
import { dayInTimeZone } from '#shared/analytics/time-zone-days.ts';
import { getAnalyticsRuntime, parseAnalyticsEnvironment, resolveAnalyticsRun } from '#shared/runtime/analytics-runtime.ts';
import { parseJsonObjectEnv } from '#shared/runtime/pipeline-environment.ts';
import { logger } from '#shared/runtime/observability.ts';
import { createFolderObjectStore } from '#shared/stores/folder-object-store.ts';
import { useEmbeddedDb } from '#test/stores/embedded-test-db.ts';
import { conversation, feedback, register } from './conversation-items.ts';
import { createConversationsTable } from './conversations-table.ts';
import { captureOutput } from '#test/fakes/captured-output.ts';

const embedded = useEmbeddedDb();
const context = { functionName: 'analytics', awsRequestId: 'test', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
const TABLE = 'handler-conversations';

const ANA = 'a0000000-0000-4000-a000-000000000001';
const TEST = 'c0000000-0000-4000-a000-000000000003';
const PERSONAL = ['Zacarías Onésimo Quintero', 'Neiba del Sur', 'mi cédula es 123456789', 'la clave del portal', 'me trató mal el jefe'];
const ITEMS = [
  register(ANA, '2025-01-01T00:00:00.000Z', { nombre: PERSONAL[0], ciudad: `${PERSONAL[1]} (Sede 1)` }),
  conversation(ANA, '2025-01-02T10:00:00.000Z', [['user', PERSONAL[2] ?? ''], ['bot', PERSONAL[3] ?? '']]),
  feedback(ANA, '2025-01-02T10:00:00.000Z', 'dislike', 'Respuesta incorrecta', PERSONAL[4]),
  register(TEST, '2025-01-01T00:00:00.000Z', { nombre: 'Usuario Prueba', ciudad: 'Bogotá' }),
  conversation(TEST, '2025-01-02T11:00:00.000Z', [['user', 'prueba']]),
];

let folder: string;
let lines: string[] = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'analytics-handlers-'));
  await createConversationsTable(embedded().client, embedded().documentClient, TABLE, ITEMS);
  Object.assign(process.env, {
    CONVERSATIONS_TABLE: TABLE,
    ANALYTICS_FOLDER: folder,
    DYNAMODB_ENDPOINT: embedded().endpoint,
    AWS_REGION: 'local',
  });
  delete process.env.ANALYTICS_BUCKET;
  delete process.env.ANALYTICS_CONFIG;
  logger.setLogLevel('DEBUG');
  lines = captureOutput();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(folder, { recursive: true, force: true });
});

describe('export-conversations and convert-to-parquet handlers', () => {
  it('export then convert a run date; return keys and row counts only', async () => {
    const config = { filters: { excludeUserNames: ['usuario prueba'] } };
    const exported = await exportConversations({ runDate: '2025-02-01', config }, context);
    expect(exported).toMatchObject({
      runDate: '2025-02-01',
      keys: { exchanges: 'conversations/exchanges/dt=2025-02-01/exchanges.csv', users: 'conversations/users/dt=2025-02-01/users.csv' },
      rows: { exchanges: 1, users: 1 },
      excludedUsers: { name: 1, city: 0, 'no-exchanges': 0 },
      feedback: { joined: 1, orphaned: 0 },
    });
    const converted = await convertToParquet({ runDate: '2025-02-01', config }, context);
    expect(converted).toMatchObject({
      keys: {
        exchanges: 'conversations/parquet/exchanges/dt=2025-02-01/part-0.parquet',
        users: 'conversations/parquet/users/dt=2025-02-01/part-0.parquet',
      },
      rows: { exchanges: 1, users: 1 },
    });
    expect(JSON.stringify([exported, converted])).not.toMatch(/Zacar|Neiba|cédula/u);
    expect(await createFolderObjectStore(folder).list('conversations/')).toHaveLength(4);
  });

  it('logs ids and counts only: no name, city or conversation text reaches the logs', async () => {
    await exportConversations({ runDate: '2025-02-02' }, context);
    await convertToParquet({ runDate: '2025-02-02' }, context);
    const logged = lines.join('\n');
    expect(logged).toContain('conversations exported');
    expect(logged).toContain('conversations converted to parquet');
    for (const secret of [...PERSONAL, 'Usuario Prueba', 'prueba', 'Respuesta incorrecta']) {
      expect(logged.toLowerCase()).not.toContain(secret.toLowerCase());
    }
  });

  it('defaults the run date to today in Bogotá and the config to the defaults', async () => {
    // 23:30 in Bogotá is already the next day in UTC: the partition is Bogotá's day, on a fixed clock.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-01T04:30:00Z') });
    try {
      const exported = await exportConversations({}, context);
      expect(exported.runDate).toBe('2026-02-28');
      expect(exported.runDate).toBe(dayInTimeZone(Date.now(), 'America/Bogota'));
      expect(exported.rows.users).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes the deployment config from ANALYTICS_CONFIG when the payload has none', async () => {
    process.env.ANALYTICS_CONFIG = JSON.stringify({ exportPrefix: 'chat/', filters: { excludeCityPatterns: ['neiba*'] } });
    try {
      const exported = await exportConversations({ runDate: '2025-02-03' }, context);
      expect(exported.keys.users).toBe('chat/users/dt=2025-02-03/users.csv');
      expect(exported.excludedUsers.city).toBe(1);
    } finally {
      delete process.env.ANALYTICS_CONFIG;
    }
  });

  it.each([
    [{ runDate: '01/02/2025' }, 'Payload.Invalid'],
    [{ runDate: '2025-02-30' }, 'Payload.Invalid'],
    [{ config: { filters: { excludeUserName: ['x'] } } }, 'Config.Invalid'],
  ])('refuses %j with %s', async (payload, name) => {
    await expect(exportConversations(payload, context)).rejects.toMatchObject({ name });
  });

  it('converting a date that was never exported fails with Conversion.MissingExport', async () => {
    await expect(convertToParquet({ runDate: '2024-12-31' }, context)).rejects.toMatchObject({ name: 'Conversion.MissingExport' });
  });
});

describe('the run date', () => {
  const lateEvening = new Date('2026-11-23T04:30:00Z');

  it('a run at 04:30Z on the 23rd (23:30 on the 22nd in Bogotá) defaults to run date 2026-11-22', () => {
    expect(resolveAnalyticsRun({}, { configDefaults: undefined }, lateEvening).runDate).toBe('2026-11-22');
  });

  it('follows the time zone of the payload’s config, else the deployment’s', () => {
    expect(resolveAnalyticsRun({ config: { timeZone: 'UTC' } }, { configDefaults: undefined }, lateEvening).runDate).toBe('2026-11-23');
    expect(resolveAnalyticsRun({}, { configDefaults: { timeZone: 'UTC' } }, lateEvening).runDate).toBe('2026-11-23');
  });

  it('a run date in the payload wins', () => {
    expect(resolveAnalyticsRun({ runDate: '2026-01-05' }, { configDefaults: undefined }, lateEvening).runDate).toBe('2026-01-05');
  });
});

describe('analytics runtime environment', () => {
  const base = { ANALYTICS_FOLDER: '/tmp/x' };

  it('needs exactly one of ANALYTICS_BUCKET and ANALYTICS_FOLDER', () => {
    expect(() => parseAnalyticsEnvironment({})).toThrow(/ANALYTICS_BUCKET/u);
    expect(() => parseAnalyticsEnvironment({ ANALYTICS_BUCKET: 'b', ANALYTICS_FOLDER: '/tmp/x' })).toThrow(/exactly one/u);
    expect(parseAnalyticsEnvironment({ ANALYTICS_BUCKET: 'b' }).ANALYTICS_BUCKET).toBe('b');
  });

  it('names the missing table variable only when a handler needs it', () => {
    const runtime = getAnalyticsRuntime(base);
    expect(() => runtime.tableName('CHAT_TABLE')).toThrow(expect.objectContaining({ name: 'Environment.Invalid', message: expect.stringContaining('CHAT_TABLE') }));
    expect(getAnalyticsRuntime({ ...base, CHAT_TABLE: 'chat' }).tableName('CHAT_TABLE')).toBe('chat');
  });

  it('is built once per environment and rebuilt when it changes', () => {
    expect(getAnalyticsRuntime(base)).toBe(getAnalyticsRuntime({ ...base }));
    expect(getAnalyticsRuntime({ ...base, CHAT_TABLE: 'other' })).not.toBe(getAnalyticsRuntime(base));
  });

  it('an S3 bucket is located as s3://, a folder as a local path', () => {
    expect(getAnalyticsRuntime({ ANALYTICS_BUCKET: 'analytics', AWS_REGION: 'us-east-1' }).objectStore.locationOf('a/b.parquet')).toBe('s3://analytics/a/b.parquet');
    expect(getAnalyticsRuntime(base).objectStore.locationOf('a/b.parquet')).toBe('/tmp/x/a/b.parquet');
  });

  it('refuses an ANALYTICS_CONFIG that is not a JSON object', () => {
    expect(() => getAnalyticsRuntime({ ...base, ANALYTICS_CONFIG: '[1]' })).toThrow(/ANALYTICS_CONFIG must be a JSON object/u);
    expect(() => getAnalyticsRuntime({ ...base, ANALYTICS_CONFIG: '{oops' })).toThrow(expect.objectContaining({ name: 'Environment.Invalid' }));
  });

  it.each(['[1]', '"text"', 'null', '{oops'])('the shared JSON-object parser refuses %s naming the variable', (text) => {
    expect(() => parseJsonObjectEnv('SOME_LAYER', text)).toThrow(expect.objectContaining({ name: 'Environment.Invalid', message: 'SOME_LAYER must be a JSON object' }));
  });

  it('the shared JSON-object parser returns the object, or undefined when the variable is unset', () => {
    expect(parseJsonObjectEnv('SOME_LAYER', '{"timeZone":"UTC"}')).toEqual({ timeZone: 'UTC' });
    expect(parseJsonObjectEnv('SOME_LAYER', undefined)).toBeUndefined();
  });

  it('has the normalize-leads runs only when RUNS_TABLE is set', () => {
    expect(getAnalyticsRuntime(base).runs).toBeUndefined();
    expect(getAnalyticsRuntime({ ...base, RUNS_TABLE: 'runs' }).runs).toBeDefined();
  });
});
