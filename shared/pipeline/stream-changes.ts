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

/**
 * An attribute as the stream carries it (DynamoDB JSON), compared as such: any type, a number of
 * any digits (unmarshalled, one past 2^53 would throw), sets whatever their order.
 */
function canonical(value: AttributeValue | undefined): string {
  if (value === undefined) return 'absent';
  if ('SS' in value && value.SS) return JSON.stringify({ SS: [...value.SS].sort() });
  if ('NS' in value && value.NS) return JSON.stringify({ NS: [...value.NS].sort() });
  return JSON.stringify(value, (_key, inner: unknown) => (inner instanceof Uint8Array ? Buffer.from(inner).toString('base64') : inner));
}

const hasValue = (value: AttributeValue | undefined): boolean => value !== undefined && !('NULL' in value && value.NULL);

/** The lead id, a string or number key as its text. */
function idOf(value: AttributeValue | undefined): string | undefined {
  if (value && 'S' in value && value.S !== undefined) return value.S;
  if (value && 'N' in value && value.N !== undefined) return value.N;
  return undefined;
}

/** Leads inserted with a configured field, or whose configured fields changed; each once, in stream order. */
export function leadIdsToNormalize(records: readonly StreamRecord[], config: Pick<NormalizationConfig, 'fields' | 'idField'>): string[] {
  const fields = Object.keys(config.fields);
  const ids = new Set<string>();
  for (const record of records) {
    const next = record.dynamodb?.NewImage;
    if (!passesStreamFilter(record) || !next) continue;
    const previous = record.dynamodb?.OldImage;
    const id = idOf(next[config.idField] ?? record.dynamodb?.Keys?.[config.idField]);
    if (id === undefined) continue;
    const relevant = previous
      ? fields.some((field) => canonical(previous[field]) !== canonical(next[field]))
      : fields.some((field) => hasValue(next[field]));
    if (relevant) ids.add(id);
  }
  return [...ids];
}

/** The Pipe's target input: `[{leadIds}]`, or `[]` so that the Pipe starts no execution. */
export function pipeTargetInput(records: readonly StreamRecord[], config: Pick<NormalizationConfig, 'fields' | 'idField' | 'enabled'>): Array<{ leadIds: string[] }> {
  if (!config.enabled) return [];
  const leadIds = leadIdsToNormalize(records, config);
  return leadIds.length > 0 ? [{ leadIds }] : [];
}
