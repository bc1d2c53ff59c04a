import type { Options as StringifyOptions } from 'csv-stringify';

/**
 * RFC 4180 for csv-stringify: CRLF between records, and every value holding a CR or LF quoted
 * (csv-stringify quotes the delimiter and quotes by itself, but with a CRLF record delimiter it
 * would leave a lone LF unquoted, and every other reader would split the row there).
 */
export const RFC_4180: StringifyOptions = { record_delimiter: '\r\n', quoted_match: /[\r\n]/ };

/** A cell a spreadsheet would run as a formula: it starts with `=`, `+`, `-`, `@`, a tab or a CR (OWASP). */
const FORMULA_START = /^'*[=+\-@\t\r]/;
/** …unless it is a plain number (`-5`, `+57`, `1.5e-3`), which a spreadsheet reads as a number anyway. */
const PLAIN_NUMBER = /^[+-]?(\d+([.,]\d+)*|[.,]\d+)([eE][+-]?\d+)?$/;

/**
 * Neutralizes a formula-like cell as OWASP recommends, with a leading `'` (spreadsheets then show
 * it as text). Cells that already start with `'` before such a character get one more, so that
 * `restoreFormulaCell` gives back exactly the value: the escape loses nothing.
 */
export function neutralizeFormulaCell(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** The value `neutralizeFormulaCell` was given. */
export function restoreFormulaCell(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell) ? cell.slice(1) : cell;
}

/** Sets as arrays, big integers as their digits, bytes as base64: what JSON has no form of (DynamoDB's sets, numbers, binary). */
function jsonFormOfAttribute(_key: string, inner: unknown): unknown {
  if (inner instanceof Set) return [...(inner as Set<unknown>)];
  if (typeof inner === 'bigint') return inner.toString();
  if (inner instanceof Uint8Array) return Buffer.from(inner).toString('base64');
  return inner;
}

/** Whether `value` holds a set, a big integer or bytes anywhere (plain JSON values never do). */
function holdsNonJsonValue(value: unknown): boolean {
  if (typeof value === 'bigint') return true;
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof Set || value instanceof Uint8Array) return true;
  if (Array.isArray(value)) {
    for (const inner of value as unknown[]) if (holdsNonJsonValue(inner)) return true;
    return false;
  }
  for (const key in value) if (holdsNonJsonValue((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** JSON text of any attribute value: sets as arrays, big integers as their digits, bytes as base64. */
export function toJsonText(value: unknown): string {
  // A replacer makes JSON.stringify call back for every key; most records need none.
  return holdsNonJsonValue(value) ? JSON.stringify(value, jsonFormOfAttribute) : JSON.stringify(value);
}

/** A value as CSV text: empty for none, JSON for objects, lists and sets, the text otherwise. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return toJsonText(value);
  return String(value);
}
