import { QueryCommand, ScanCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

export type TableItem = Record<string, unknown>;

/** A Scan filter: `expression` with its `#name` and `:value` placeholders. */
export interface ScanFilter {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export interface ScanPagesOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Items evaluated per request (DynamoDB's `Limit`, before the filter); unset, each request reads up to 1 MB. */
  pageSize?: number;
  filter?: ScanFilter;
  /** Only these attributes (DynamoDB's `ProjectionExpression`). */
  projection?: string;
}

/**
 * Every item of a table, one Scan page at a time, so a caller holds a page and never the table.
 * A Scan returns the items of one partition key together (sort-key order); pages the filter
 * emptied are not yielded.
 */
export async function* scanPages(options: ScanPagesOptions): AsyncGenerator<TableItem[]> {
  const { client, tableName, pageSize, filter, projection } = options;
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1)) {
    throw new RangeError(`pageSize must be a whole number ≥ 1, got ${pageSize}`);
  }
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ...(pageSize === undefined ? {} : { Limit: pageSize }),
        ...(projection === undefined ? {} : { ProjectionExpression: projection }),
        ...(filter
          ? {
              FilterExpression: filter.expression,
              ...(filter.names ? { ExpressionAttributeNames: filter.names } : {}),
              ...(filter.values ? { ExpressionAttributeValues: filter.values } : {}),
            }
          : {}),
        ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
      }),
    );
    exclusiveStartKey = page.LastEvaluatedKey;
    if (page.Items && page.Items.length > 0) yield page.Items;
  } while (exclusiveStartKey);
}

/** Every item a Query finds, page after page, until `limit` items (or all of them) are in. */
export async function queryItems(client: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>, limit = Number.POSITIVE_INFINITY): Promise<TableItem[]> {
  const items: TableItem[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}) }));
    items.push(...(page.Items ?? []));
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey && items.length < limit);
  return items.slice(0, limit);
}
