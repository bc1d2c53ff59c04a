import { utf8Bytes } from '#shared/engine/original-values.ts';
import { decimalBytes, MAX_EXPONENT, MAX_NESTING_LEVELS, MAX_NUMBER_DIGITS, MIN_EXPONENT, parseDecimal, type Decimal } from '#shared/stores/dynamodb-item-limits.ts';
import { validation } from './engine-errors.ts';

/**
 * Attribute values as the SDK hands them over (`{S: '…'}`, `{N: '…'}`, `{B: Uint8Array}`, …), and
 * what DynamoDB does with them: numbers kept in their canonical form, values compared by type, an
 * item's size counted as DynamoDB bills it. Stored values are never mutated: an update builds new
 * objects along the path it changes, so a value handed out can be shared.
 */
export interface Value {
  S?: string;
  N?: string;
  B?: Uint8Array;
  BOOL?: boolean;
  NULL?: boolean;
  M?: Record<string, Value>;
  L?: Value[];
  SS?: string[];
  NS?: string[];
  BS?: Uint8Array[];
}
export type Item = Record<string, Value>;
type TypeName = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'M' | 'L' | 'SS' | 'NS' | 'BS';

const TYPE_NAMES: ReadonlySet<string> = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

const emptyValue = () => validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');

export function typeOf(value: Value): TypeName {
  for (const name in value) {
    if ((value as Record<string, unknown>)[name] !== undefined && TYPE_NAMES.has(name)) return name as TypeName;
  }
  throw emptyValue();
}

/** The number as DynamoDB stores and returns it: no exponent, no leading or trailing zeros ("1.50" → "1.5"). */
export function canonicalNumber(text: string): string {
  const decimal = typeof text === 'string' ? parseDecimal(text) : undefined;
  if (!decimal) throw validation(`The parameter cannot be converted to a numeric value: ${String(text)}`);
  if (decimal.digits === '') return '0';
  if (decimal.digits.length > MAX_NUMBER_DIGITS) throw validation('Attempting to store more than 38 significant digits in a Number');
  if (decimal.exponent > MAX_EXPONENT) throw validation('Number overflow. Attempting to store a number with magnitude larger than supported range');
  if (decimal.exponent < MIN_EXPONENT) throw validation('Number underflow. Attempting to store a number with magnitude smaller than supported range');
  return decimalText(decimal);
}

function decimalText({ negative, digits, exponent }: Decimal): string {
  const sign = negative ? '-' : '';
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** −1, 0 or 1, comparing two canonical numbers by value. */
function compareNumbers(left: string, right: string): number {
  if (left === right) return 0;
  const a = parseDecimal(left) as Decimal;
  const b = parseDecimal(right) as Decimal;
  const signOf = (d: Decimal) => (d.digits === '' ? 0 : d.negative ? -1 : 1);
  const [signA, signB] = [signOf(a), signOf(b)];
  if (signA !== signB) return signA < signB ? -1 : 1;
  if (signA === 0) return 0;
  // Digit strings carry no trailing zeros, so with one exponent their text order is their value order.
  const magnitude = a.exponent !== b.exponent ? (a.exponent < b.exponent ? -1 : 1) : a.digits === b.digits ? 0 : a.digits < b.digits ? -1 : 1;
  return signA * magnitude;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Strings compare by their UTF-8 bytes in DynamoDB; UTF-16 order agrees except around surrogate pairs. */
function compareStrings(left: string, right: string): number {
  if (left === right) return 0;
  if (SURROGATE.test(left) || SURROGATE.test(right)) return Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
  return left < right ? -1 : 1;
}

const compareBytes = (left: Uint8Array, right: Uint8Array): number => Buffer.compare(left, right);

/** Order of two values of one scalar type (S, N or B); undefined when they cannot be ordered. */
export function compareScalars(left: Value, right: Value): number | undefined {
  if (left.S !== undefined && right.S !== undefined) return compareStrings(left.S, right.S);
  if (left.N !== undefined && right.N !== undefined) return compareNumbers(left.N, right.N);
  if (left.B !== undefined && right.B !== undefined) return compareBytes(left.B, right.B);
  return undefined;
}

const sameMembers = <T>(left: readonly T[], right: readonly T[], equal: (a: T, b: T) => boolean): boolean =>
  left.length === right.length && left.every((member) => right.some((other) => equal(member, other)));

/** DynamoDB's equality: same type and value, sets regardless of order, maps and lists deeply. */
export function valuesEqual(left: Value, right: Value): boolean {
  const type = typeOf(left);
  if (type !== typeOf(right)) return false;
  switch (type) {
    case 'S':
      return left.S === right.S;
    case 'N':
      return compareNumbers(left.N as string, right.N as string) === 0;
    case 'B':
      return compareBytes(left.B as Uint8Array, right.B as Uint8Array) === 0;
    case 'BOOL':
      return left.BOOL === right.BOOL;
    case 'NULL':
      return true;
    case 'SS':
      return sameMembers(left.SS as string[], right.SS as string[], (a, b) => a === b);
    case 'NS':
      return sameMembers(left.NS as string[], right.NS as string[], (a, b) => compareNumbers(a, b) === 0);
    case 'BS':
      return sameMembers(left.BS as Uint8Array[], right.BS as Uint8Array[], (a, b) => compareBytes(a, b) === 0);
    case 'L': {
      const [a, b] = [left.L as Value[], right.L as Value[]];
      return a.length === b.length && a.every((element, index) => valuesEqual(element, b[index] as Value));
    }
    case 'M': {
      const [a, b] = [left.M as Item, right.M as Item];
      const names = Object.keys(a);
      return names.length === Object.keys(b).length && names.every((name) => b[name] !== undefined && valuesEqual(a[name] as Value, b[name] as Value));
    }
  }
}

/** A value's size as DynamoDB counts it (developer guide, "Item sizes and formats"). */
export function valueBytes(value: Value): number {
  if (value.S !== undefined) return utf8Bytes(value.S);
  if (value.N !== undefined) return decimalBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, member) => sum + utf8Bytes(member), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, member) => sum + decimalBytes(member), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, member) => sum + member.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueBytes(element), 0);
  if (value.M !== undefined) return 3 + itemBytes(value.M) + Object.keys(value.M).length;
  return 0;
}

