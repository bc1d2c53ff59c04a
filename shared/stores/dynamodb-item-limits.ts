/**
 * What DynamoDB refuses in an item, checked before it is sent, so one bad record is rejected on
 * its own instead of failing the request it travels in. The embedded store is laxer (it measures
 * strings in characters, not UTF-8 bytes), so these checks are what keeps local and AWS alike.
 * Sources: the DynamoDB developer guide, "Constraints" and "Item sizes and formats".
 */
import { ExactNumber, utf8Bytes } from '../engine/original-values.ts';

/** 400 KB, in DynamoDB's binary units. */
export const MAX_ITEM_BYTES = 400 * 1024;
export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;
/** Attribute names are "less than 64 KB". */
export const MAX_ATTRIBUTE_NAME_BYTES = 65_535;
export const MAX_NUMBER_DIGITS = 38;
/**
 * Nesting levels, the top-level attribute being the first and the value inside the innermost map
 * or list the last: 31 maps or lists around a value pass, 32 are refused (measured on DynamoDB).
 */
export const MAX_NESTING_LEVELS = 32;
/** Magnitudes from 1E-130 to 9.99…E+125: the exponent of the first significant digit. */
export const MAX_EXPONENT = 125;
export const MIN_EXPONENT = -130;

export interface KeySchema {
  partitionKey: string;
  sortKey?: string;
}

/** A decimal as sign, significant digits (no leading or trailing zeros) and the exponent of the first one. */
export interface Decimal {
  negative: boolean;
  digits: string;
  exponent: number;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export function parseDecimal(text: string): Decimal | undefined {
  const match = DECIMAL.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return undefined;
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  const allDigits = whole + fraction;
  const leading = allDigits.length - allDigits.replace(/^0+/, '').length;
  const digits = allDigits.slice(leading).replace(/0+$/, '');
  if (digits === '') return { negative: false, digits: '', exponent: 0 };
  return { negative: match[1] === '-', digits, exponent: whole.length - leading - 1 + Number(match[4] ?? 0) };
}

/** Why DynamoDB would refuse this number, if it would. */
export function numberProblem(value: number | bigint | ExactNumber): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'is not a finite number';
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      return 'is a number beyond ±2^53, whose digits are lost when it is read: write it as text';
    }
  }
  const decimal = parseDecimal(String(value));
  if (!decimal) return 'is not a number DynamoDB can store';
  if (decimal.digits.length > MAX_NUMBER_DIGITS) return `has more than ${MAX_NUMBER_DIGITS} significant digits`;
  if (decimal.digits !== '' && decimal.exponent > MAX_EXPONENT) return 'is a number larger than DynamoDB stores (up to 9.99…E+125)';
  if (decimal.digits !== '' && decimal.exponent < MIN_EXPONENT) return 'is a number closer to zero than DynamoDB stores (down to 1E-130)';
  return undefined;
}

/** Bytes DynamoDB counts for a number given as decimal text (its billing, and its 400 KB limit). */
export function decimalBytes(text: string): number {
  const decimal = parseDecimal(text);
  if (!decimal || decimal.digits === '') return 1;
  const count = decimal.digits.length;
  return 1 + Math.ceil(count / 2) + (count % 2 || decimal.exponent % 2 ? 0 : 1) + (decimal.negative ? 1 : 0);
}

const isNumber = (value: unknown): value is number | bigint | ExactNumber =>
  typeof value === 'number' || typeof value === 'bigint' || value instanceof ExactNumber;

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Set) && !(value instanceof Uint8Array) && !(value instanceof ExactNumber);

/** The value's size as DynamoDB measures it (names of nested map entries included). */
function valueBytes(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8Bytes(value);
  if (isNumber(value)) return decimalBytes(String(value));
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, element) => sum + valueBytes(element), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, element) => sum + 1 + valueBytes(element), 0);
  if (isMap(value)) {
    return 3 + Object.entries(value).reduce((sum, [name, element]) => (element === undefined ? sum : sum + 1 + utf8Bytes(name) + valueBytes(element)), 0);
  }
  return 0;
}

/** Size of the item as DynamoDB measures it against its 400 KB limit: names plus values, in UTF-8. */
export function itemBytes(item: Readonly<Record<string, unknown>>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) total += utf8Bytes(name) + valueBytes(value);
  }
  return total;
}

/** Why DynamoDB would refuse this value, if it would; `levels` counts the maps and lists around it. */
function valueProblem(value: unknown, levels: number): string | undefined {
  if (isNumber(value)) return numberProblem(value);
  if (value instanceof Set) {
    if (value.size === 0) return 'is an empty set (DynamoDB stores no empty set)';
    for (const element of value) {
      const problem = isNumber(element) ? numberProblem(element) : undefined;
      if (problem) return `holds a number that ${problem}`;
    }
    return undefined;
  }
  const children = Array.isArray(value) ? value.map((element) => ['', element] as const) : isMap(value) ? Object.entries(value) : undefined;
  if (!children) return undefined;
  // This map or list is at level `levels + 1`; what it holds is one level further down.
  if (levels + 2 > MAX_NESTING_LEVELS) return `is nested deeper than DynamoDB's ${MAX_NESTING_LEVELS} levels`;
  for (const [name, element] of children) {
    if (element === undefined) continue;
    if (utf8Bytes(name) > MAX_ATTRIBUTE_NAME_BYTES) return 'holds a map key longer than 64 KB';
    const problem = valueProblem(element, levels + 1);
    if (problem) return problem;
  }
  return undefined;
}

function keyProblem(item: Readonly<Record<string, unknown>>, name: string, maxBytes: number): string | undefined {
  const value = item[name];
  if (typeof value !== 'string') return `key "${name}" is missing or not text`;
  if (value === '') return `key "${name}" is empty`;
  if (utf8Bytes(value) > maxBytes) return `key "${name}" is ${utf8Bytes(value)} bytes long (DynamoDB allows ${maxBytes})`;
  return undefined;
}

/**
 * Why DynamoDB would refuse to store this item, in one line naming the attribute (never its
 * value), or undefined when it would store it. Keys are text (every table here keys on strings).
 */
export function itemProblem(item: Readonly<Record<string, unknown>>, key: KeySchema): string | undefined {
  const keyIssue = keyProblem(item, key.partitionKey, MAX_PARTITION_KEY_BYTES) ?? (key.sortKey ? keyProblem(item, key.sortKey, MAX_SORT_KEY_BYTES) : undefined);
  if (keyIssue) return keyIssue;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    if (name === '') return 'an attribute has an empty name';
    if (utf8Bytes(name) > MAX_ATTRIBUTE_NAME_BYTES) return 'an attribute name is longer than 64 KB';
    const problem = valueProblem(value, 0);
    if (problem) return `attribute "${name}" ${problem}`;
  }
  const bytes = itemBytes(item);
  if (bytes > MAX_ITEM_BYTES) return `the item is ${bytes} bytes as DynamoDB counts them (at most ${MAX_ITEM_BYTES}, 400 KB)`;
  return undefined;
}
