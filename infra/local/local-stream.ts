import { marshall } from '@aws-sdk/util-dynamodb';
import { passesStreamFilter, type StreamRecord } from '#shared/pipeline/stream-changes.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';
import { loadLocalHandler } from './local-handlers.ts';
import { invokeLocally } from './lambda-invocation.ts';
import { runStateMachineLocally, type LocalRunOptions, type LocalRunResult } from './local-runtime.ts';

/** A DynamoDB stream record (NEW_AND_OLD_IMAGES) of a change to a lead, as the Pipe delivers it. */
export function streamRecordOf(change: { eventName: 'INSERT' | 'MODIFY' | 'REMOVE'; before?: LeadItem; after?: LeadItem; keyName?: string }): StreamRecord {
  const keyName = change.keyName ?? 'leadId';
  const item = change.after ?? change.before ?? {};
  return {
    eventName: change.eventName,
    dynamodb: {
      Keys: marshall({ [keyName]: item[keyName] }),
      ...(change.after ? { NewImage: marshall(change.after, { removeUndefinedValues: true }) } : {}),
      ...(change.before ? { OldImage: marshall(change.before, { removeUndefinedValues: true }) } : {}),
    },
  };
}

/** What the Pipe hands the state machine for a batch of records: its filter, then the enrichment (the deployed handler). */
export async function pipeTargetInputLocally(records: readonly StreamRecord[]): Promise<Array<{ leadIds: string[] }>> {
  const passing = records.filter(passesStreamFilter);
  if (passing.length === 0) return [];
  const handler = await loadLocalHandler('stream-changes');
  return (await invokeLocally('stream-changes', handler, passing)) as Array<{ leadIds: string[] }>;
}

/**
 * One batch of the Pipe, locally: filter, enrichment, and an execution of the same state machine
 * with the very input the Pipe would start it with; undefined when the Pipe would start none.
 */
export async function runStreamBatchLocally(records: readonly StreamRecord[], options: Omit<LocalRunOptions, 'input'> = {}): Promise<LocalRunResult | undefined> {
  const input = await pipeTargetInputLocally(records);
  if (input.length === 0) return undefined;
  return runStateMachineLocally('normalize-leads', { ...options, input });
}
