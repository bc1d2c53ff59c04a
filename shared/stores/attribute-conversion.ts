import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { convertToAttr, convertToNative, type marshallOptions, type unmarshallOptions } from '@aws-sdk/util-dynamodb';

/**
 * util-dynamodb's marshalling with a direct path for the values the stores write most (strings,
 * safe numbers, booleans, null, plain objects and arrays of them): the in-process store converts
 * every value of every request, and the SDK's general conversion spends more on that than the store
 * does on the request. Anything else (sets, bytes, NumberValue, bigint, unsafe numbers, class
 * instances) goes to util-dynamodb itself, so the result — or the error — is always util-dynamodb's
 * (a property test compares them).
 */
function toAttribute(value: unknown, options: marshallOptions): AttributeValue {
  if (value === null) return { NULL: true };
  switch (typeof value) {
    case 'string':
      return value.length === 0 && options.convertEmptyValues ? convertToAttr(value, options) : { S: value };
    case 'boolean':
      return { BOOL: value };
    case 'number':
      return Number.isSafeInteger(value) || (Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER) ? { N: value.toString() } : convertToAttr(value, options);
    case 'object': {
      if (Array.isArray(value)) {
        const list: AttributeValue[] = [];
        for (const element of value) {
          if (typeof element === 'function' || (element === undefined && options.removeUndefinedValues)) continue;
          list.push(toAttribute(element, options));
        }
        return { L: list };
      }
      // A plain object (util-dynamodb's own test, narrowed: anything doubtful is left to it).
      const constructor = (value as { constructor?: unknown }).constructor;
      if (constructor === Object || constructor === undefined) return { M: toAttributes(value as Record<string, unknown>, options) };
      return convertToAttr(value, options);
    }
    default:
      return convertToAttr(value, options);
  }
}

/** A record's values as attribute values (what `marshall(record)` gives), undefined ones left out when the options say so. */
export function toAttributes(record: Record<string, unknown>, options: marshallOptions): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const name in record) {
    const value = record[name];
    if (typeof value === 'function' || (value === undefined && options.removeUndefinedValues)) continue;
    attributes[name] = toAttribute(value, options);
  }
  return attributes;
}

function toNative(value: AttributeValue, options: unmarshallOptions): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return typeof options.wrapNumbers === 'function' ? options.wrapNumbers(value.N) : convertToNative(value, options);
  if (value.M !== undefined) return toPlain(value.M, options);
  if (value.L !== undefined) return value.L.map((element) => toNative(element, options));
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  return convertToNative(value, options);
}

/** An item's attribute values as plain values (what `unmarshall(item)` gives). */
export function toPlain(item: Record<string, AttributeValue>, options: unmarshallOptions): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const name in item) plain[name] = toNative(item[name] as AttributeValue, options);
  return plain;
}