export function itemBytes(item: Item): number {
  let total = 0;
  for (const name in item) total += utf8Bytes(name) + valueBytes(item[name] as Value);
  return total;
}

/**
 * A value from a request as the engine keeps it: checked as DynamoDB checks it (one type, no empty
 * or duplicate set, numbers that fit) and with numbers in canonical form. Returns the same object
 * when nothing needed rewriting, so a large item is not copied for nothing.
 */
export function acceptValue(value: Value, depth = 1): Value {
  if (value === null || typeof value !== 'object') throw emptyValue();
  // One pass over the members counts them and finds the type typeOf would (every value of every request comes here).
  let present = 0;
  let type: TypeName | undefined;
  for (const name in value) {
    if ((value as Record<string, unknown>)[name] === undefined) continue;
    if (name !== '$unknown') present += 1;
    if (type === undefined && TYPE_NAMES.has(name)) type = name as TypeName;
  }
  if (present !== 1) throw validation('Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes');
  if (depth > MAX_NESTING_LEVELS) throw validation('Nesting Levels have exceeded supported limits');
  if (type === undefined) throw emptyValue();
  switch (type) {
    case 'S':
      if (typeof value.S !== 'string') throw validation('Supplied AttributeValue has an S that is not a string');
      return value;
    case 'N': {
      const canonical = canonicalNumber(value.N as string);
      return canonical === value.N ? value : { N: canonical };
    }
    case 'B':
      if (!(value.B instanceof Uint8Array)) throw validation('Supplied AttributeValue has a B that is not bytes');
      return value;
    case 'BOOL':
      if (typeof value.BOOL !== 'boolean') throw validation('Supplied AttributeValue has a BOOL that is not a boolean');
      return value;
    case 'NULL':
      if (value.NULL !== true) throw validation('One or more parameter values were invalid: Null attribute value types must have the value of true');
      return value;
    case 'SS':
    case 'NS':
    case 'BS':
      return acceptSet(type, value);
    case 'L': {
      const list = value.L as Value[];
      let changed = false;
      const accepted = list.map((element) => {
        const next = acceptValue(element, depth + 1);
        changed ||= next !== element;
        return next;
      });
      return changed ? { L: accepted } : value;
    }
    case 'M': {
      const accepted = acceptItem(value.M as Item, depth + 1);
      return accepted === value.M ? value : { M: accepted };
    }
  }
}

function acceptSet(type: 'SS' | 'NS' | 'BS', value: Value): Value {
  const members = (value as Record<string, unknown[]>)[type] as unknown[];
  if (!Array.isArray(members) || members.length === 0) throw validation('One or more parameter values were invalid: An string set  may not be empty');
  if (type === 'NS') {
    const canonical = (members as string[]).map(canonicalNumber);
    if (new Set(canonical).size !== canonical.length) throw validation('Input collection contains duplicates');
    return canonical.every((member, index) => member === members[index]) ? value : { NS: canonical };
  }
  const keys = type === 'SS' ? (members as string[]) : (members as Uint8Array[]).map((member) => Buffer.from(member).toString('base64'));
  if (new Set(keys).size !== keys.length) throw validation('Input collection contains duplicates');
  return value;
}

export function acceptItem(item: Item, depth = 1): Item {
  if (item === null || typeof item !== 'object') throw validation('One or more parameter values were invalid: an item is not a map');
  // Copied only from the first attribute that needs rewriting (a number not in canonical form, an undefined left out).
  let accepted: Item | undefined;
  let index = 0;
  for (const name in item) {
    const value = item[name];
    if (name.length === 0) throw validation('One or more parameter values were invalid: An AttributeName must not be empty');
    const next = value === undefined ? undefined : acceptValue(value, depth);
    if (accepted === undefined && next !== value) {
      accepted = {};
      let copied = 0;
      for (const earlier in item) {
        if (copied++ >= index) break;
        accepted[earlier] = item[earlier] as Value;
      }
    }
    if (accepted !== undefined && next !== undefined) accepted[name] = next;
    index += 1;
  }
  return accepted ?? item;
}

/** Whether a byte value (B or BS) is anywhere in the value. */
export function holdsBytes(value: Value): boolean {
  // The journal asks this of every value it writes: strings, most of them, are answered first.
  if (value.S !== undefined) return false;
  if (value.B !== undefined || value.BS !== undefined) return true;
  const list = value.L;
  if (list !== undefined) {
    for (const element of list) if (holdsBytes(element)) return true;
    return false;
  }
  const map = value.M;
  if (map !== undefined) {
    for (const name in map) if (holdsBytes(map[name] as Value)) return true;
  }
  return false;
}
