/**
 * What an original attribute value is, as far as normalization goes. Leads come from DynamoDB, so
 * a configured field can hold any of its types; only strings and numbers are text to normalize.
 */

/** Values longer than this (UTF-8 bytes) are not normalized: flagged `too-long`, never sent to a model. */
export const TOO_LONG_BYTES = 4096;

// The ES2023 lib has no JSON.rawJSON (Node 22 has it): an exact number literal in JSON output.
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * A DynamoDB number that a JavaScript number cannot hold exactly (beyond ±2^53, or more digits
 * than a double keeps), as its exact decimal text. JSON output writes it as that number literal.
 */
export class ExactNumber {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toString(): string {
    return this.text;
  }

  /** Arithmetic gets the nearest double, as it would from a plain number. */
  valueOf(): number {
    return Number(this.text);
  }

  toJSON(): unknown {
    return rawJson(this.text);
  }
}

/** DynamoDB's attribute types, by their wire names. */
export type AttributeType = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'M' | 'L' | 'SS' | 'NS' | 'BS';

const isNumber = (value: unknown): boolean => typeof value === 'number' || typeof value === 'bigint' || value instanceof ExactNumber;

/** The type an attribute value read through the document client has (or is written as). */
export function attributeTypeOf(value: unknown): AttributeType {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return 'S';
  if (isNumber(value)) return 'N';
  if (typeof value === 'boolean') return 'BOOL';
  if (value instanceof Uint8Array) return 'B';
  if (Array.isArray(value)) return 'L';
  if (value instanceof Set) {
    const first: unknown = value.values().next().value;
    if (typeof first === 'string') return 'SS';
    return first instanceof Uint8Array ? 'BS' : 'NS';
  }
  return 'M';
}

/** The exact decimal text of a number attribute value. */
export function numberText(value: number | bigint | ExactNumber): string {
  return value instanceof ExactNumber ? value.text : String(value);
}

/**
 * The text's length in UTF-8, counted without encoding it (item sizes are counted on every write of
 * the local store); a lone surrogate counts as the 3 bytes of the replacement character it encodes to.
 */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      index += 1;
    } else bytes += 3;
  }
  return bytes;
}

/** What normalization does with one original value. */
export type OriginalValue =
  | { kind: 'null' }
  /** A string, or a number as its exact text: normalized by the field's rules. */
  | { kind: 'text'; text: string; isString: boolean }
  /** A string longer than TOO_LONG_BYTES: kept as it is, flagged. */
  | { kind: 'too-long' }
  /** Booleans, binary, sets, maps, lists: kept as they are, flagged. */
  | { kind: 'not-text'; type: AttributeType };

export function describeOriginal(raw: unknown): OriginalValue {
  const type = attributeTypeOf(raw);
  if (type === 'NULL') return { kind: 'null' };
  if (type === 'S') {
    const text = raw as string;
    // A JS string has at most 3 UTF-8 bytes per UTF-16 unit: short ones need no counting.
    if (text.length * 3 > TOO_LONG_BYTES && utf8Bytes(text) > TOO_LONG_BYTES) return { kind: 'too-long' };
    return { kind: 'text', text, isString: true };
  }
  if (type === 'N') return { kind: 'text', text: numberText(raw as number | bigint | ExactNumber), isString: false };
  return { kind: 'not-text', type };
}

/**
 * The shortest start of `text` longer than TOO_LONG_BYTES: every string beginning with it is
 * too long as well, so it stands for "still the same too-long value" in a write condition.
 */
export function tooLongPrefix(text: string): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += utf8Bytes(char);
    end += char.length;
    if (bytes > TOO_LONG_BYTES) break;
  }
  return text.slice(0, end);
}
