import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

const TYPE_KEYS = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

const isTypedValue = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && TYPE_KEYS.has(Object.keys(value)[0] ?? '');

/**
 * One item from a JSON line: plain JSON, DynamoDB-typed JSON (`{"PK": {"S": "…"}}`), or a DynamoDB
 * export line (`{"Item": {…typed…}}`). Typed values are unmarshalled; numbers become numbers.
 */
export function itemFromJson(value: Record<string, unknown>): Record<string, unknown> {
  const candidate = 'Item' in value && Object.keys(value).length === 1 && typeof value.Item === 'object' ? (value.Item as Record<string, unknown>) : value;
  const entries = Object.values(candidate);
  if (entries.length > 0 && entries.every(isTypedValue)) {
    return unmarshall(candidate as Record<string, AttributeValue>, { wrapNumbers: false });
  }
  return candidate;
}
