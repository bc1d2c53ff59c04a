import type { TableLogicalName } from '#shared/stores/table-definitions.ts';

export type DynamoDbAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:BatchWriteItem';

export interface FunctionAccess {
  /** Exactly the DynamoDB calls the handler's code makes, per table (tables only: no index is read). */
  readonly tables: Partial<Record<TableLogicalName, readonly DynamoDbAction[]>>;
  /** Calls Bedrock Converse (`bedrock:InvokeModel` on the configured model only). */
  readonly invokesModel?: boolean;
}

/**
 * What each Lambda's code does, traced from the handler through `shared/pipeline/*` to the store
 * methods and their SDK commands. `test/infra/iam-observed-calls.test.ts` runs the handlers and
 * checks every call they make is in here, and every action in here is made.
 */
export const FUNCTION_ACCESS = {
  // configStore.getConfig → GetCommand.
  'load-config': { tables: { config: ['dynamodb:GetItem'] } },
  // runs.acquireLock → conditional PutCommand, GetCommand (who holds it); leads.findDue → ScanCommand; runs.saveBatch → PutCommand.
  'select-leads': {
    tables: { leads: ['dynamodb:Scan'], runs: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
  },
  // runs.claimModelCall → conditional PutCommand, GetCommand when held; runs.loadBatch → GetCommand; leads.getMany,
  // valueCache.getMany and decisions.lookup → BatchGetCommand; runs.saveBatchData and completeModelCall → PutCommand;
  // runs.addBatchUsage and releaseModelCall → UpdateCommand; the model → Converse (or the API key secret, for an
  // OpenAI-compatible endpoint).
  'invoke-model': {
    tables: {
      leads: ['dynamodb:BatchGetItem'],
      runs: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      valueCache: ['dynamodb:BatchGetItem'],
      decisions: ['dynamodb:BatchGetItem'],
    },
    invokesModel: true,
  },
  // As invoke-model without the model, plus runs.loadBatchData → GetCommand and valueCache.putMany → BatchWriteCommand.
  'post-process': {
    tables: {
      leads: ['dynamodb:BatchGetItem'],
      runs: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      valueCache: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
      decisions: ['dynamodb:BatchGetItem'],
    },
  },
  // runs.loadBatch/loadBatchData/loadBatchUsage → GetCommand; leads.writeNormalization → GetCommand (the version it
  // replaces), conditional UpdateCommand, GetCommand when it fails; runs.saveBatchResult → PutCommand.
  'write-results': {
    tables: { leads: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], runs: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
  },
  // runs.loadBatch/loadBatchUsage → GetCommand; runs.saveBatchResult → PutCommand.
  'record-batch-failure': { tables: { runs: ['dynamodb:GetItem', 'dynamodb:PutItem'] } },
  // runs.listBatchResults and purgeBatchData → QueryCommand on the table; runs.putRun and runs.releaseLock → UpdateCommand;
  // runs.purgeBatchData → BatchWriteCommand (deletes the run's working data).
  'report-run': { tables: { runs: ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'] } },
  // configStore.disable → UpdateCommand.
  'cost-kill-switch': { tables: { config: ['dynamodb:UpdateItem'] } },
} as const satisfies Record<string, FunctionAccess>;

export type FunctionName = keyof typeof FUNCTION_ACCESS;
