import { createHash } from 'node:crypto';
import { attributeTypeOf, describeOriginal, tooLongPrefix } from '#shared/engine/original-values.ts';
import type { LeadItem, OriginalExpectation } from './store-ports.ts';

/**
 * Per field, what the original must still be when the normalization is written (see
 * OriginalExpectation): small whatever the value, and a condition that compares the same way on
 * DynamoDB and on the embedded store for any attribute type.
 */
export function expectedOriginalsOf(item: LeadItem, fields: Iterable<string>): Record<string, OriginalExpectation> {
  const expectations: Record<string, OriginalExpectation> = {};
  for (const field of fields) expectations[field] = expectationOf(item, field);
  return expectations;
}

function expectationOf(item: LeadItem, field: string): OriginalExpectation {
  if (!Object.hasOwn(item, field) || item[field] === undefined) return { absent: true };
  const raw = item[field];
  const original = describeOriginal(raw);
  if (original.kind === 'text') return original.isString ? { string: original.text } : { number: original.text };
  if (original.kind === 'too-long') return { startsWith: tooLongPrefix(raw as string) };
  // Null and every other type normalize the same whatever the value: the type is all that matters.
  return { type: attributeTypeOf(raw) as Extract<OriginalExpectation, { type: string }>['type'] };
}

/** Stable hash of what a normalization was computed from (the expected originals, kept on the lead for audit). */
export function hashOriginals(expectations: Record<string, OriginalExpectation>): string {
  const canonical = JSON.stringify(Object.keys(expectations).sort().map((field) => [field, expectations[field]]));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

/** Whether the item's originals are still what `expectations` say, as a write's condition on them would find. */
export function holdsOriginals(item: LeadItem, expectations: Record<string, OriginalExpectation>): boolean {
  return hashOriginals(expectedOriginalsOf(item, Object.keys(expectations))) === hashOriginals(expectations);
}
