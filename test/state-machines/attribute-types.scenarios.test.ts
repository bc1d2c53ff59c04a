/**
 * Every DynamoDB attribute type in a configured field, through the whole pipeline on the local
 * runtime (the embedded store): normalized or flagged, written, and written again on a forceAll
 * run — never "edited" forever, never failing a batch.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExactNumber, TOO_LONG_BYTES } from '#shared/engine/original-values.ts';
import { itemBytes, MAX_ITEM_BYTES } from '#shared/stores/dynamodb-item-limits.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';
import { startHarness, summaryOf, type Harness } from './local-pipeline-harness.ts';

let harness: Harness;
beforeEach(async () => {
  harness = await startHarness();
  // One batch holds every type, so a value that failed its batch would take the others with it.
  await harness.setConfig({ batchSize: 20, fields: { nombres: 'personName', nota: 'text' } });
});
afterEach(async () => {
  await harness.close();
});

const LONG = `${'Calle larga '.repeat(Math.ceil(TOO_LONG_BYTES / 12))}fin`;

/** `nota` (kind text) of each lead, and what normalization makes of it. */
const CASES: Array<{ leadId: string; nota: unknown; normalized: string | null; flags: string[] }> = [
  { leadId: 'string', nota: '  hola   mundo ', normalized: 'hola mundo', flags: [] },
  { leadId: 'number', nota: 42, normalized: '42', flags: [] },
  { leadId: 'decimal', nota: -0.25, normalized: '-0.25', flags: [] },
  { leadId: 'beyond-2-53', nota: new ExactNumber('123456789012345678901234567890'), normalized: '123456789012345678901234567890', flags: [] },
  { leadId: 'many-digits', nota: new ExactNumber('0.12345678901234567890123'), normalized: '0.12345678901234567890123', flags: [] },
  { leadId: 'null', nota: null, normalized: null, flags: [] },
  { leadId: 'boolean', nota: true, normalized: null, flags: ['not-text'] },
  { leadId: 'binary', nota: new Uint8Array([104, 111, 108, 97]), normalized: null, flags: ['not-text'] },
  { leadId: 'string-set', nota: new Set(['a', 'b']), normalized: null, flags: ['not-text'] },
  { leadId: 'number-set', nota: new Set([1, new ExactNumber('98765432109876543210')]), normalized: null, flags: ['not-text'] },
  { leadId: 'binary-set', nota: new Set([new Uint8Array([1]), new Uint8Array([2])]), normalized: null, flags: ['not-text'] },
  { leadId: 'map', nota: { calle: 'x', numero: 3 }, normalized: null, flags: ['not-text'] },
  { leadId: 'list', nota: ['a', 1, { b: true }], normalized: null, flags: ['not-text'] },
  { leadId: 'empty-list', nota: [], normalized: null, flags: ['not-text'] },
  { leadId: 'too-long', nota: LONG, normalized: null, flags: ['too-long'] },
];

const leads = (): LeadItem[] => CASES.map(({ leadId, nota }) => ({ leadId, nombres: 'ANA MARIA', nota }));

