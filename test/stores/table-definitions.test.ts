import { describe, expect, it } from 'vitest';
import { createTableInput, TABLE_DEFINITIONS } from '#shared/stores/table-definitions.ts';

describe('table definitions', () => {
  it('name the environment variables holding the physical table names', () => {
    expect(Object.fromEntries(Object.values(TABLE_DEFINITIONS).map((table) => [table.logicalName, table.tableNameEnvVar]))).toEqual({
      leads: 'LEADS_TABLE',
      config: 'CONFIG_TABLE',
      runs: 'RUNS_TABLE',
      valueCache: 'VALUE_CACHE_TABLE',
      decisions: 'DECISIONS_TABLE',
    });
  });

  it.each(Object.values(TABLE_DEFINITIONS))('define exactly the key attributes of $logicalName and its indexes', (table) => {
    const keyNames = [...table.keySchema, ...(table.globalSecondaryIndexes ?? []).flatMap((index) => index.keySchema)].map(
      (key) => key.AttributeName,
    );
    expect(table.attributeDefinitions.map((attribute) => attribute.AttributeName).sort()).toEqual([...new Set(keyNames)].sort());
  });

  it('have the keys the stores rely on', () => {
    expect(TABLE_DEFINITIONS.leads.keySchema).toEqual([{ AttributeName: 'leadId', KeyType: 'HASH' }]);
    expect(TABLE_DEFINITIONS.config.keySchema).toEqual([{ AttributeName: 'configId', KeyType: 'HASH' }]);
    expect(TABLE_DEFINITIONS.valueCache.keySchema).toEqual([{ AttributeName: 'cacheKey', KeyType: 'HASH' }]);
    expect(TABLE_DEFINITIONS.valueCache.timeToLiveAttribute).toBe('expiresAt');
    expect(TABLE_DEFINITIONS.runs.keySchema.map((key) => key.AttributeName)).toEqual(['pk', 'sk']);
    expect(TABLE_DEFINITIONS.decisions.keySchema).toEqual([{ AttributeName: 'decisionKey', KeyType: 'HASH' }]);
  });

  it('turn into on-demand CreateTable input, indexes projecting everything', () => {
    expect(createTableInput(TABLE_DEFINITIONS.runs, 'prod-runs')).toEqual({
      TableName: 'prod-runs',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'runIndexPk', AttributeType: 'S' },
        { AttributeName: 'runIndexSk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'runsByStart',
          KeySchema: [
            { AttributeName: 'runIndexPk', KeyType: 'HASH' },
            { AttributeName: 'runIndexSk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
    expect(createTableInput(TABLE_DEFINITIONS.leads, 'prod-leads').GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'dueLeads',
        KeySchema: [
          { AttributeName: 'dueShard', KeyType: 'HASH' },
          { AttributeName: 'dueAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
  });
});
