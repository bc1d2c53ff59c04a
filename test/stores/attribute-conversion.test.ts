import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, NumberValueImpl, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toAttributes, toPlain } from '#shared/stores/attribute-conversion.ts';
import { readNumber } from '#shared/stores/dynamodb-client.ts';

/** What a store may hand the document client: the common types, and the ones left to util-dynamodb. */
const storable: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.constant(''),
    fc.double(),
    fc.integer(),
    fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, Number.NaN, Number.POSITIVE_INFINITY, -0, 1e-7, 2 ** 60),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt(),
    fc.uint8Array({ maxLength: 4 }),
    fc.constant(NumberValueImpl.from('123456789012345678901234567890')),
    fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 3 }).map((members) => new Set(members)),
    fc.uniqueArray(fc.integer(), { minLength: 1, maxLength: 3 }).map((members) => new Set(members)),
    fc.constant(new Set()),
    fc.constant(new Date(0)),
    fc.constant({ constructor: 'a field named constructor' }),
    fc.constant(Object.assign(Object.create(null) as object, { a: 1 })),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;

const outcome = (convert: () => unknown): unknown => {
  try {
    return { value: convert() };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

describe('attribute conversion for the in-process store', () => {
  it.each([{ removeUndefinedValues: true }, {}, { removeUndefinedValues: true, convertEmptyValues: true }])('marshals every record as util-dynamodb does, errors included (%o)', (options) => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), storable, { maxKeys: 5 }), (record) => {
        expect(outcome(() => toAttributes(record, options))).toEqual(outcome(() => marshall(record, options)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('unmarshals every item as util-dynamodb does, numbers read by the stores’ readNumber', () => {
    const options = { wrapNumbers: readNumber };
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), storable, { maxKeys: 5 }), (record) => {
        const item = outcome(() => marshall(record, { removeUndefinedValues: true }));
        fc.pre('value' in (item as object));
        const attributes = (item as { value: Record<string, AttributeValue> }).value;
        expect(toPlain(attributes, options)).toEqual(unmarshall(attributes as Parameters<typeof unmarshall>[0], options));
      }),
      { numRuns: 2_000 },
    );
  });
});