describe('any attribute type in a configured field', () => {
  it('is normalized (strings, numbers as their exact text) or flagged, with no batch failing', async () => {
    await harness.seed(leads());
    const result = await harness.run();
    expect(result.status).toBe('SUCCEEDED');
    expect(summaryOf(result.output).counts).toMatchObject({ selected: CASES.length, failed: 0, skipped: 0 });
    for (const { leadId, nota, normalized, flags } of CASES) {
      const lead = await harness.lead(leadId);
      expect(lead?.normalizedData, leadId).toEqual({ nombres: 'Ana Maria', nota: normalized });
      // A value that is its own text, a null, or one kept as it is, is not a change.
      const changed = leadId === 'string';
      expect(lead?.normalizationMeta, leadId).toMatchObject({ nota: { source: 'rules', changed, flags } });
      // The original is untouched, whatever its type.
      expect(lead?.nota, leadId).toEqual(nota);
    }
    expect(summaryOf(result.output).flags).toEqual({ 'not-text': 8, 'too-long': 1 });
  });

  it('is written again by a forceAll run: never taken for an edit, so never due again and again', async () => {
    await harness.seed(leads());
    await harness.run();
    const again = await harness.run({ forceAll: true });
    expect(summaryOf(again.output).counts).toMatchObject({ selected: CASES.length, skippedEdited: 0, failed: 0 });
    const third = await harness.run();
    expect(summaryOf(third.output)).toMatchObject({ status: 'nothing-due', counts: { selected: 0 } });
  });

  it('keeps too-long values out of the runs table: the run\'s working data stays small', async () => {
    const huge = 'x'.repeat(300_000);
    await harness.seed([{ leadId: 'huge', nombres: 'ANA', nota: huge }]);
    // Read right after WriteResults: Report purges the run's working data.
    let largest = 0;
    await harness.run({}, {
      handlerOverrides: {
        WriteResults: async (payload, next) => {
          const output = await next(payload);
          const { Items = [] } = await harness.local.db.documentClient.send(new ScanCommand({ TableName: harness.local.env.RUNS_TABLE, ConsistentRead: true }));
          largest = Math.max(...Items.map((item) => itemBytes(item)));
          return output;
        },
      },
    });
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(TOO_LONG_BYTES + 2_000);
    expect((await harness.lead('huge'))?.normalizationMeta).toMatchObject({ nota: { flags: ['too-long'] } });
  });
});

describe('an original edited between read and write is still caught, whatever its type', () => {
  async function runEditing(leadId: string, edited: unknown) {
    harness.changeBeforeWrite(leadId, (lead) => ({ ...lead, nota: edited }));
    return harness.run();
  }

  it.each([
    ['a map that became text', 'map', 'ahora texto'],
    ['a list that became a number', 'list', 7],
    ['a number changed by one unit in its 30th digit', 'beyond-2-53', new ExactNumber('123456789012345678901234567891')],
    ['a too-long text that became short', 'too-long', 'corta'],
    ['a too-long text whose start changed', 'too-long', `X${LONG}`],
  ])('%s', async (_label, leadId, edited) => {
    await harness.seed(leads());
    const result = await runEditing(leadId, edited);
    expect(summaryOf(result.output).counts).toMatchObject({ skippedEdited: 1, failed: 0, normalized: CASES.length - 1 });
    expect((await harness.lead(leadId))?.normalizedAt).toBeUndefined();
    // The next run normalizes what is there now.
    await harness.run();
    expect((await harness.lead(leadId))?.normalizedAt).toBeDefined();
  });

  it('a map edited to another map needs no new normalization: it is still `not-text`', async () => {
    await harness.seed(leads());
    const result = await runEditing('map', { otra: 'cosa' });
    expect(summaryOf(result.output).counts).toMatchObject({ skippedEdited: 0, failed: 0 });
    expect(await harness.lead('map')).toMatchObject({ nota: { otra: 'cosa' }, normalizationMeta: { nota: { flags: ['not-text'] } } });
  });
});

describe('a lead too large to take its normalization', () => {
  it('is counted as refused; its batch-mates are written', async () => {
    const small = { nombres: 'ANA MARIA', nota: 'x' };
    const nearFull = { leadId: 'full', ...small, relleno: '' };
    nearFull.relleno = 'r'.repeat(MAX_ITEM_BYTES - 50 - itemBytes(nearFull));
    await harness.seed([{ leadId: 'a', ...small }, nearFull, { leadId: 'b', ...small }]);
    const result = await harness.run();
    expect(summaryOf(result.output).counts).toMatchObject({ normalized: 2, skippedRefused: 1, failed: 0 });
    expect((await harness.lead('full'))?.normalizedAt).toBeUndefined();
  });
});
