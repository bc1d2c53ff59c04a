import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactNumber, utf8Bytes } from '#shared/engine/original-values.ts';
import { readNumber } from '#shared/stores/dynamodb-client.ts';
import { itemBytes, itemProblem, MAX_ITEM_BYTES, parseDecimal } from '#shared/stores/dynamodb-item-limits.ts';
import { TEST_TABLES, useEmbeddedDb } from './embedded-test-db.ts';

const embedded = useEmbeddedDb();
const LEAD_KEY = { partitionKey: 'leadId' };
const SOURCE_KEY = { partitionKey: 'PK', sortKey: 'SK' };

/** `levels` maps around a string. */
function nested(levels: number): unknown {
  let value: unknown = 'hoja';
  for (let level = 0; level < levels; level += 1) value = { n: value };
  return value;
}

describe('itemProblem: what DynamoDB refuses, named by attribute, never by value', () => {
  it.each([
    ['a key longer than 2,048 UTF-8 bytes', { leadId: 'ñ'.repeat(1025) }, LEAD_KEY, 'key "leadId" is 2050 bytes long (DynamoDB allows 2048)'],
    ['a sort key longer than 1,024 bytes', { PK: 'u', SK: 'x'.repeat(1025) }, SOURCE_KEY, 'key "SK" is 1025 bytes long (DynamoDB allows 1024)'],
    ['an empty key', { leadId: '' }, LEAD_KEY, 'key "leadId" is empty'],
    ['a key that is not text', { leadId: 7 }, LEAD_KEY, 'key "leadId" is missing or not text'],
    ['39 significant digits', { leadId: 'a', n: new ExactNumber('123456789012345678901234567890123456789') }, LEAD_KEY, 'attribute "n" has more than 38 significant digits'],
    ['a magnitude above 9.99E+125', { leadId: 'a', n: new ExactNumber('1E126') }, LEAD_KEY, 'attribute "n" is a number larger than DynamoDB stores (up to 9.99…E+125)'],
    ['a magnitude below 1E-130', { leadId: 'a', n: 1e-131 }, LEAD_KEY, 'attribute "n" is a number closer to zero than DynamoDB stores (down to 1E-130)'],
    ['an integer beyond 2^53 read from JSON', { leadId: 'a', n: 2 ** 53 + 2 }, LEAD_KEY, 'attribute "n" is a number beyond ±2^53, whose digits are lost when it is read: write it as text'],
    ['32 levels of maps around a value', { leadId: 'a', deep: nested(32) }, LEAD_KEY, 'attribute "deep" is nested deeper than DynamoDB\'s 32 levels'],
    ['an empty set', { leadId: 'a', tags: new Set() }, LEAD_KEY, 'attribute "tags" is an empty set (DynamoDB stores no empty set)'],
    ['a bad number inside a number set', { leadId: 'a', ns: new Set([1, new ExactNumber('1E200')]) }, LEAD_KEY, 'attribute "ns" holds a number that is a number larger than DynamoDB stores (up to 9.99…E+125)'],
    ['an attribute with an empty name', { leadId: 'a', '': 'x' }, LEAD_KEY, 'an attribute has an empty name'],
    ['more than 400 KB counted in UTF-8', { leadId: 'a', nota: 'ñ'.repeat(205_000) }, LEAD_KEY, 'the item is 410011 bytes as DynamoDB counts them (at most 409600, 400 KB)'],
  ])('refuses %s', (_label, item, key, reason) => {
    expect(itemProblem(item as Record<string, unknown>, key)).toBe(reason);
  });

  it.each([
    ['31 levels of maps and lists around a value', { leadId: 'a', deep: nested(30), list: [[[['x']]]] }],
    ['38 significant digits, and zeros that are not significant', { leadId: 'a', n: new ExactNumber('12345678901234567890123456789012345678'), z: new ExactNumber('0.000100000') }],
    ['the largest and smallest magnitudes', { leadId: 'a', max: new ExactNumber('9.9999999999999999999999999999999999999E+125'), min: new ExactNumber('-1E-130') }],
    // DynamoDB stores empty strings in sets (only empty sets are refused), as it stores empty strings.
    ['empty strings, in a set too', { leadId: 'a', vacio: '', tags: new Set(['', 'x']) }],
    ['a key of exactly 2,048 bytes, binary and booleans', { leadId: 'k'.repeat(2048), b: new Uint8Array([1, 2]), t: true, z: null }],
  ])('accepts %s', (_label, item) => {
    expect(itemProblem(item as Record<string, unknown>, LEAD_KEY)).toBeUndefined();
  });

  it('measures as DynamoDB does: the embedded store agrees to the byte at the 400 KB limit (ASCII, where it counts alike)', async () => {
    const base = { PK: 'u', SK: 's', n: 12345, ok: true, none: null, list: ['a', 1], map: { k: 'v', nested: [{ x: 1.5 }] }, tags: new Set(['a', 'bb']) };
    const padding = MAX_ITEM_BYTES - itemBytes({ ...base, pad: '' });
    const fits = { ...base, pad: 'x'.repeat(padding) };
    const over = { ...base, pad: 'x'.repeat(padding + 1) };
    expect(itemBytes(fits)).toBe(MAX_ITEM_BYTES);
    expect(itemProblem(fits, SOURCE_KEY)).toBeUndefined();
    expect(itemProblem(over, SOURCE_KEY)).toMatch(/409601 bytes/);
    const put = (Item: Record<string, unknown>) => embedded().documentClient.send(new PutCommand({ TableName: TEST_TABLES.leads, Item: { ...Item, leadId: 'size' } }));
    // The leads table keys on leadId: the same attributes under that key, sized the same.
    const shift = itemBytes({ leadId: 'size' }) - itemBytes({ PK: 'u', SK: 's' });
    const { PK: _pk, SK: _sk, ...attributes } = base;
    await expect(put({ ...attributes, pad: 'x'.repeat(padding - shift) })).resolves.toBeDefined();
    await expect(put({ ...attributes, pad: 'x'.repeat(padding - shift + 1) })).rejects.toThrow('Item size has exceeded the maximum allowed size');
  });
});

