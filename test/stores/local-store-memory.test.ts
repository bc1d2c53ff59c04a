import { describe, expect, it } from 'vitest';
import { describeFailure } from '#cli/cli-errors.ts';
import { DynamoDbEngine, type MemoryUse } from '#infra/local/dynamodb-engine/dynamodb-engine.ts';
import { LocalStoreFullError } from '#shared/errors/normflow-errors.ts';

const TABLE = {
  TableName: 'leads-memory',
  KeySchema: [{ AttributeName: 'leadId', KeyType: 'HASH' }],
  AttributeDefinitions: [{ AttributeName: 'leadId', AttributeType: 'S' }],
};

const put = (engine: DynamoDbEngine, index: number) => engine.handle('PutItem', { TableName: TABLE.TableName, Item: { leadId: { S: `L-${index}` } } });

describe('the local store near the memory the process may use', () => {
  it('refuses a write with one clear error once the heap passes 85% of its limit, keeping what it stored', () => {
    let memory: MemoryUse = { used: 10, limit: 100 };
    const engine = new DynamoDbEngine(() => {}, () => memory);
    engine.handle('CreateTable', TABLE);
    for (let index = 0; index < 1_500; index += 1) put(engine, index);

    memory = { used: 90 * 1_048_576, limit: 100 * 1_048_576 };
    let refusedAt: number | undefined;
    let error: unknown;
    for (let index = 1_500; index < 3_000 && refusedAt === undefined; index += 1) {
      try {
        put(engine, index);
      } catch (caught) {
        refusedAt = index;
        error = caught;
      }
    }
    expect(error).toBeInstanceOf(LocalStoreFullError);
    expect((error as Error).message).toBe(
      `the local store holds ${refusedAt} items and this process uses 90 MiB of the 100 MiB it may: local tables are kept in memory (docs/local-store.md); give it more with NODE_OPTIONS=--max-old-space-size=<MiB>, or run on AWS`,
    );
    // Every write before the refused one is there; the refused one is not.
    expect(engine.handle('Scan', { TableName: TABLE.TableName, Select: 'COUNT' })).toMatchObject({ Count: refusedAt });
    expect(engine.handle('GetItem', { TableName: TABLE.TableName, Key: { leadId: { S: `L-${String(refusedAt)}` } } })).toEqual({});
  });

  it('is a one-line failure of the work for the CLI (exit 1)', () => {
    const failure = describeFailure(new LocalStoreFullError('the local store holds 3 items'));
    expect(failure).toMatchObject({ line: 'normflow: the local store holds 3 items', exitCode: 1 });
  });
});
