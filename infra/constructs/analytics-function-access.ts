import type { AnalyticsConfig } from '#shared/analytics/analytics-config.ts';
import { exportKeys } from '#shared/analytics/conversation-export.ts';
import { parquetKeys } from '#shared/analytics/parquet-conversion.ts';
import { partitionKey, TOKEN_COST_TABLES, WATERMARK_FILE } from '#shared/analytics/token-cost-schema.ts';
import type { DynamoDbAction } from './function-access.ts';

/** Tables the analytics Lambdas read: the chatbot's two tables and the normalize-leads runs index. */
export type AnalyticsSourceTable = 'conversations' | 'chat' | 'runsByStart';

export type BucketAction = 's3:GetObject' | 's3:PutObject' | 's3:AbortMultipartUpload';

export interface AnalyticsFunctionAccess {
  /** Exactly the DynamoDB calls the handler makes, per source table (`runsByStart`: the runs table's index). */
  readonly tables: Partial<Record<AnalyticsSourceTable, readonly DynamoDbAction[]>>;
  /** Object actions per key pattern (`*` for the run date or day), as the shared code builds the keys. */
  readonly objects: ReadonlyArray<{ readonly actions: readonly BucketAction[]; readonly keys: readonly string[] }>;
  /**
   * `s3:ListBucket` on the bucket: the handler reads keys that may not exist yet, and S3 answers a
   * missing key with 404 (what the code expects) only to a caller that may list the bucket; 403 otherwise.
   */
  readonly readsMissingKeys: boolean;
}

/** A run date or day in a key pattern. */
const ANY_DAY = '*';

/** `ObjectStore.putFile` streams through `@aws-sdk/lib-storage`: PutObject or a multipart upload, aborted on error. */
const UPLOAD: readonly BucketAction[] = ['s3:PutObject', 's3:AbortMultipartUpload'];

/**
 * What each analytics Lambda's code does, traced from the handler to the store calls: the keys come
 * from the same functions the code writes them with, for the deployment's prefixes.
 * `test/infra/analytics-observed-calls.test.ts` runs the handlers and checks both directions.
 */
export function analyticsFunctionAccess(config: Pick<AnalyticsConfig, 'exportPrefix' | 'tokenCostsPrefix'>) {
  const csv = exportKeys(config.exportPrefix, ANY_DAY);
  const parquet = parquetKeys(config.exportPrefix, ANY_DAY);
  const tokenCosts = (table: keyof typeof TOKEN_COST_TABLES) => partitionKey(config.tokenCostsPrefix, table, ANY_DAY);
  const watermark = `${config.tokenCostsPrefix}${WATERMARK_FILE}`;
  return {
    // scanPages → ScanCommand; exportConversations → putFile of both CSV files.
    'export-conversations': {
      tables: { conversations: ['dynamodb:Scan'] },
      objects: [{ actions: UPLOAD, keys: [csv.exchanges, csv.users] }],
      readsMissingKeys: false,
    },
    // convertToParquet → getFile of both CSV files (a missing one is Conversion.MissingExport), putFile of both Parquet files.
    'convert-to-parquet': {
      tables: {},
      objects: [
        { actions: ['s3:GetObject'], keys: [csv.exchanges, csv.users] },
        { actions: UPLOAD, keys: [parquet.exchanges, parquet.users] },
      ],
      readsMissingKeys: true,
    },
    // Chat source → ScanCommand; runs.listRuns → QueryCommand on the runsByStart index; the watermark
    // → getText/putText; the day partitions it merges (conversations, normalization) → getFile, all four → putFile.
    'aggregate-token-costs': {
      tables: { chat: ['dynamodb:Scan'], runsByStart: ['dynamodb:Query'] },
      objects: [
        { actions: ['s3:GetObject', 's3:PutObject'], keys: [watermark] },
        { actions: ['s3:GetObject'], keys: [tokenCosts('conversations'), tokenCosts('normalization')] },
        {
          actions: UPLOAD,
          keys: [tokenCosts('conversations'), tokenCosts('byUserDay'), tokenCosts('byModelDay'), tokenCosts('normalization')],
        },
      ],
      readsMissingKeys: true,
    },
  } as const satisfies Record<string, AnalyticsFunctionAccess>;
}

export type AnalyticsFunctionName = keyof ReturnType<typeof analyticsFunctionAccess>;
