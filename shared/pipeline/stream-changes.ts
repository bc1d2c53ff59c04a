import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { NormalizationConfig } from '#shared/config/normalization-config.ts';

/**
 * Near-real-time normalization: the leads table's stream goes through an EventBridge Pipe to the
 * normalize-leads state machine. The Pipe drops deletions by its filter; the enrichment keeps the
 * inserts and the edits of a configured field (comparing the old and new images, which a filter
 * pattern cannot) and hands the state machine `{leadIds}`. Normalization's own writes change no
 * configured field, so they never come back as work.
 */

/** The Pipe's filter (EventBridge pattern syntax): inserts and edits; deletions never reach the enrichment. */
export const STREAM_FILTER_PATTERN = { eventName: ['INSERT', 'MODIFY'] } as const;

/** A DynamoDB stream record as a Pipe delivers it (NEW_AND_OLD_IMAGES). */
export interface StreamRecord {
  eventName?: string;
  dynamodb?: {
    Keys?: Record<string, AttributeValue>;
    NewImage?: Record<string, AttributeValue>;
    OldImage?: Record<string, AttributeValue>;
  };
}

/** Whether a record passes the Pipe's filter (the same pattern the stack deploys). */
export const passesStreamFilter = (record: StreamRecord): boolean => (STREAM_FILTER_PATTERN.eventName as readonly string[]).includes(record.eventName ?? '');

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Leads inserted with a configured field, or whose configured fields changed; each once, in stream order. */
export function leadIdsToNormalize(records: readonly StreamRecord[], config: Pick<NormalizationConfig, 'fields' | 'idField'>): string[] {
  const fields = Object.keys(config.fields);
  const ids = new Set<string>();
  for (const record of records) {
    if (!passesStreamFilter(record) || !record.dynamodb?.NewImage) continue;
    const next = unmarshall(record.dynamodb.NewImage);
    const previous = record.dynamodb.OldImage ? unmarshall(record.dynamodb.OldImage) : undefined;
    const id = next[config.idField] ?? (record.dynamodb.Keys ? unmarshall(record.dynamodb.Keys)[config.idField] : undefined);
    if (id === undefined || id === null) continue;
    const relevant = previous
      ? fields.some((field) => !sameValue(previous[field], next[field]))
      : fields.some((field) => next[field] !== undefined && next[field] !== null);
    if (relevant) ids.add(String(id));
  }
  return [...ids];
}

/** The Pipe's target input: `[{leadIds}]`, or `[]` so that the Pipe starts no execution. */
export function pipeTargetInput(records: readonly StreamRecord[], config: Pick<NormalizationConfig, 'fields' | 'idField' | 'enabled'>): Array<{ leadIds: string[] }> {
  if (!config.enabled) return [];
  const leadIds = leadIdsToNormalize(records, config);
  return leadIds.length > 0 ? [{ leadIds }] : [];
}
