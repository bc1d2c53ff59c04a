import { describe, expect, it } from 'vitest';
import { DynamoDbEngine } from '#infra/local/dynamodb-engine/dynamodb-engine.ts';

const TABLE = 'capacity';
const item = (id: string, bytes: number) => ({ id: { S: id }, text: { S: 'x'.repeat(bytes) } });

function engineWithItems(): DynamoDbEngine {
  const engine = new DynamoDbEngine();
  engine.handle('CreateTable', { TableName: TABLE, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] });
  // 'a' is 3 bytes of key and name plus 9,000 of text (3 read units of 4 KB, 9 write units of 1 KB); 'b' is under 1 KB.
  engine.handle('PutItem', { TableName: TABLE, Item: item('a', 9_000) });
  engine.handle('PutItem', { TableName: TABLE, Item: item('b', 100) });
  return engine;
}

describe('the capacity the embedded store reports (what bench:scale meters)', () => {
  it('counts BatchGetItem reads in 4 KB units, halved when eventually consistent, only when asked', () => {
    const engine = engineWithItems();
    const keys = [{ id: { S: 'a' } }, { id: { S: 'b' } }, { id: { S: 'missing' } }];
    const consistent = engine.handle('BatchGetItem', { RequestItems: { [TABLE]: { Keys: keys, ConsistentRead: true } }, ReturnConsumedCapacity: 'TOTAL' });
    // 3 + 1 + 1 (a missing item costs a read too).
    expect(consistent.ConsumedCapacity).toEqual([{ TableName: TABLE, CapacityUnits: 5 }]);
    const eventual = engine.handle('BatchGetItem', { RequestItems: { [TABLE]: { Keys: keys } }, ReturnConsumedCapacity: 'TOTAL' });
    expect(eventual.ConsumedCapacity).toEqual([{ TableName: TABLE, CapacityUnits: 2.5 }]);
    expect(engine.handle('BatchGetItem', { RequestItems: { [TABLE]: { Keys: keys } } })).not.toHaveProperty('ConsumedCapacity');
  });

  it('counts BatchWriteItem writes in 1 KB units of the larger of the new and the replaced item, only when asked', () => {
    const engine = engineWithItems();
    const written = engine.handle('BatchWriteItem', {
      RequestItems: { [TABLE]: [{ PutRequest: { Item: item('a', 10) } }, { PutRequest: { Item: item('c', 2_000) } }, { DeleteRequest: { Key: { id: { S: 'b' } } } }] },
      ReturnConsumedCapacity: 'TOTAL',
    });
    // a replaced (9 units, the old item's), c new (2), b deleted (1).
    expect(written.ConsumedCapacity).toEqual([{ TableName: TABLE, CapacityUnits: 12 }]);
    expect(engine.handle('BatchWriteItem', { RequestItems: { [TABLE]: [{ PutRequest: { Item: item('d', 10) } }] } })).not.toHaveProperty('ConsumedCapacity');
  });
});
