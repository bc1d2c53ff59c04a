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
  /** Exactly the DynamoDB calls the handler's code makes, per table. */
  readonly tables: Partial<Record<TableLogicalName, readonly DynamoDbAction[]>>;
  /** Calls on a table's indexes, per table and index name. */
  readonly indexes?: Partial<Record<TableLogicalName, Readonly<Record<string, readonly DynamoDbAction[]>>>>;
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
  // runs.acquireLock → conditional PutCommand, GetCommand (who holds it); leads.countSegment → ScanCommand (one 1/256 segment); plans.putPlan/putSegment → PutCommand.
  'plan-run': {
    tables: { leads: ['dynamodb:Scan'], runs: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
  },
  // plans.getSegment → GetCommand; runs.listBatchResults (a page cut short) → QueryCommand; leads.findDue → ScanCommand (one segment);
  // leads.findDueInIndex → QueryCommand on the index of due leads; plans.reserve → UpdateCommand; plans.putSegment → PutCommand;
  // runs.saveBatches → BatchWriteCommand; runs.purgeBatchData (the page cut short, once counted) → QueryCommand, BatchWriteCommand.
  'select-page': {
    tables: { leads: ['dynamodb:Scan'], runs: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'] },
    indexes: { leads: { dueLeads: ['dynamodb:Query'] } },
  },
  // plans.getSegment → GetCommand; runs.listBatchResults (the page's) and purgeBatchData → QueryCommand; plans.putSegment → PutCommand;
  // runs.purgeBatchData → BatchWriteCommand (deletes the page's working data once it is counted).
  'finish-page': { tables: { runs: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'] } },
  // With a model only (nothing is read or written without one): runs.loadBatch → GetCommand; leads.getMany, valueCache.getMany
  // and decisions.lookup → BatchGetCommand; when something is left to ask: runs.claimModelCall → conditional PutCommand,
  // GetCommand when held; runs.saveModelAnswers and completeModelCall → PutCommand;
  // runs.addBatchUsage and releaseModelCall → UpdateCommand; the rate limiter (a quota set) → GetCommand, conditional
  // PutCommand; the model → Converse (or the API key secret, for an OpenAI-compatible endpoint).
  'invoke-model': {
    tables: {
      leads: ['dynamodb:BatchGetItem'],
      runs: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      valueCache: ['dynamodb:BatchGetItem'],
      decisions: ['dynamodb:BatchGetItem'],
    },
    invokesModel: true,
  },
  // runs.loadBatch, loadModelAnswers and loadBatchUsage → GetCommand; leads.getMany, valueCache.getMany and decisions.lookup
  // → BatchGetCommand; valueCache.putMany → BatchWriteCommand; leads.writeNormalizations → a conditional UpdateCommand per
  // lead (a failed one answers with the lead); runs.saveBatchResult → PutCommand.
  'write-results': {
    tables: {
      leads: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
      runs: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      valueCache: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
      decisions: ['dynamodb:BatchGetItem'],
    },
  },
  // runs.loadBatch/loadBatchUsage → GetCommand; runs.saveBatchResult → PutCommand.
  'split-batch': { tables: { runs: ['dynamodb:GetItem', 'dynamodb:PutItem'] } },
  // runs.loadBatch/loadBatchUsage → GetCommand; leads.getMany → BatchGetCommand; leads.recordFailure → conditional UpdateCommand;
  // runs.saveBatchResult → PutCommand.
  'record-lead-failure': {
    tables: { leads: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], runs: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
  },
  // runs.loadBatch/loadBatchUsage → GetCommand; runs.listBatchResults (the batch's) → QueryCommand; runs.saveBatchResult → PutCommand.
  'record-batch-failure': { tables: { runs: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'] } },
  // plans.listSegments and runs.purgeBatchData → QueryCommand; plans.getPlan and runs.getRun (a retried last Report) → GetCommand;
  // runs.putRun and runs.releaseLock → UpdateCommand; runs.purgeBatchData and plans.deletePlan → BatchWriteCommand (the run's plan,
  // segment records and what dead pages left, once the run is done).
  'report-run': { tables: { runs: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'] } },
  // runs.releaseLock and runs.markRunFailed → conditional UpdateCommand.
  'release-run-lock': { tables: { runs: ['dynamodb:UpdateItem'] } },
  // configStore.getConfig → GetCommand (which fields are configured, whether normalization is enabled).
  'stream-changes': { tables: { config: ['dynamodb:GetItem'] } },
  // configStore.disable → UpdateCommand.
  'cost-kill-switch': { tables: { config: ['dynamodb:UpdateItem'] } },
} as const satisfies Record<string, FunctionAccess>;

export type FunctionName = keyof typeof FUNCTION_ACCESS;