describe('UTF-8 lengths counted without encoding', () => {
  it('equal what Node encodes, for any text (lone surrogates as the replacement character)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(utf8Bytes(text)).toBe(Buffer.byteLength(text, 'utf8'));
      }), { numRuns: 5_000 });
    for (const text of ['', 'abc', 'Ñandú', '€', '😀', 'a😀b', '\ud800', '\udc00x', 'x\ud83d']) expect(utf8Bytes(text)).toBe(Buffer.byteLength(text, 'utf8'));
  });
});

describe('numbers read exactly', () => {
  it.each([
    ['12', 12],
    ['-0.5', -0.5],
    ['0.1', 0.1],
    ['1E+2', 100],
    ['9007199254740991', 9007199254740991],
  ])('%s stays a JavaScript number', (text, value) => {
    expect(readNumber(text)).toBe(value);
  });

  it.each(['9007199254740993', '123456789012345678901234567890', '0.12345678901234567891', '1.5E+300'])('%s keeps its exact text', (text) => {
    const read = readNumber(text);
    expect(read).toBeInstanceOf(ExactNumber);
    expect(String(read)).toBe(text);
    // JSON output writes the exact number literal.
    expect(JSON.stringify({ n: read })).toBe(`{"n":${text}}`);
  });

  it('parses decimals as DynamoDB trims them', () => {
    expect(parseDecimal('-00120.0500')).toEqual({ negative: true, digits: '12005', exponent: 2 });
    expect(parseDecimal('0.000')).toEqual({ negative: false, digits: '', exponent: 0 });
    expect(parseDecimal('1e-130')).toEqual({ negative: false, digits: '1', exponent: -130 });
    expect(parseDecimal('abc')).toBeUndefined();
  });
});
