import { describe, expect, it } from 'vitest';
import { streamRecordOf } from '#infra/local/local-stream.ts';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { parseRunRequest } from '#shared/pipeline/run-request.ts';
import { leadIdsToNormalize, passesStreamFilter, pipeTargetInput } from '#shared/pipeline/stream-changes.ts';

const config = parseConfig({ fields: { nombres: 'personName', ciudad: 'city' } });
const lead = { leadId: 'L1', nombres: 'ANA', ciudad: 'medellin', email: 'a@example.com' };

describe('stream records → the leads to normalize', () => {
  it('takes inserts with a configured field and edits of one; never deletions, other edits or normalization\'s own writes', () => {
    const records = [
      streamRecordOf({ eventName: 'INSERT', after: lead }),
      streamRecordOf({ eventName: 'INSERT', after: { leadId: 'L2', email: 'only@example.com' } }),
      streamRecordOf({ eventName: 'MODIFY', before: { ...lead, leadId: 'L3' }, after: { ...lead, leadId: 'L3', ciudad: 'Bello' } }),
      streamRecordOf({ eventName: 'MODIFY', before: { ...lead, leadId: 'L4' }, after: { ...lead, leadId: 'L4', email: 'b@example.com' } }),
      streamRecordOf({ eventName: 'MODIFY', before: { ...lead, leadId: 'L5' }, after: { ...lead, leadId: 'L5', normalizedAt: '2025-06-01T00:00:00.000Z', normalizedData: { nombres: 'Ana' } } }),
      streamRecordOf({ eventName: 'MODIFY', before: { ...lead, leadId: 'L6' }, after: { leadId: 'L6', ciudad: 'medellin', email: 'a@example.com' } }),
      streamRecordOf({ eventName: 'REMOVE', before: { ...lead, leadId: 'L7' } }),
      streamRecordOf({ eventName: 'INSERT', after: lead }),
    ];
    expect(leadIdsToNormalize(records, config)).toEqual(['L1', 'L3', 'L6']);
    expect(records.filter(passesStreamFilter)).toHaveLength(7);
    expect(pipeTargetInput(records, config)).toEqual([{ leadIds: ['L1', 'L3', 'L6'] }]);
    expect(pipeTargetInput(records.slice(3, 5), config)).toEqual([]);
    expect(pipeTargetInput(records, { ...config, enabled: false })).toEqual([]);
  });

  it('compares any attribute type as the stream carries it: numbers of any digits, sets in any order, maps', () => {
    const image = (ciudad: Record<string, unknown>, leadId = 'N1') => ({ leadId: { S: leadId }, ciudad }) as never;
    const modify = (before: Record<string, unknown>, after: Record<string, unknown>, leadId?: string) => ({
      eventName: 'MODIFY',
      dynamodb: { Keys: { leadId: { S: leadId ?? 'N1' } }, OldImage: image(before, leadId), NewImage: image(after, leadId) },
    });
    const thirtyDigits = '123456789012345678901234567890';
    const records = [
      // Unmarshalled, a number past 2^53 would throw and stop the whole batch.
      modify({ N: thirtyDigits }, { N: `${thirtyDigits.slice(0, -1)}1` }, 'big'),
      modify({ N: thirtyDigits }, { N: thirtyDigits }, 'same-big'),
      modify({ SS: ['a', 'b'] }, { SS: ['b', 'a'] }, 'same-set'),
      modify({ M: { a: { S: 'x' } } }, { M: { a: { S: 'y' } } }, 'map'),
      { eventName: 'INSERT', dynamodb: { Keys: { leadId: { S: 'null' } }, NewImage: image({ NULL: true }, 'null') } },
      { eventName: 'INSERT', dynamodb: { Keys: { leadId: { N: '42' } }, NewImage: { leadId: { N: '42' }, ciudad: { N: '5001' } } as never } },
    ];
    expect(leadIdsToNormalize(records, config)).toEqual(['big', 'map', '42']);
  });

  it('reads the Pipe\'s batch as one run naming every lead once; any other array is refused', () => {
    expect(parseRunRequest([{ leadIds: ['A', 'B'] }, { leadIds: ['B', 'C'] }])).toEqual({ forceAll: false, maxLeads: null, dryRun: false, leadIds: ['A', 'B', 'C'] });
    expect(() => parseRunRequest([])).toThrow(/Pipe batch/);
    expect(() => parseRunRequest([{ forceAll: true }])).toThrow(/Pipe batch/);
    expect(() => parseRunRequest([{ leadIds: Array.from({ length: 10_001 }, (_, index) => `x${index}`) }])).toThrow(/leadIds/);
  });
});
