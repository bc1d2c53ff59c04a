import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChatItemSource } from './chat-item-source.ts';
import { scanPages } from './dynamodb-table-pages.ts';

/** The Bedrock Chat table, scanned page by page; after a watermark only items changed since are read (a Scan filter). */
export function createDynamoDbChatSource(options: { client: DynamoDBDocumentClient; tableName: string; pageSize?: number }): ChatItemSource {
  return {
    pages: (after) =>
      scanPages({
        client: options.client,
        tableName: options.tableName,
        ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
        ...(after === undefined
          ? {}
          : {
              filter: {
                expression: '#createTime > :after OR #lastUpdateTime > :after',
                names: { '#createTime': 'CreateTime', '#lastUpdateTime': 'LastUpdateTime' },
                values: { ':after': after },
              },
            }),
      }),
  };
}
