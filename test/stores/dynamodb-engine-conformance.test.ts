import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type BatchGetItemCommandInput,
  type BatchWriteItemCommandInput,
  type CreateTableCommandInput,
  type DeleteItemCommandInput,
  type DeleteTableCommandInput,
  type DescribeTableCommandInput,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type QueryCommandInput,
  type ScanCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import fc from 'fast-check';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, Value } from '#infra/local/dynamodb-engine/attribute-values.ts';
import { DynamoDbEngine } from '#infra/local/dynamodb-engine/dynamodb-engine.ts';
import { EngineError } from '#infra/local/dynamodb-engine/engine-errors.ts';

/**
 * The in-process engine against dynalite, the embedded DynamoDB it replaced: the same low-level
 * requests go to both and their answers (items, counts, pagination keys, error names) must agree.
 * Where dynalite departs from DynamoDB's documentation the engine follows the documentation, and the
 * case says so and asserts the engine's answer only.
 */

type Operation = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'Scan' | 'BatchGetItem' | 'BatchWriteItem' | 'CreateTable' | 'DescribeTable' | 'DeleteTable';
type Request = Record<string, unknown>;
type Answer = Record<string, unknown>;
type Outcome = { output: Answer } | { error: string };

let server: Server;
let client: DynamoDBClient;
const engine = new DynamoDbEngine();

/* eslint-disable @typescript-eslint/no-explicit-any -- each request is handed to its SDK command as the shape that command takes */
const SEND: Record<Operation, (input: Request) => Promise<object>> = {
  GetItem: (input) => client.send(new GetItemCommand(input as any as GetItemCommandInput)),
  PutItem: (input) => client.send(new PutItemCommand(input as any as PutItemCommandInput)),
  UpdateItem: (input) => client.send(new UpdateItemCommand(input as any as UpdateItemCommandInput)),
  DeleteItem: (input) => client.send(new DeleteItemCommand(input as any as DeleteItemCommandInput)),
  Query: (input) => client.send(new QueryCommand(input as any as QueryCommandInput)),
  Scan: (input) => client.send(new ScanCommand(input as any as ScanCommandInput)),
  BatchGetItem: (input) => client.send(new BatchGetItemCommand(input as any as BatchGetItemCommandInput)),
  BatchWriteItem: (input) => client.send(new BatchWriteItemCommand(input as any as BatchWriteItemCommandInput)),
  CreateTable: (input) => client.send(new CreateTableCommand(input as any as CreateTableCommandInput)),
  DescribeTable: (input) => client.send(new DescribeTableCommand(input as any as DescribeTableCommandInput)),
  DeleteTable: (input) => client.send(new DeleteTableCommand(input as any as DeleteTableCommandInput)),
};
/* eslint-enable @typescript-eslint/no-explicit-any */

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'conformance', secretAccessKey: 'conformance' }, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

// ---------------------------------------------------------------------------------------------
// Values and answers

const S = (text: string): Value => ({ S: text });
const N = (text: string): Value => ({ N: text });
const B = (...bytes: number[]): Value => ({ B: Uint8Array.from(bytes) });
const BOOL = (flag: boolean): Value => ({ BOOL: flag });
const NUL: Value = { NULL: true };
const SS = (...members: string[]): Value => ({ SS: members });
const NS = (...members: string[]): Value => ({ NS: members });
const BS = (...members: number[][]): Value => ({ BS: members.map((bytes) => Uint8Array.from(bytes)) });
const L = (...elements: Value[]): Value => ({ L: elements });
const M = (entries: Item): Value => ({ M: entries });

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Text that identifies a value whatever its key order: for sorting answers whose order DynamoDB leaves open. */
function stableText(value: unknown): string {
  if (value instanceof Uint8Array) return `b:${hex(value)}`;
  if (Array.isArray(value)) return `[${value.map(stableText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${key}:${stableText((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const SET_TYPES = ['SS', 'NS', 'BS'];

/** A value as compared: plain Uint8Arrays (not Buffers), set members sorted (a set has no order), no undefined fields. */
function canonical(value: unknown): unknown {
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).filter(([, field]) => field !== undefined);
  if (entries.length === 1 && SET_TYPES.includes(entries[0]?.[0] as string) && Array.isArray(entries[0]?.[1])) {
    const [type, members] = entries[0] as [string, unknown[]];
    return { [type]: members.map(canonical).sort((a, b) => (stableText(a) < stableText(b) ? -1 : 1)) };
  }
  return Object.fromEntries(entries.map(([name, field]) => [name, canonical(field)]));
}

const COMPARED_FIELDS = ['Item', 'Items', 'Count', 'ScannedCount', 'LastEvaluatedKey', 'Attributes', 'Responses', 'UnprocessedItems', 'UnprocessedKeys'];

/** The parts of an answer the two must agree on ($metadata, ConsumedCapacity and table descriptions aside). */
function comparable(answer: object): Answer {
  const picked: Answer = {};
  for (const field of COMPARED_FIELDS) {
    const value = (answer as Answer)[field];
    if (value !== undefined) picked[field] = canonical(value);
  }
  // BatchGetItem answers each table's items in no defined order.
  if (picked.Responses) {
    picked.Responses = Object.fromEntries(
      Object.entries(picked.Responses as Record<string, unknown[]>).map(([table, items]) => [table, [...items].sort((a, b) => (stableText(a) < stableText(b) ? -1 : 1))]),
    );
  }
  return picked;
}

/**
 * dynalite answers `Attributes: {}` when UPDATED_OLD/UPDATED_NEW finds none of the updated attributes
 * (a SET of a new one, a REMOVE of a missing one); DynamoDB leaves `Attributes` out then, as the engine
 * does (pinned on its own below), so the empty map is not held against the engine.
 */
function withoutEmptyAttributes(answer: Answer): Answer {
  const { Attributes, ...rest } = answer;
  return Attributes !== undefined && Object.keys(Attributes as object).length === 0 ? rest : answer;
}

async function viaDynalite(operation: Operation, input: Request): Promise<{ outcome: Outcome; raw?: object }> {
  try {
    const raw = await SEND[operation](structuredClone(input));
    return { outcome: { output: withoutEmptyAttributes(comparable(raw)) }, raw };
  } catch (error) {
    if (error instanceof Error && '$metadata' in error) return { outcome: { error: error.name } };
    throw error;
  }
}

function viaEngine(operation: Operation, input: Request): { outcome: Outcome; raw?: object } {
  try {
    const raw = engine.handle(operation, structuredClone(input));
    return { outcome: { output: comparable(raw) }, raw };
  } catch (error) {
    // Anything but an EngineError (a TypeError, …) is a bug: it fails the test as thrown.
    if (error instanceof EngineError) return { outcome: { error: error.code } };
    throw error;
  }
}

const describeRequest = (operation: Operation, input: Request) => `${operation} ${JSON.stringify(input, (_key, value: unknown) => (value instanceof Uint8Array ? `b:${hex(value)}` : value))}`;

/** Sends one request to both and expects the same answer; returns the engine's. */
async function agree(operation: Operation, input: Request): Promise<Outcome> {
  const reference = await viaDynalite(operation, input);
  const answer = viaEngine(operation, input);
  expect(answer.outcome, describeRequest(operation, input)).toEqual(reference.outcome);
  return answer.outcome;
}

/** The engine's answer alone: for the cases where dynalite departs from DynamoDB. */
function engineAnswer(operation: Operation, input: Request): Outcome {
  return viaEngine(operation, input).outcome;
}

function output(outcome: Outcome): Answer {
  if ('error' in outcome) throw new Error(`expected an answer, got ${outcome.error}`);
  return outcome.output;
}

const OK = 'ok';
const nameOf = (outcome: Outcome) => ('error' in outcome ? outcome.error : OK);

// ---------------------------------------------------------------------------------------------
// Tables

let tableCount = 0;
const freshName = (prefix: string) => `${prefix}-${(tableCount += 1)}`;

/** pk (S) + sk (S), with a sparse KEYS_ONLY index on gpk (S) + gsk (N). */
const compositeTable = (TableName: string): Request => ({
  TableName,
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gpk', AttributeType: 'S' },
    { AttributeName: 'gsk', AttributeType: 'N' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byGroup',
      KeySchema: [
        { AttributeName: 'gpk', KeyType: 'HASH' },
        { AttributeName: 'gsk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
  ],
});

/** pk (S) alone, and a numeric-range table: id (S) + seq (N). */
const hashTable = (TableName: string): Request => ({
  TableName,
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  BillingMode: 'PAY_PER_REQUEST',
});

const numericRangeTable = (TableName: string): Request => ({
  TableName,
  KeySchema: [
    { AttributeName: 'id', KeyType: 'HASH' },
    { AttributeName: 'seq', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'id', AttributeType: 'S' },
    { AttributeName: 'seq', AttributeType: 'N' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
});

/** Creates the table in both (waiting for dynalite's to be ACTIVE) and returns its name. */
async function createBoth(definition: Request): Promise<string> {
  expect(nameOf(await agree('CreateTable', definition))).toBe(OK);
  const name = definition.TableName as string;
  for (;;) {
    const described = (await SEND.DescribeTable({ TableName: name })) as { Table?: { TableStatus?: string } };
    if (described.Table?.TableStatus === 'ACTIVE') return name;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function putBoth(TableName: string, items: Item[]): Promise<void> {
  for (const item of items) expect(nameOf(await agree('PutItem', { TableName, Item: item }))).toBe(OK);
}

/** Follows LastEvaluatedKey page by page, each page compared; returns every item read. */
async function agreePages(operation: 'Query' | 'Scan', input: Request): Promise<{ items: unknown[]; pages: number }> {
  const items: unknown[] = [];
  let startKey: unknown;
  for (let pages = 1; pages <= 200; pages += 1) {
    const answer = output(await agree(operation, startKey === undefined ? input : { ...input, ExclusiveStartKey: startKey }));
    items.push(...((answer.Items as unknown[] | undefined) ?? []));
    startKey = answer.LastEvaluatedKey;
    if (startKey === undefined) return { items, pages };
  }
  throw new Error('pagination did not end');
}

const fullScan = async (TableName: string) => (await agreePages('Scan', { TableName })).items;

// ---------------------------------------------------------------------------------------------
// 1. Examples

describe('items and numbers', () => {
  let table: string;
  beforeAll(async () => {
    table = await createBoth(hashTable(freshName('values')));
  });

  it.each<[string, Value]>([
    ['a string', S('héllo, wörld 🌍')],
    ['an empty string outside the key', S('')],
    ['a number', N('42')],
    ['a negative decimal', N('-3.25')],
    ['bytes', B(0, 1, 254, 255)],
    ['true', BOOL(true)],
    ['false', BOOL(false)],
    ['null', NUL],
    ['a string set', SS('b', 'a', '')],
    ['a number set', NS('3', '-1', '0.5')],
    ['a byte set', BS([1], [2, 3])],
    ['a list of every type', L(S('x'), N('1'), B(9), BOOL(false), NUL, SS('s'), NS('2'), BS([4]), L(), M({}))],
    ['an empty list', L()],
    ['an empty map', M({})],
    ['nested maps and lists', M({ a: M({ b: L(M({ c: S('deep') }), N('7')) }), z: L(L(L(S('x')))) })],
  ])('round-trips %s through Put and Get', async (_label, value) => {
    const Key = { pk: S('round-trip') };
    expect(nameOf(await agree('PutItem', { TableName: table, Item: { ...Key, value } }))).toBe(OK);
    expect(output(await agree('GetItem', { TableName: table, Key })).Item).toEqual(canonical({ ...Key, value }));
    expect(nameOf(await agree('GetItem', { TableName: table, Key, ConsistentRead: true }))).toBe(OK);
  });

  it.each<[string, string, string]>([
    ['1.50', '1.5', 'trailing zeros'],
    ['1e2', '100', 'an exponent'],
    ['1E+2', '100', 'a signed exponent'],
    ['-0.0', '0', 'negative zero'],
    ['000123.4500', '123.45', 'leading zeros'],
    ['0.000100', '0.0001', 'a small decimal'],
    ['-1.23E-5', '-0.0000123', 'a negative exponent'],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678', '38 digits'],
    ['1234567890123456789012345678901234567800000', '1234567890123456789012345678901234567800000', '38 significant digits and zeros'],
    ['9.9999999999999999999999999999999999999E+125', '999999999999999999999999999999999999990000000000000000000000000000000000000000000000000000000000000000000000000000000000000000', 'the largest magnitude'],
    ['1E-130', `0.${'0'.repeat(129)}1`, 'the smallest magnitude'],
  ])('stores %s as %s (%s)', async (written, stored) => {
    const Key = { pk: S(`number-${written}`) };
    expect(nameOf(await agree('PutItem', { TableName: table, Item: { ...Key, n: N(written), ns: NS(written, '7') } }))).toBe(OK);
    const item = output(await agree('GetItem', { TableName: table, Key })).Item as Item;
    expect(item.n).toEqual(N(stored));
  });

  it.each<[string, string]>([
    ['123456789012345678901234567890123456789', '39 significant digits'],
    ['1E126', 'a magnitude above 9.99…E+125'],
    ['1E-131', 'a magnitude below 1E-130'],
    ['abc', 'not a number'],
    ['', 'an empty number'],
    ['1.2.3', 'two points'],
  ])('refuses the number %j (%s)', async (written) => {
    const outcome = await agree('PutItem', { TableName: table, Item: { pk: S('bad-number'), n: N(written) } });
    expect(nameOf(outcome)).toBe('ValidationException');
  });
});

/** The item the condition and update cases start from. */
const BASE_KEY: Item = { pk: S('base'), sk: S('1') };
const BASE: Item = {
  ...BASE_KEY,
  s: S('hello'),
  n: N('5'),
  b: B(1, 2, 3),
  t: BOOL(true),
  z: NUL,
  ss: SS('a', 'b'),
  ns: NS('1', '2'),
  bs: BS([1], [2]),
  l: L(N('1'), S('x'), M({ k: S('v'), j: N('2') })),
  m: M({ b: S('deep'), n: N('1'), nest: M({ c: N('3') }) }),
  status: S('active'),
};

interface ConditionCase {
  label: string;
  condition: string;
  names?: Record<string, string>;
  values?: Item;
  /** Whether the condition holds on BASE, or the error it is refused with. */
  holds: boolean | string;
}

const CONDITIONS: ConditionCase[] = [
  { label: 'attribute_exists on a present attribute', condition: 'attribute_exists(s)', holds: true },
  { label: 'attribute_exists on a missing attribute', condition: 'attribute_exists(nope)', holds: false },
  { label: 'attribute_not_exists on the key', condition: 'attribute_not_exists(pk)', holds: false },
  { label: 'attribute_not_exists on a missing attribute', condition: 'attribute_not_exists(nope)', holds: true },
  { label: '= on a string', condition: 's = :v', values: { ':v': S('hello') }, holds: true },
  { label: '= across types', condition: 'n = :v', values: { ':v': S('5') }, holds: false },
  { label: '= on a string set in another order', condition: 'ss = :v', values: { ':v': SS('b', 'a') }, holds: true },
  { label: '= on bytes', condition: 'b = :v', values: { ':v': B(1, 2, 3) }, holds: true },
  { label: '= on a boolean', condition: 't = :v', values: { ':v': BOOL(true) }, holds: true },
  { label: '= on null', condition: 'z = :v', values: { ':v': NUL }, holds: true },
  { label: '<> on an equal string', condition: 's <> :v', values: { ':v': S('hello') }, holds: false },
  { label: '<> on a missing attribute', condition: 'nope <> :v', values: { ':v': S('x') }, holds: true },
  { label: '< on numbers', condition: 'n < :v', values: { ':v': N('10') }, holds: true },
  { label: '< on negative numbers', condition: 'n < :v', values: { ':v': N('-10') }, holds: false },
  { label: '<= on equal numbers', condition: 'n <= :v', values: { ':v': N('5') }, holds: true },
  { label: '> on strings', condition: 's > :v', values: { ':v': S('hellp') }, holds: false },
  { label: '>= on bytes', condition: 'b >= :v', values: { ':v': B(1, 2) }, holds: true },
  { label: '< across types', condition: 'n < :v', values: { ':v': S('9') }, holds: false },
  { label: '< on a missing attribute', condition: 'nope < :v', values: { ':v': N('1') }, holds: false },
  { label: 'a comparison of two attributes', condition: 'n > m.n', holds: true },
  { label: 'BETWEEN inside', condition: 'n BETWEEN :lo AND :hi', values: { ':lo': N('1'), ':hi': N('9') }, holds: true },
  { label: 'BETWEEN on its bounds', condition: 'n BETWEEN :lo AND :hi', values: { ':lo': N('5'), ':hi': N('5') }, holds: true },
  { label: 'BETWEEN outside, on strings', condition: 's BETWEEN :lo AND :hi', values: { ':lo': S('a'), ':hi': S('b') }, holds: false },
  { label: 'IN with a match', condition: 's IN (:a, :b, :c)', values: { ':a': S('x'), ':b': S('hello'), ':c': N('5') }, holds: true },
  { label: 'IN without a match', condition: 'n IN (:a, :b)', values: { ':a': S('5'), ':b': N('6') }, holds: false },
  { label: 'begins_with on a string', condition: 'begins_with(s, :p)', values: { ':p': S('hel') }, holds: true },
  { label: 'begins_with not matching', condition: 'begins_with(s, :p)', values: { ':p': S('el') }, holds: false },
  { label: 'begins_with on bytes', condition: 'begins_with(b, :p)', values: { ':p': B(1, 2) }, holds: true },
  { label: 'begins_with on a number attribute', condition: 'begins_with(n, :p)', values: { ':p': S('5') }, holds: false },
  { label: 'begins_with with a number operand', condition: 'begins_with(n, :p)', values: { ':p': N('5') }, holds: 'ValidationException' },
  { label: 'begins_with with a number operand on a missing attribute', condition: 'begins_with(nope, :p)', values: { ':p': N('5') }, holds: 'ValidationException' },
  { label: 'contains on a string', condition: 'contains(s, :v)', values: { ':v': S('ell') }, holds: true },
  { label: 'contains on a string set', condition: 'contains(ss, :v)', values: { ':v': S('b') }, holds: true },
  { label: 'contains on a number set', condition: 'contains(ns, :v)', values: { ':v': N('2') }, holds: true },
  { label: 'contains on a byte set', condition: 'contains(bs, :v)', values: { ':v': B(2) }, holds: true },
  { label: 'contains on a list', condition: 'contains(l, :v)', values: { ':v': S('x') }, holds: true },
  { label: 'contains on a list, not there', condition: 'contains(l, :v)', values: { ':v': S('y') }, holds: false },
  { label: 'contains a number in a list', condition: 'contains(l, :v)', values: { ':v': N('1') }, holds: true },
  { label: 'attribute_type of a string set', condition: 'attribute_type(ss, :t)', values: { ':t': S('SS') }, holds: true },
  { label: 'attribute_type of another type', condition: 'attribute_type(n, :t)', values: { ':t': S('S') }, holds: false },
  { label: 'attribute_type of a map', condition: 'attribute_type(m, :t)', values: { ':t': S('M') }, holds: true },
  { label: 'attribute_type of a missing attribute', condition: 'attribute_type(nope, :t)', values: { ':t': S('S') }, holds: false },
  { label: 'size of a string', condition: 'size(s) = :v', values: { ':v': N('5') }, holds: true },
  { label: 'size of a set', condition: 'size(ss) = :v', values: { ':v': N('2') }, holds: true },
  { label: 'size of a list', condition: 'size(l) > :v', values: { ':v': N('2') }, holds: true },
  { label: 'size of a map', condition: 'size(m) = :v', values: { ':v': N('3') }, holds: true },
  { label: 'size of a map in a list', condition: 'size(l[2]) = :v', values: { ':v': N('2') }, holds: true },
  { label: 'size of bytes', condition: 'size(b) <= :v', values: { ':v': N('3') }, holds: true },
  { label: 'size of a missing attribute', condition: 'size(nope) >= :v', values: { ':v': N('0') }, holds: false },
  { label: 'AND, OR and NOT with parentheses', condition: '(n > :v AND NOT s = :s) OR attribute_exists(nope)', values: { ':v': N('1'), ':s': S('hello') }, holds: false },
  { label: 'AND binding tighter than OR', condition: 'attribute_exists(s) OR attribute_exists(nope) AND attribute_exists(nope2)', holds: true },
  { label: 'NOT of a group', condition: 'NOT (attribute_exists(nope) OR n < :v)', values: { ':v': N('1') }, holds: true },
  { label: 'keywords in lower case', condition: 'n between :lo and :hi and not s in (:s)', values: { ':lo': N('1'), ':hi': N('9'), ':s': S('x') }, holds: true },
  { label: 'a nested map path', condition: 'm.b = :v', values: { ':v': S('deep') }, holds: true },
  { label: 'two levels of maps', condition: 'm.nest.c = :v', values: { ':v': N('3') }, holds: true },
  { label: 'a list index', condition: 'l[1] = :v', values: { ':v': S('x') }, holds: true },
  { label: 'a map inside a list', condition: 'l[2].k = :v', values: { ':v': S('v') }, holds: true },
  { label: 'an index past the end of a list', condition: 'attribute_not_exists(l[9])', holds: true },
  { label: 'a path through a string', condition: 'attribute_exists(s.x)', holds: false },
  { label: 'an index into a map', condition: 'attribute_exists(m[0])', holds: false },
  { label: '#name placeholders, nested too', condition: '#a = :v AND #m.#b = :d', names: { '#a': 's', '#m': 'm', '#b': 'b' }, values: { ':v': S('hello'), ':d': S('deep') }, holds: true },
  { label: 'a reserved word through a placeholder', condition: '#st = :v', names: { '#st': 'status' }, values: { ':v': S('active') }, holds: true },
  { label: 'parentheses around the whole condition', condition: '(s = :v)', values: { ':v': S('hello') }, holds: true },
  { label: 'parentheses around one side of AND', condition: 'attribute_exists(s) AND (n = :v OR n = :w)', values: { ':v': N('5'), ':w': N('6') }, holds: true },
  { label: 'doubled parentheses', condition: '((s = :v))', values: { ':v': S('hello') }, holds: 'ValidationException' },
  { label: 'an attribute compared with itself', condition: 'n = n', holds: 'ValidationException' },
  { label: 'BETWEEN bounds of two types', condition: 'n BETWEEN :lo AND :hi', values: { ':lo': N('1'), ':hi': S('9') }, holds: 'ValidationException' },
  { label: 'BETWEEN bounds in the wrong order', condition: 'n BETWEEN :lo AND :hi', values: { ':lo': N('9'), ':hi': N('1') }, holds: 'ValidationException' },
  { label: 'attribute_type with a number operand', condition: 'attribute_type(s, :t)', values: { ':t': N('1') }, holds: 'ValidationException' },
  { label: 'a function compared', condition: 'attribute_exists(s) = :v', values: { ':v': BOOL(true) }, holds: 'ValidationException' },
  { label: 'size alone', condition: 'size(s)', holds: 'ValidationException' },
  { label: 'a reserved word used bare', condition: 'status = :v', values: { ':v': S('active') }, holds: 'ValidationException' },
  { label: 'an unknown function', condition: 'starts_with(s, :v)', values: { ':v': S('h') }, holds: 'ValidationException' },
  { label: 'a syntax error', condition: 's = = :v', values: { ':v': S('h') }, holds: 'ValidationException' },
  { label: 'an attribute_type with an unknown type', condition: 'attribute_type(s, :t)', values: { ':t': S('STRING') }, holds: 'ValidationException' },
  { label: 'an undefined value placeholder', condition: 's = :v', holds: 'ValidationException' },
  { label: 'an undefined name placeholder', condition: '#a = :v', values: { ':v': S('hello') }, holds: 'ValidationException' },
  { label: 'an unused value placeholder', condition: 'attribute_exists(s)', values: { ':v': S('hello') }, holds: 'ValidationException' },
  { label: 'an unused name placeholder', condition: 'attribute_exists(s)', names: { '#a': 's' }, holds: 'ValidationException' },
];

/** The request for one write with a condition: a Put of BASE (one attribute changed), an Update, or a Delete. */
function conditionalWrite(operation: 'PutItem' | 'UpdateItem' | 'DeleteItem', TableName: string, key: Item, { condition, names, values }: ConditionCase): Request {
  const placeholders = { ...(names ? { ExpressionAttributeNames: names } : {}), ...(values ? { ExpressionAttributeValues: values } : {}) };
  if (operation === 'PutItem') return { TableName, Item: { ...BASE, ...key, written: S('put') }, ConditionExpression: condition, ...placeholders };
  if (operation === 'DeleteItem') return { TableName, Key: key, ConditionExpression: condition, ReturnValues: 'ALL_OLD', ...placeholders };
  return {
    TableName,
    Key: key,
    ConditionExpression: condition,
    UpdateExpression: 'SET written = :written',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: { ...values, ':written': S('update') },
    ReturnValues: 'ALL_NEW',
  };
}

describe('conditions on Put, Update and Delete', () => {
  let table: string;
  beforeAll(async () => {
    table = await createBoth(compositeTable(freshName('conditions')));
  });

  it.each(CONDITIONS)('$label', async (condition) => {
    for (const operation of ['PutItem', 'UpdateItem', 'DeleteItem'] as const) {
      await putBoth(table, [BASE]);
      const expected = condition.holds === true ? OK : condition.holds === false ? 'ConditionalCheckFailedException' : condition.holds;
      // An Update whose own placeholders are all used cannot show an unused placeholder of the condition's.
      const outcome = await agree(operation, conditionalWrite(operation, table, BASE_KEY, condition));
      if (!(operation === 'UpdateItem' && condition.label === 'an unused value placeholder')) expect(nameOf(outcome), operation).toBe(expected);
      await agree('GetItem', { TableName: table, Key: BASE_KEY });
    }
  });

  it.each([
    { label: 'attribute_not_exists on the key', condition: 'attribute_not_exists(pk)', holds: true },
    { label: 'attribute_exists on the key', condition: 'attribute_exists(pk)', holds: false },
    { label: '= on an attribute', condition: 's = :v', values: { ':v': S('hello') }, holds: false },
    { label: '<> on an attribute', condition: 's <> :v', values: { ':v': S('hello') }, holds: true },
    { label: 'NOT of a comparison', condition: 'NOT n > :v', values: { ':v': N('1') }, holds: true },
  ] satisfies ConditionCase[])('$label on an item that does not exist', async (condition) => {
    for (const operation of ['PutItem', 'UpdateItem', 'DeleteItem'] as const) {
      const key = { pk: S('absent'), sk: S(operation) };
      const outcome = await agree(operation, conditionalWrite(operation, table, key, condition));
      expect(nameOf(outcome), operation).toBe(condition.holds ? OK : 'ConditionalCheckFailedException');
      await agree('GetItem', { TableName: table, Key: key });
      await agree('DeleteItem', { TableName: table, Key: key });
    }
  });
});

interface UpdateCase {
  label: string;
  update: string;
  names?: Record<string, string>;
  values?: Item;
}

const UPDATES: UpdateCase[] = [
  { label: 'SET a top-level attribute', update: 'SET s = :v', values: { ':v': S('bye') } },
  { label: 'SET a new attribute', update: 'SET fresh = :v', values: { ':v': L(S('new')) } },
  { label: 'SET a nested attribute', update: 'SET m.b = :v', values: { ':v': S('changed') } },
  { label: 'SET a new key in a map', update: 'SET m.added = :v', values: { ':v': N('9') } },
  { label: 'SET two levels deep', update: 'SET m.nest.c = :v', values: { ':v': NS('1', '2') } },
  { label: 'SET a list element', update: 'SET l[0] = :v', values: { ':v': S('first') } },
  { label: 'SET past the end of a list (appends)', update: 'SET l[10] = :v', values: { ':v': S('last') } },
  { label: 'SET inside a map in a list', update: 'SET l[2].k = :v', values: { ':v': BOOL(false) } },
  { label: 'SET through #name placeholders', update: 'SET #m.#b = :v, #st = :w', names: { '#m': 'm', '#b': 'b', '#st': 'status' }, values: { ':v': S('via names'), ':w': S('done') } },
  { label: 'SET from another attribute', update: 'SET fresh = m', values: undefined },
  { label: 'if_not_exists on a missing attribute', update: 'SET fresh = if_not_exists(fresh, :v)', values: { ':v': N('1') } },
  { label: 'if_not_exists on a present attribute', update: 'SET s = if_not_exists(s, :v)', values: { ':v': S('unused') } },
  { label: 'list_append at the end', update: 'SET l = list_append(l, :more)', values: { ':more': L(S('y'), N('2')) } },
  { label: 'list_append at the front', update: 'SET l = list_append(:more, l)', values: { ':more': L(S('y')) } },
  { label: 'list_append on if_not_exists', update: 'SET fresh = list_append(if_not_exists(fresh, :empty), :more)', values: { ':empty': L(), ':more': L(S('y')) } },
  { label: 'a + :n', update: 'SET n = n + :v', values: { ':v': N('2.5') } },
  { label: 'a - :n going negative', update: 'SET n = n - :v', values: { ':v': N('7') } },
  { label: ':n + a into another attribute', update: 'SET fresh = :v + n', values: { ':v': N('0.1') } },
  { label: 'if_not_exists + :n (a counter)', update: 'SET fresh = if_not_exists(fresh, :zero) + :one', values: { ':zero': N('0'), ':one': N('1') } },
  { label: 'exact decimal arithmetic', update: 'SET n = n + :v', values: { ':v': N('0.000000000000000000000000000000000001') } },
  { label: 'REMOVE a top-level attribute', update: 'REMOVE s', values: undefined },
  { label: 'REMOVE a nested attribute', update: 'REMOVE m.b', values: undefined },
  { label: 'REMOVE a list element', update: 'REMOVE l[0]', values: undefined },
  { label: 'REMOVE a missing attribute', update: 'REMOVE nope', values: undefined },
  { label: 'REMOVE past the end of a list', update: 'REMOVE l[9]', values: undefined },
  { label: 'REMOVE several attributes', update: 'REMOVE s, t, m.nest', values: undefined },
  { label: 'SET past the end twice (appended in index order)', update: 'SET l[11] = :b, l[10] = :a', values: { ':a': S('a'), ':b': S('b') } },
  { label: 'SET two elements of one list', update: 'SET l[0] = :v, l[1] = :w', values: { ':v': S('zero'), ':w': S('one') } },
  { label: 'SET and REMOVE in one list', update: 'SET l[2] = :v REMOVE l[0]', values: { ':v': S('two') } },
  { label: 'ADD to a number', update: 'ADD n :v', values: { ':v': N('-5') } },
  { label: 'ADD a missing number', update: 'ADD fresh :v', values: { ':v': N('3') } },
  { label: 'ADD to a string set', update: 'ADD ss :v', values: { ':v': SS('b', 'c') } },
  { label: 'ADD to a number set', update: 'ADD ns :v', values: { ':v': NS('2', '3') } },
  { label: 'ADD a missing set', update: 'ADD fresh :v', values: { ':v': SS('x') } },
  { label: 'DELETE from a set', update: 'DELETE ss :v', values: { ':v': SS('a') } },
  { label: 'DELETE every member (the attribute goes)', update: 'DELETE ss :v', values: { ':v': SS('a', 'b') } },
  { label: 'DELETE from a byte set', update: 'DELETE bs :v', values: { ':v': BS([2]) } },
  { label: 'DELETE members that are not there', update: 'DELETE ns :v', values: { ':v': NS('9') } },
  { label: 'DELETE from a missing set', update: 'DELETE nope :v', values: { ':v': SS('a') } },
  { label: 'every section at once', update: 'SET s = :v, fresh = :w REMOVE m.b ADD n :one DELETE ss :a', values: { ':v': S('all'), ':w': N('0'), ':one': N('1'), ':a': SS('a') } },
  { label: 'sections in another order', update: 'REMOVE t ADD ns :ns SET s = :v', values: { ':ns': NS('5'), ':v': S('order') } },
];

const RETURN_VALUES = ['NONE', 'ALL_OLD', 'ALL_NEW', 'UPDATED_OLD', 'UPDATED_NEW'] as const;

const UPDATE_ERRORS: UpdateCase[] = [
  { label: 'a key attribute', update: 'SET pk = :v', values: { ':v': S('other') } },
  { label: 'a sort key attribute removed', update: 'REMOVE sk' },
  { label: 'two overlapping paths', update: 'SET m.b = :v REMOVE m', values: { ':v': S('x') } },
  { label: 'one path twice', update: 'SET s = :v, s = :w', values: { ':v': S('x'), ':w': S('y') } },
  { label: 'a nested SET whose parent does not exist', update: 'SET nope.x = :v', values: { ':v': S('x') } },
  { label: 'an index into a string', update: 'SET s[0] = :v', values: { ':v': S('x') } },
  { label: 'a REMOVE through a missing map', update: 'REMOVE nope.x' },
  { label: 'a REMOVE through a string', update: 'REMOVE s.x' },
  { label: 'a DELETE through a missing map', update: 'DELETE nope.x :v', values: { ':v': SS('a') } },
  { label: 'a list_append of a string value', update: 'SET fresh = list_append(:v, :w)', values: { ':v': L(), ':w': S('x') } },
  { label: 'an index key given another type', update: 'SET gpk = :v', values: { ':v': N('1') } },
  { label: 'an index key given a list', update: 'SET gpk = list_append(:v, :v)', values: { ':v': L() } },
  { label: 'arithmetic on a missing attribute', update: 'SET fresh = fresh + :v', values: { ':v': N('1') } },
  { label: 'arithmetic on a string', update: 'SET s = s + :v', values: { ':v': N('1') } },
  { label: 'arithmetic with a string operand', update: 'SET n = n + :v', values: { ':v': S('1') } },
  { label: 'list_append of a non-list', update: 'SET l = list_append(l, :v)', values: { ':v': S('x') } },
  { label: 'SET from a missing attribute', update: 'SET fresh = nope', values: undefined },
  { label: 'ADD of a string', update: 'ADD s :v', values: { ':v': S('x') } },
  { label: 'ADD of a number to a set', update: 'ADD ss :v', values: { ':v': N('1') } },
  { label: 'ADD of a set to a number', update: 'ADD n :v', values: { ':v': SS('x') } },
  { label: 'ADD of a number set to a string set', update: 'ADD ss :v', values: { ':v': NS('1') } },
  { label: 'DELETE with a number', update: 'DELETE n :v', values: { ':v': N('1') } },
  { label: 'DELETE of a number set from a string set', update: 'DELETE ss :v', values: { ':v': NS('1') } },
  { label: 'one section twice', update: 'SET s = :v SET t = :w', values: { ':v': S('x'), ':w': BOOL(false) } },
  { label: 'an empty expression', update: '' },
  { label: 'an unknown function', update: 'SET s = upper(:v)', values: { ':v': S('x') } },
  { label: 'a reserved word used bare', update: 'SET status = :v', values: { ':v': S('x') } },
  { label: 'an unused value placeholder', update: 'SET s = :v', values: { ':v': S('x'), ':w': S('y') } },
  { label: 'an unused name placeholder', update: 'SET s = :v', names: { '#n': 'n' }, values: { ':v': S('x') } },
  { label: 'an undefined value placeholder', update: 'SET s = :v' },
  { label: 'an undefined name placeholder', update: 'SET #s = :v', values: { ':v': S('x') } },
  { label: 'an item over 400 KB', update: 'SET big = :v', values: { ':v': S('x'.repeat(409_600)) } },
];

const updateRequest = (TableName: string, key: Item, { update, names, values }: UpdateCase, ReturnValues: string): Request => ({
  TableName,
  Key: key,
  UpdateExpression: update,
  ...(names ? { ExpressionAttributeNames: names } : {}),
  ...(values ? { ExpressionAttributeValues: values } : {}),
  ReturnValues,
});

describe('updates', () => {
  let table: string;
  beforeAll(async () => {
    table = await createBoth(compositeTable(freshName('updates')));
  });

  it.each(UPDATES)('$label, with every ReturnValues', async (update) => {
    for (const returnValues of RETURN_VALUES) {
      await putBoth(table, [BASE]);
      expect(nameOf(await agree('UpdateItem', updateRequest(table, BASE_KEY, update, returnValues))), returnValues).toBe(OK);
      await agree('GetItem', { TableName: table, Key: BASE_KEY });
    }
  });

  it.each(UPDATES.filter((update) => !update.update.includes(' m') && !update.update.includes('l[') && !update.update.includes('(l,') && !update.update.includes(' n ')))(
    '$label, on an item that does not exist',
    async (update) => {
      const key = { pk: S('absent'), sk: S(update.label) };
      for (const returnValues of RETURN_VALUES) {
        await agree('UpdateItem', updateRequest(table, key, update, returnValues));
        await agree('GetItem', { TableName: table, Key: key });
        await agree('DeleteItem', { TableName: table, Key: key });
      }
    },
  );

  it('creates an item of the key alone when the update has no expression', async () => {
    const key = { pk: S('absent'), sk: S('no expression') };
    expect(nameOf(await agree('UpdateItem', { TableName: table, Key: key, ReturnValues: 'ALL_NEW' }))).toBe(OK);
    expect(output(await agree('GetItem', { TableName: table, Key: key })).Item).toEqual(key);
  });

  it.each(UPDATE_ERRORS)('refuses $label', async (update) => {
    await putBoth(table, [BASE]);
    expect(nameOf(await agree('UpdateItem', updateRequest(table, BASE_KEY, update, 'ALL_NEW')))).toBe('ValidationException');
    expect(output(await agree('GetItem', { TableName: table, Key: BASE_KEY })).Item).toEqual(canonical(BASE));
  });
});

describe('projections', () => {
  let table: string;
  beforeAll(async () => {
    table = await createBoth(compositeTable(freshName('projections')));
    await putBoth(table, [BASE]);
  });

  it.each<[string, string, Record<string, string>?]>([
    ['top-level attributes', 's, n, nope'],
    ['a key attribute and a nested one', 'sk, m.b'],
    ['two keys of one map', 'm.b, m.nest.c'],
    ['list elements out of order', 'l[2], l[0]'],
    ['two paths into one list element', 'l[2].k, l[0], l[2].j'],
    ['an index past the end', 'l[7], s'],
    ['a path through a scalar', 's.x, n'],
    ['#name placeholders', '#st, #m.#b', { '#st': 'status', '#m': 'm', '#b': 'b' }],
  ])('GetItem projects %s', async (_label, projection, names) => {
    const outcome = await agree('GetItem', { TableName: table, Key: BASE_KEY, ProjectionExpression: projection, ...(names ? { ExpressionAttributeNames: names } : {}) });
    expect(nameOf(outcome)).toBe(OK);
  });

  it.each<[string, string, Record<string, string>?]>([
    ['a reserved word used bare', 'status'],
    ['overlapping paths', 'm, m.b'],
    ['one path twice', 's, s'],
    ['an unused name placeholder', 's', { '#n': 'n' }],
    ['an undefined name placeholder', '#n'],
    ['a syntax error', 's,, n'],
  ])('GetItem refuses a projection with %s', async (_label, projection, names) => {
    const outcome = await agree('GetItem', { TableName: table, Key: BASE_KEY, ProjectionExpression: projection, ...(names ? { ExpressionAttributeNames: names } : {}) });
    expect(nameOf(outcome)).toBe('ValidationException');
  });
});

describe('validation', () => {
  let composite: string;
  beforeAll(async () => {
    composite = await createBoth(compositeTable(freshName('validation')));
    await putBoth(composite, [BASE]);
  });

  it.each<[string, Operation, (table: string) => Request]>([
    ['a Key missing its sort key', 'GetItem', (TableName) => ({ TableName, Key: { pk: S('base') } })],
    ['a Key with an extra attribute', 'GetItem', (TableName) => ({ TableName, Key: { ...BASE_KEY, s: S('hello') } })],
    ['a Key of the wrong type', 'GetItem', (TableName) => ({ TableName, Key: { pk: N('1'), sk: S('1') } })],
    ['an empty string key', 'GetItem', (TableName) => ({ TableName, Key: { pk: S(''), sk: S('1') } })],
    ['an empty string key in an item', 'PutItem', (TableName) => ({ TableName, Item: { pk: S(''), sk: S('1') } })],
    ['an item missing its sort key', 'PutItem', (TableName) => ({ TableName, Item: { pk: S('x') } })],
    ['an item with a key of the wrong type', 'PutItem', (TableName) => ({ TableName, Item: { pk: S('x'), sk: N('1') } })],
    ['an index key of the wrong type', 'PutItem', (TableName) => ({ TableName, Item: { pk: S('x'), sk: S('1'), gsk: S('not a number') } })],
    ['an item over 400 KB', 'PutItem', (TableName) => ({ TableName, Item: { pk: S('x'), sk: S('1'), big: S('x'.repeat(409_600)) } })],
    ['an empty set', 'PutItem', (TableName) => ({ TableName, Item: { pk: S('x'), sk: S('1'), ss: SS() } })],
    ['a set with duplicates', 'PutItem', (TableName) => ({ TableName, Item: { pk: S('x'), sk: S('1'), ss: SS('a', 'a') } })],
    ['a number set with equal numbers', 'PutItem', (TableName) => ({ TableName, Item: { pk: S('x'), sk: S('1'), ns: NS('1', '1.0') } })],
    ['NULL false', 'PutItem', (TableName) => ({ TableName, Item: { pk: S('x'), sk: S('1'), z: { NULL: false } } })],
    ['a value with two types', 'PutItem', (TableName) => ({ TableName, Item: { pk: S('x'), sk: S('1'), v: { S: 'a', N: '1' } } })],
    ['values without an expression', 'PutItem', (TableName) => ({ TableName, Item: { pk: S('x'), sk: S('1') }, ExpressionAttributeValues: { ':v': S('a') } })],
    ['a reserved word in a condition', 'DeleteItem', (TableName) => ({ TableName, Key: BASE_KEY, ConditionExpression: 'attribute_exists(status)' })],
    ['an unused name on Delete', 'DeleteItem', (TableName) => ({ TableName, Key: BASE_KEY, ConditionExpression: 'attribute_exists(s)', ExpressionAttributeNames: { '#s': 's' } })],
    ['an undefined value on Delete', 'DeleteItem', (TableName) => ({ TableName, Key: BASE_KEY, ConditionExpression: 's = :v' })],
    ['a Key of the wrong type on Delete', 'DeleteItem', (TableName) => ({ TableName, Key: { pk: S('base'), sk: N('1') } })],
    ['a Key with an extra attribute on Update', 'UpdateItem', (TableName) => ({ TableName, Key: { ...BASE_KEY, n: N('5') }, UpdateExpression: 'SET s = :v', ExpressionAttributeValues: { ':v': S('x') } })],
  ])('refuses %s', async (_label, operation, request) => {
    expect(nameOf(await agree(operation, request(composite)))).toBe('ValidationException');
    expect(output(await agree('GetItem', { TableName: composite, Key: BASE_KEY })).Item).toEqual(canonical(BASE));
    await agree('GetItem', { TableName: composite, Key: { pk: S('x'), sk: S('1') } });
  });
});

/** Partitions p (seven items), q (two) and r (one) of the composite table; some carry the index keys. */
const QUERY_ITEMS: Item[] = [
  ...['a1', 'a2', 'b1', 'b2', 'b3', 'c1', 'ñ1'].map((sk, index): Item => ({
    pk: S('p'),
    sk: S(sk),
    v: N(String(index * 10)),
    tag: S(index % 2 === 0 ? 'even' : 'odd'),
    ...(index < 5 ? { gpk: S(index < 3 ? 'g1' : 'g2') } : {}),
    ...(index !== 1 ? { gsk: N(String(5 - index)) } : {}),
  })),
  { pk: S('q'), sk: S('a1'), v: N('1'), gpk: S('g1'), gsk: N('9') },
  { pk: S('q'), sk: S('z'), v: N('2'), gpk: S('g1'), gsk: N('2') },
  { pk: S('r'), sk: S('only'), gsk: N('1') },
];

describe('Query', () => {
  let table: string;
  let numeric: string;
  beforeAll(async () => {
    table = await createBoth(compositeTable(freshName('query')));
    await putBoth(table, QUERY_ITEMS);
    numeric = await createBoth(numericRangeTable(freshName('numeric')));
    await putBoth(
      numeric,
      ['-10', '-1.5', '0', '0.25', '2', '10', '100', '1e3'].map((seq) => ({ id: S('n'), seq: N(seq) })),
    );
  });

  const query = (condition: string, values: Item, extra: Request = {}): Request => ({ KeyConditionExpression: condition, ExpressionAttributeValues: values, ...extra });

  it.each<[string, Request]>([
    ['a partition', query('pk = :p', { ':p': S('p') })],
    ['a partition that is empty', query('pk = :p', { ':p': S('nobody') })],
    ['sk = ', query('pk = :p AND sk = :s', { ':p': S('p'), ':s': S('b2') })],
    ['sk <', query('pk = :p AND sk < :s', { ':p': S('p'), ':s': S('b2') })],
    ['sk <=', query('pk = :p AND sk <= :s', { ':p': S('p'), ':s': S('b2') })],
    ['sk >', query('pk = :p AND sk > :s', { ':p': S('p'), ':s': S('b2') })],
    ['sk >= past a multi-byte character', query('pk = :p AND sk >= :s', { ':p': S('p'), ':s': S('c') })],
    ['sk BETWEEN', query('pk = :p AND sk BETWEEN :lo AND :hi', { ':p': S('p'), ':lo': S('a2'), ':hi': S('b2') })],
    ['begins_with on the sort key', query('pk = :p AND begins_with(sk, :b)', { ':p': S('p'), ':b': S('b') })],
    ['the sort key condition first', query('sk < :s AND pk = :p', { ':p': S('p'), ':s': S('b') })],
    ['#name placeholders', query('#k = :p AND #s > :s', { ':p': S('p'), ':s': S('a') }, { ExpressionAttributeNames: { '#k': 'pk', '#s': 'sk' } })],
    ['ScanIndexForward false', query('pk = :p', { ':p': S('p') }, { ScanIndexForward: false })],
    ['ScanIndexForward false with a range', query('pk = :p AND sk BETWEEN :lo AND :hi', { ':p': S('p'), ':lo': S('a2'), ':hi': S('b2') }, { ScanIndexForward: false })],
    ['a FilterExpression', query('pk = :p', { ':p': S('p'), ':t': S('even') }, { FilterExpression: 'tag = :t' })],
    ['a FilterExpression on a nested attribute that is absent', query('pk = :p', { ':p': S('p') }, { FilterExpression: 'attribute_exists(v.x)' })],
    ['a ProjectionExpression', query('pk = :p', { ':p': S('p') }, { ProjectionExpression: 'sk, v, nope' })],
    ['Select COUNT', query('pk = :p', { ':p': S('p') }, { Select: 'COUNT' })],
    ['Select COUNT with a filter', query('pk = :p', { ':p': S('p'), ':v': N('20') }, { Select: 'COUNT', FilterExpression: 'v >= :v' })],
    ['a Limit', query('pk = :p', { ':p': S('p') }, { Limit: 3 })],
    ['a Limit of the whole partition', query('pk = :p', { ':p': S('p') }, { Limit: 7 })],
    ['a Limit with a filter', query('pk = :p', { ':p': S('p'), ':t': S('odd') }, { Limit: 2, FilterExpression: 'tag = :t' })],
    ['ConsistentRead', query('pk = :p', { ':p': S('q') }, { ConsistentRead: true })],
  ])('%s', async (_label, request) => {
    expect(nameOf(await agree('Query', { TableName: table, ...request }))).toBe(OK);
  });

  it.each<[string, Request]>([
    ['numbers in order', query('id = :i', { ':i': S('n') })],
    ['numbers in reverse', query('id = :i', { ':i': S('n') }, { ScanIndexForward: false })],
    ['numbers below zero', query('id = :i AND seq < :z', { ':i': S('n'), ':z': N('0') })],
    ['numbers between', query('id = :i AND seq BETWEEN :lo AND :hi', { ':i': S('n'), ':lo': N('-1.5'), ':hi': N('10') })],
    ['a number written another way', query('id = :i AND seq = :n', { ':i': S('n'), ':n': N('1000.0') })],
  ])('on a numeric sort key: %s', async (_label, request) => {
    expect(nameOf(await agree('Query', { TableName: numeric, ...request }))).toBe(OK);
  });

  it.each<[string, Request]>([
    ['begins_with with a number', query('id = :i AND begins_with(seq, :n)', { ':i': S('n'), ':n': N('1') })],
    ['begins_with with a string', query('id = :i AND begins_with(seq, :n)', { ':i': S('n'), ':n': S('1') })],
  ])('refuses, on a numeric sort key, %s', async (_label, request) => {
    expect(nameOf(await agree('Query', { TableName: numeric, ...request }))).toBe('ValidationException');
  });

  it.each<[string, Request, number]>([
    ['forwards', { ExpressionAttributeValues: { ':p': S('p') } }, 3],
    ['backwards', { ExpressionAttributeValues: { ':p': S('p') }, ScanIndexForward: false }, 3],
    ['with a filter', { ExpressionAttributeValues: { ':p': S('p'), ':t': S('odd') }, FilterExpression: 'tag = :t' }, 2],
    ['with a range and a projection', { KeyConditionExpression: 'pk = :p AND sk > :s', ExpressionAttributeValues: { ':p': S('p'), ':s': S('a1') }, ProjectionExpression: 'v' }, 2],
  ])('pages through a partition %s with LastEvaluatedKey', async (_label, request, limit) => {
    const { items, pages } = await agreePages('Query', { TableName: table, KeyConditionExpression: 'pk = :p', Limit: limit, ...request });
    expect(pages).toBeGreaterThan(2);
    const whole = output(await agree('Query', { TableName: table, KeyConditionExpression: 'pk = :p', ...request }));
    expect(items).toEqual(whole.Items);
  });

  it.each<[string, Request]>([
    ['no partition key condition', query('sk = :s', { ':s': S('a1') })],
    ['a partition key compared with <', query('pk < :p', { ':p': S('p') })],
    ['OR', query('pk = :p OR sk = :s', { ':p': S('p'), ':s': S('a1') })],
    ['a condition on a non-key attribute', query('pk = :p AND v = :v', { ':p': S('p'), ':v': N('1') })],
    ['two conditions on the sort key', query('pk = :p AND sk > :a AND sk < :b', { ':p': S('p'), ':a': S('a'), ':b': S('c') })],
    ['<> on the sort key', query('pk = :p AND sk <> :s', { ':p': S('p'), ':s': S('a1') })],
    ['contains on the sort key', query('pk = :p AND contains(sk, :s)', { ':p': S('p'), ':s': S('a') })],
    ['a partition value of the wrong type', query('pk = :p', { ':p': N('1') })],
    ['a sort key value of the wrong type', query('pk = :p AND sk BETWEEN :a AND :b', { ':p': S('p'), ':a': S('a'), ':b': N('1') })],
    ['a filter on the sort key', query('pk = :p', { ':p': S('p'), ':s': S('a1') }, { FilterExpression: 'NOT (v > :v AND sk = :s)', ExpressionAttributeValues: { ':p': S('p'), ':s': S('a1'), ':v': N('1') } })],
    ['Limit 0', query('pk = :p', { ':p': S('p') }, { Limit: 0 })],
    ['a filter on a key attribute', query('pk = :p', { ':p': S('p'), ':s': S('a1') }, { FilterExpression: 'sk = :s' })],
    ['an unused value', query('pk = :p', { ':p': S('p'), ':x': S('x') })],
    ['no KeyConditionExpression', { ExpressionAttributeValues: undefined }],
    ['an unknown index', query('pk = :p', { ':p': S('p') }, { IndexName: 'nope' })],
  ])('refuses %s', async (_label, request) => {
    expect(nameOf(await agree('Query', { TableName: table, ...request }))).toBe('ValidationException');
  });
});

describe('Query on a sparse KEYS_ONLY index', () => {
  let table: string;
  beforeAll(async () => {
    table = await createBoth(compositeTable(freshName('index')));
    await putBoth(table, QUERY_ITEMS);
  });

  const indexQuery = (condition: string, values: Item, extra: Request = {}): Request => ({ IndexName: 'byGroup', KeyConditionExpression: condition, ExpressionAttributeValues: values, ...extra });

  it.each<[string, Request]>([
    ['a partition of the index', indexQuery('gpk = :g', { ':g': S('g1') })],
    ['another partition', indexQuery('gpk = :g', { ':g': S('g2') })],
    ['a range of the index sort key', indexQuery('gpk = :g AND gsk BETWEEN :lo AND :hi', { ':g': S('g1'), ':lo': N('2'), ':hi': N('5') })],
    ['backwards', indexQuery('gpk = :g', { ':g': S('g1') }, { ScanIndexForward: false })],
    ['with a projection of the keys', indexQuery('gpk = :g', { ':g': S('g1') }, { ProjectionExpression: 'pk, gsk' })],
    ['Select COUNT', indexQuery('gpk = :g', { ':g': S('g1') }, { Select: 'COUNT' })],
    ['with a filter on a table key', indexQuery('gpk = :g', { ':g': S('g1'), ':s': S('b') }, { FilterExpression: 'sk < :s' })],
  ])('%s', async (_label, request) => {
    expect(nameOf(await agree('Query', { TableName: table, ...request }))).toBe(OK);
  });

  it('holds only the items with both index keys, with the table and index keys alone', async () => {
    const items = (await agreePages('Query', { TableName: table, ...indexQuery('gpk = :g', { ':g': S('g1') }), Limit: 2 })).items as Item[];
    const expected = QUERY_ITEMS.filter((item) => item.gpk?.S === 'g1' && item.gsk !== undefined);
    expect(items).toHaveLength(expected.length);
    for (const item of items) expect(Object.keys(item).sort()).toEqual(['gpk', 'gsk', 'pk', 'sk']);
    expect(items.map((item) => item.gsk?.N)).toEqual(expected.map((item) => item.gsk?.N).sort((a, b) => Number(a) - Number(b)));
  });

  it('follows the index when items change their index keys or lose them', async () => {
    await agree('UpdateItem', { TableName: table, Key: { pk: S('p'), sk: S('a1') }, UpdateExpression: 'SET gpk = :g', ExpressionAttributeValues: { ':g': S('g2') } });
    await agree('UpdateItem', { TableName: table, Key: { pk: S('q'), sk: S('z') }, UpdateExpression: 'REMOVE gsk' });
    await agree('DeleteItem', { TableName: table, Key: { pk: S('q'), sk: S('a1') } });
    // Moved within its partition, changed outside its index keys (it stays where it sorts), back in the index.
    await agree('UpdateItem', { TableName: table, Key: { pk: S('p'), sk: S('a1') }, UpdateExpression: 'SET gsk = :n', ExpressionAttributeValues: { ':n': N('0.5') } });
    await agree('UpdateItem', { TableName: table, Key: { pk: S('p'), sk: S('a1') }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': N('7') } });
    await agree('UpdateItem', { TableName: table, Key: { pk: S('q'), sk: S('z') }, UpdateExpression: 'SET gsk = :n', ExpressionAttributeValues: { ':n': N('4') } });
    for (const group of ['g1', 'g2']) await agreePages('Query', { TableName: table, ...indexQuery('gpk = :g', { ':g': S(group) }), Limit: 1 });
    await agreePages('Scan', { TableName: table, IndexName: 'byGroup', Limit: 2 });
  });

  it.each<[string, Request]>([
    ['ConsistentRead on a global index', indexQuery('gpk = :g', { ':g': S('g1') }, { ConsistentRead: true })],
    ['Select ALL_ATTRIBUTES on a KEYS_ONLY index', indexQuery('gpk = :g', { ':g': S('g1') }, { Select: 'ALL_ATTRIBUTES' })],
    ['the table key in the index key condition', indexQuery('pk = :g', { ':g': S('p') })],
    ['a filter on an index key', indexQuery('gpk = :g', { ':g': S('g1'), ':n': N('3') }, { FilterExpression: 'gsk > :n' })],
    ['an index sort key value of the wrong type', indexQuery('gpk = :g AND gsk > :n', { ':g': S('g1'), ':n': S('3') })],
  ])('refuses %s', async (_label, request) => {
    expect(nameOf(await agree('Query', { TableName: table, ...request }))).toBe('ValidationException');
  });
});

describe('Scan', () => {
  let table: string;
  beforeAll(async () => {
    table = await createBoth(hashTable(freshName('scan')));
    await putBoth(
      table,
      Array.from({ length: 60 }, (_, index): Item => ({ pk: S(`item-${index}`), n: N(String(index)), ...(index % 3 === 0 ? { three: BOOL(true) } : {}) })),
    );
  });

  it('reads the whole table in one order', async () => {
    const answer = output(await agree('Scan', { TableName: table }));
    expect(answer.Count).toBe(60);
  });

  it.each([2, 3, 7])('splits the table into %i segments whose union is the table', async (total) => {
    const whole = await fullScan(table);
    const union: unknown[] = [];
    for (let segment = 0; segment < total; segment += 1) {
      union.push(...(await agreePages('Scan', { TableName: table, Segment: segment, TotalSegments: total, Limit: 9 })).items);
    }
    expect(union).toHaveLength(whole.length);
    expect(new Set(union.map(stableText))).toEqual(new Set(whole.map(stableText)));
  });

  it.each<[string, Request]>([
    ['a Limit', { Limit: 7 }],
    ['a FilterExpression', { FilterExpression: 'three = :t', ExpressionAttributeValues: { ':t': BOOL(true) } }],
    ['a FilterExpression and a Limit', { FilterExpression: 'n < :n', ExpressionAttributeValues: { ':n': N('30') }, Limit: 11 }],
    ['a projection and a Limit', { ProjectionExpression: 'n', Limit: 13 }],
    ['Select COUNT and a Limit', { Select: 'COUNT', Limit: 25 }],
    ['a segment, a filter and a Limit', { Segment: 1, TotalSegments: 4, FilterExpression: 'attribute_not_exists(three)', Limit: 3 }],
  ])('pages with %s', async (_label, request) => {
    const { pages } = await agreePages('Scan', { TableName: table, ...request });
    expect(pages).toBeGreaterThanOrEqual(1);
  });

  it.each<[string, Request]>([
    ['a Segment past TotalSegments', { Segment: 3, TotalSegments: 3 }],
    ['TotalSegments 0', { Segment: 0, TotalSegments: 0 }],
    ['an unused value', { FilterExpression: 'attribute_exists(n)', ExpressionAttributeValues: { ':x': N('1') } }],
    ['a reserved word in a filter', { FilterExpression: 'attribute_exists(size)' }],
    ['Limit 0', { Limit: 0 }],
    ['an ExclusiveStartKey that is not a key', { ExclusiveStartKey: { n: N('1') } }],
  ])('refuses %s', async (_label, request) => {
    expect(nameOf(await agree('Scan', { TableName: table, ...request }))).toBe('ValidationException');
  });
});

describe('BatchGetItem and BatchWriteItem', () => {
  let table: string;
  let other: string;
  beforeAll(async () => {
    table = await createBoth(compositeTable(freshName('batch')));
    other = await createBoth(hashTable(freshName('batch-other')));
    await putBoth(table, QUERY_ITEMS);
    await putBoth(other, [{ pk: S('one'), n: N('1') }]);
  });

  const keyOf = (item: Item): Item => ({ pk: item.pk as Value, sk: item.sk as Value });

  it('reads found and missing keys from two tables', async () => {
    const answer = output(
      await agree('BatchGetItem', {
        RequestItems: {
          [table]: { Keys: [...QUERY_ITEMS.slice(0, 5).map(keyOf), { pk: S('p'), sk: S('missing') }] },
          [other]: { Keys: [{ pk: S('one') }, { pk: S('two') }] },
        },
      }),
    );
    expect((answer.Responses as Record<string, unknown[]>)[table]).toHaveLength(5);
  });

  it('reads nothing found as an empty list', async () => {
    await agree('BatchGetItem', { RequestItems: { [other]: { Keys: [{ pk: S('none') }] } } });
  });

  it('projects, with placeholders', async () => {
    await agree('BatchGetItem', {
      RequestItems: { [table]: { Keys: QUERY_ITEMS.slice(0, 3).map(keyOf), ProjectionExpression: '#v, sk', ExpressionAttributeNames: { '#v': 'v' }, ConsistentRead: true } },
    });
  });

  it.each<[string, () => Request, string]>([
    ['duplicate keys', () => ({ RequestItems: { [table]: { Keys: [keyOf(QUERY_ITEMS[0] as Item), keyOf(QUERY_ITEMS[0] as Item)] } } }), 'ValidationException'],
    ['more than 100 keys', () => ({ RequestItems: { [table]: { Keys: Array.from({ length: 101 }, (_, index) => ({ pk: S('p'), sk: S(`k${index}`) })) } } }), 'ValidationException'],
    ['a key that does not match the schema', () => ({ RequestItems: { [table]: { Keys: [{ pk: S('p') }] } } }), 'ValidationException'],
    ['no keys', () => ({ RequestItems: { [table]: { Keys: [] } } }), 'ValidationException'],
    ['a missing table', () => ({ RequestItems: { 'no-such-table': { Keys: [{ pk: S('p') }] } } }), 'ResourceNotFoundException'],
  ])('refuses a BatchGetItem with %s', async (_label, request, error) => {
    expect(nameOf(await agree('BatchGetItem', request()))).toBe(error);
  });

  it('writes a mix of puts and deletes to two tables', async () => {
    const outcome = await agree('BatchWriteItem', {
      RequestItems: {
        [table]: [
          { PutRequest: { Item: { pk: S('new'), sk: S('1'), v: N('1.50'), gpk: S('g1'), gsk: N('7') } } },
          { PutRequest: { Item: { ...(QUERY_ITEMS[2] as Item), v: N('-1') } } },
          { DeleteRequest: { Key: keyOf(QUERY_ITEMS[0] as Item) } },
          { DeleteRequest: { Key: { pk: S('never'), sk: S('there') } } },
        ],
        [other]: [{ DeleteRequest: { Key: { pk: S('one') } } }, { PutRequest: { Item: { pk: S('two'), ss: SS('x') } } }],
      },
    });
    expect(nameOf(outcome)).toBe(OK);
    await fullScan(table);
    await fullScan(other);
    await agreePages('Query', { TableName: table, IndexName: 'byGroup', KeyConditionExpression: 'gpk = :g', ExpressionAttributeValues: { ':g': S('g1') } });
  });

  it.each<[string, () => Request, string]>([
    ['a put and a delete of one key', () => ({ RequestItems: { [table]: [{ PutRequest: { Item: { pk: S('d'), sk: S('1') } } }, { DeleteRequest: { Key: { pk: S('d'), sk: S('1') } } }] } }), 'ValidationException'],
    ['two puts of one key', () => ({ RequestItems: { [other]: [{ PutRequest: { Item: { pk: S('d') } } }, { PutRequest: { Item: { pk: S('d'), n: N('2') } } }] } }), 'ValidationException'],
    ['26 writes', () => ({ RequestItems: { [other]: Array.from({ length: 26 }, (_, index) => ({ PutRequest: { Item: { pk: S(`w${index}`) } } })) } }), 'ValidationException'],
    ['an item without its key', () => ({ RequestItems: { [table]: [{ PutRequest: { Item: { pk: S('nokey') } } }] } }), 'ValidationException'],
    ['one bad item among good ones', () => ({ RequestItems: { [other]: [{ PutRequest: { Item: { pk: S('good') } } }, { PutRequest: { Item: { pk: S('bad'), ss: SS() } } }] } }), 'ValidationException'],
    ['a missing table', () => ({ RequestItems: { 'no-such-table': [{ PutRequest: { Item: { pk: S('x') } } }] } }), 'ResourceNotFoundException'],
  ])('refuses a BatchWriteItem with %s, writing nothing', async (_label, request, error) => {
    expect(nameOf(await agree('BatchWriteItem', request()))).toBe(error);
    await fullScan(table);
    await fullScan(other);
  });
});

describe('tables', () => {
  const essentials = (description: Record<string, unknown> | undefined) => ({
    TableName: description?.TableName,
    TableStatus: description?.TableStatus,
    KeySchema: description?.KeySchema,
    AttributeDefinitions: [...((description?.AttributeDefinitions as Array<{ AttributeName: string }>) ?? [])].sort((a, b) => (a.AttributeName < b.AttributeName ? -1 : 1)),
    GlobalSecondaryIndexes: (description?.GlobalSecondaryIndexes as Array<Record<string, unknown>> | undefined)?.map(({ IndexName, KeySchema, Projection, IndexStatus }) => ({ IndexName, KeySchema, Projection, IndexStatus })),
  });

  // dynalite reports ItemCount 0 whatever the table holds (DynamoDB refreshes it about every six hours):
  // the engine's live counts are checked on their own.
  it('describes a table as dynalite does (keys, attributes, status, indexes) and counts its items', async () => {
    const name = await createBoth(compositeTable(freshName('described')));
    await putBoth(name, QUERY_ITEMS);
    await agree('DeleteItem', { TableName: name, Key: { pk: S('r'), sk: S('only') } });
    const reference = (await SEND.DescribeTable({ TableName: name })) as { Table?: Record<string, unknown> };
    const answer = engine.handle('DescribeTable', { TableName: name }) as { Table?: Record<string, unknown> };
    expect(essentials(answer.Table)).toEqual(essentials(reference.Table));
    expect(answer.Table?.ItemCount).toBe(QUERY_ITEMS.length - 1);
    const indexed = QUERY_ITEMS.filter((item) => item.gpk !== undefined && item.gsk !== undefined);
    expect((answer.Table?.GlobalSecondaryIndexes as Array<{ ItemCount?: number }>)[0]?.ItemCount).toBe(indexed.length);
  });

  it('refuses to create a table twice', async () => {
    const definition = hashTable(freshName('twice'));
    await createBoth(definition);
    expect(nameOf(await agree('CreateTable', definition))).toBe('ResourceInUseException');
  });

  it('deletes a table, after which it is not found', async () => {
    const name = await createBoth(hashTable(freshName('deleted')));
    expect(nameOf(await agree('DeleteTable', { TableName: name }))).toBe(OK);
    for (;;) {
      const outcome = await viaDynalite('DescribeTable', { TableName: name });
      if ('error' in outcome.outcome) break;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(nameOf(await agree('GetItem', { TableName: name, Key: { pk: S('x') } }))).toBe('ResourceNotFoundException');
  });

  it.each<[Operation, Request]>([
    ['GetItem', { Key: { pk: S('x') } }],
    ['PutItem', { Item: { pk: S('x') } }],
    ['UpdateItem', { Key: { pk: S('x') }, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': S('a') } }],
    ['DeleteItem', { Key: { pk: S('x') } }],
    ['Query', { KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('x') } }],
    ['Scan', {}],
    ['DescribeTable', {}],
    ['DeleteTable', {}],
  ])('answers %s on a missing table with ResourceNotFoundException', async (operation, request) => {
    expect(nameOf(await agree(operation, { TableName: 'no-such-table', ...request }))).toBe('ResourceNotFoundException');
  });
});

// ---------------------------------------------------------------------------------------------
// Where dynalite departs from DynamoDB: the engine's answer alone, as DynamoDB documents it

describe('where dynalite is not the reference', () => {
  let table: string;
  beforeAll(async () => {
    table = await createBoth(compositeTable(freshName('divergent')));
  });

  it('compares maps and lists deeply with = and <> (dynalite compares them by JavaScript identity: never equal)', async () => {
    // DynamoDB's developer guide ("Comparison operator and function reference"): a = b holds when a is
    // equal to b, for every data type, maps and lists included. dynalite compares two maps or lists with
    // JavaScript's ==, so for it a stored map never equals any map sent: it cannot be the reference here.
    const key = { pk: S('deep'), sk: S('1') };
    const doc = M({ a: N('1'), b: L(S('x'), M({ c: BOOL(true) })) });
    const arr = L(N('1'), M({ k: SS('a', 'b') }));
    expect(nameOf(engineAnswer('PutItem', { TableName: table, Item: { ...key, doc, arr } }))).toBe(OK);
    const write = (condition: string, values: Item) => nameOf(engineAnswer('UpdateItem', { TableName: table, Key: key, UpdateExpression: 'SET seen = :seen', ConditionExpression: condition, ExpressionAttributeValues: { ...values, ':seen': BOOL(true) } }));
    // The same map with its keys in another order and its numbers written another way is equal.
    expect(write('doc = :v', { ':v': M({ b: L(S('x'), M({ c: BOOL(true) })), a: N('1.0') }) })).toBe(OK);
    expect(write('arr = :v', { ':v': L(N('1'), M({ k: SS('b', 'a') })) })).toBe(OK);
    expect(write('arr <> :v', { ':v': L(N('1'), M({ k: SS('b', 'a') })) })).toBe('ConditionalCheckFailedException');
    expect(write('doc = :v', { ':v': M({ a: N('1') }) })).toBe('ConditionalCheckFailedException');
    expect(write('doc <> :v', { ':v': M({ a: N('1') }) })).toBe(OK);
    expect(write('arr = :v', { ':v': L(M({ k: SS('a', 'b') }), N('1')) })).toBe('ConditionalCheckFailedException');
    expect(write('doc.b[1] = :v', { ':v': M({ c: BOOL(true) }) })).toBe(OK);
    expect(write('contains(arr, :v)', { ':v': M({ k: SS('a', 'b') }) })).toBe(OK);
    expect(write('doc IN (:x, :v)', { ':x': S('no'), ':v': M({ b: L(S('x'), M({ c: BOOL(true) })), a: N('1') }) })).toBe(OK);
    // dynalite, as said above, finds the very map it stored unequal to itself.
    await viaDynalite('PutItem', { TableName: table, Item: { ...key, doc } });
    const reference = await viaDynalite('UpdateItem', { TableName: table, Key: key, UpdateExpression: 'SET seen = :seen', ConditionExpression: 'doc = :v', ExpressionAttributeValues: { ':v': doc, ':seen': BOOL(true) } });
    expect(nameOf(reference.outcome)).toBe('ConditionalCheckFailedException');
  });

  it('removes several list elements by their indexes before the update (dynalite removes them one after another)', () => {
    // Developer guide, "Removing elements from a list": REMOVE RelatedItems[1], RelatedItems[2] on
    // [Chisel, Hammer, Nails, Screwdriver, Hacksaw] removes Hammer and Nails, leaving the rest shifted.
    const key = { pk: S('tools'), sk: S('1') };
    const tools = ['Chisel', 'Hammer', 'Nails', 'Screwdriver', 'Hacksaw'].map(S);
    engineAnswer('PutItem', { TableName: table, Item: { ...key, related: L(...tools) } });
    const answer = output(engineAnswer('UpdateItem', { TableName: table, Key: key, UpdateExpression: 'REMOVE related[1], related[2]', ReturnValues: 'ALL_NEW' }));
    expect(answer.Attributes).toEqual({ ...key, related: L(S('Chisel'), S('Screwdriver'), S('Hacksaw')) });
    const reversed = output(engineAnswer('UpdateItem', { TableName: table, Key: key, UpdateExpression: 'SET related[2] = :x REMOVE related[0]', ExpressionAttributeValues: { ':x': S('Saw') }, ReturnValues: 'ALL_NEW' }));
    expect(reversed.Attributes).toEqual({ ...key, related: L(S('Screwdriver'), S('Saw')) });
  });

  it('leaves Attributes out when UPDATED_OLD or UPDATED_NEW finds nothing (dynalite answers an empty map)', () => {
    const key = { pk: S('nothing'), sk: S('1') };
    engineAnswer('PutItem', { TableName: table, Item: { ...key, s: S('x') } });
    expect(output(engineAnswer('UpdateItem', { TableName: table, Key: key, UpdateExpression: 'SET fresh = :v', ExpressionAttributeValues: { ':v': S('y') }, ReturnValues: 'UPDATED_OLD' }))).toEqual({});
    expect(output(engineAnswer('UpdateItem', { TableName: table, Key: key, UpdateExpression: 'REMOVE s', ReturnValues: 'UPDATED_NEW' }))).toEqual({});
    expect(output(engineAnswer('UpdateItem', { TableName: table, Key: key, UpdateExpression: 'REMOVE fresh', ReturnValues: 'UPDATED_OLD' }))).toEqual({ Attributes: { fresh: S('y') } });
  });

  it('refuses an empty string as an index key (dynalite stores it), and an oversized one, before writing anything', () => {
    // DynamoDB answers "A value specified for a secondary index key is not supported. The AttributeValue
    // for a key attribute cannot contain an empty string value" (dynalite issue #184).
    const key = { pk: S('empty-index-key'), sk: S('1') };
    expect(nameOf(engineAnswer('PutItem', { TableName: table, Item: { ...key, gpk: S(''), gsk: N('1') } }))).toBe('ValidationException');
    expect(nameOf(engineAnswer('UpdateItem', { TableName: table, Key: key, UpdateExpression: 'SET gpk = :g', ExpressionAttributeValues: { ':g': S('') } }))).toBe('ValidationException');
    expect(nameOf(engineAnswer('PutItem', { TableName: table, Item: { ...key, gpk: S('g'.repeat(2049)), gsk: N('1') } }))).toBe('ValidationException');
    expect(engineAnswer('GetItem', { TableName: table, Key: key })).toEqual({ output: {} });
  });

  it('refuses a Scan Segment without TotalSegments (dynalite scans the whole table)', () => {
    // Scan API reference: "If you provide Segment, you must also provide TotalSegments."
    expect(nameOf(engineAnswer('Scan', { TableName: table, Segment: 0 }))).toBe('ValidationException');
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Random sequences of writes and reads

const ATTRIBUTES = ['x', 'y', 'z', 'gpk', 'gsk'] as const;
/** Condition paths: the attributes, a key, and paths into a map or list one of them may hold. */
const CONDITION_PATHS = ['x', 'y', 'z', 'gpk', 'gsk', 'pk', 'x.p', 'y[0]'] as const;

const scalarArbitrary: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom('', 'a', 'ab', 'b', 'ñu').map(S),
  fc.constantFrom('-3', '-0.25', '0', '1', '1.5', '2', '10', '1e2', '2.50').map(N),
  fc.boolean().map(BOOL),
  fc.constant(NUL),
  fc.constantFrom([1], [1, 2], [255]).map((bytes) => B(...bytes)),
);
const setArbitrary: fc.Arbitrary<Value> = fc.oneof(
  fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }).map((members) => SS(...members)),
  fc.uniqueArray(fc.constantFrom('1', '2', '-0.5'), { minLength: 1, maxLength: 3 }).map((members) => NS(...members)),
);
const valueArbitrary: fc.Arbitrary<Value> = fc.oneof(
  { arbitrary: scalarArbitrary, weight: 4 },
  { arbitrary: setArbitrary, weight: 2 },
  { arbitrary: fc.array(scalarArbitrary, { maxLength: 3 }).map((elements) => L(...elements)), weight: 1 },
  { arbitrary: fc.dictionary(fc.constantFrom('p', 'q'), scalarArbitrary, { maxKeys: 2 }).map(M), weight: 1 },
);
/**
 * What the index keys usually hold (an S group, an N rank), now and then a value of another type;
 * never an empty string, which dynalite takes as an index key where DynamoDB refuses it (tested above).
 */
const otherThanEmpty = valueArbitrary.filter((value) => value.S !== '');
const attributeValue = (name: string): fc.Arbitrary<Value> =>
  name === 'gpk' ? fc.oneof({ arbitrary: fc.constantFrom('g1', 'g2').map(S), weight: 5 }, { arbitrary: otherThanEmpty, weight: 1 })
  : name === 'gsk' ? fc.oneof({ arbitrary: fc.constantFrom('1', '2', '3.5').map(N), weight: 5 }, { arbitrary: otherThanEmpty, weight: 1 })
  : valueArbitrary;

const keyArbitrary = fc.record({ pk: fc.constantFrom('a', 'b').map(S), sk: fc.constantFrom('1', '2', '3').map(S) });

/**
 * A condition tree, rendered with numbered placeholders. It compares with scalars and sets only:
 * `=`/`<>` against a map or list is where dynalite departs from DynamoDB (tested above), and
 * comparisons whose sides differ in type answer alike in both.
 */
type ConditionTree =
  | { kind: 'exists' | 'not_exists'; path: string }
  | { kind: 'compare'; path: string; comparator: '=' | '<>' | '<' | '>='; value: Value }
  | { kind: 'begins_with'; path: string; prefix: string }
  | { kind: 'contains'; path: string; value: Value }
  | { kind: 'size'; path: string; size: number }
  | { kind: 'and' | 'or'; left: ConditionTree; right: ConditionTree }
  | { kind: 'not'; operand: ConditionTree };

const pathArbitrary = fc.constantFrom(...CONDITION_PATHS);
const orderedArbitrary = fc.oneof(fc.constantFrom('', 'a', 'b', 'ab').map(S), fc.constantFrom('-1', '0', '1.5', '2', '100').map(N));
const leafArbitrary: fc.Arbitrary<ConditionTree> = fc.oneof(
  fc.record({ kind: fc.constantFrom('exists' as const, 'not_exists' as const), path: pathArbitrary }),
  fc.record({ kind: fc.constant('compare' as const), path: pathArbitrary, comparator: fc.constantFrom('=' as const, '<>' as const), value: fc.oneof(scalarArbitrary, setArbitrary) }),
  fc.record({ kind: fc.constant('compare' as const), path: pathArbitrary, comparator: fc.constantFrom('<' as const, '>=' as const), value: orderedArbitrary }),
  fc.record({ kind: fc.constant('begins_with' as const), path: pathArbitrary, prefix: fc.constantFrom('a', 'ñ', 'g') }),
  fc.record({ kind: fc.constant('contains' as const), path: pathArbitrary, value: fc.constantFrom('a', 'b', 'u').map(S) }),
  fc.record({ kind: fc.constant('size' as const), path: pathArbitrary, size: fc.integer({ min: 0, max: 2 }) }),
);
const conditionArbitrary: fc.Arbitrary<ConditionTree> = fc.letrec<{ condition: ConditionTree }>((tie) => ({
  condition: fc.oneof(
    { maxDepth: 2, depthIdentifier: 'condition' },
    { arbitrary: leafArbitrary, weight: 4 },
    { arbitrary: fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('condition'), right: tie('condition') }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('not' as const), operand: tie('condition') }), weight: 1 },
  ),
})).condition;

/** The condition as text, its placeholders added to `values`. */
function renderCondition(tree: ConditionTree, values: Item): string {
  const placeholder = (value: Value) => {
    const name = `:c${Object.keys(values).length}`;
    values[name] = value;
    return name;
  };
  switch (tree.kind) {
    case 'exists':
      return `attribute_exists(${tree.path})`;
    case 'not_exists':
      return `attribute_not_exists(${tree.path})`;
    case 'compare':
      return `${tree.path} ${tree.comparator} ${placeholder(tree.value)}`;
    case 'begins_with':
      return `begins_with(${tree.path}, ${placeholder(S(tree.prefix))})`;
    case 'contains':
      return `contains(${tree.path}, ${placeholder(tree.value)})`;
    case 'size':
      return `size(${tree.path}) > ${placeholder(N(String(tree.size)))}`;
    case 'and':
    case 'or':
      return `(${renderCondition(tree.left, values)}) ${tree.kind.toUpperCase()} (${renderCondition(tree.right, values)})`;
    case 'not':
      return `NOT (${renderCondition(tree.operand, values)})`;
  }
}

type UpdateAction =
  | { kind: 'set'; path: string; value: Value }
  | { kind: 'set_if_not_exists'; path: string; value: Value }
  | { kind: 'increment'; path: string; by: string }
  | { kind: 'append'; path: string; value: Value }
  | { kind: 'remove'; path: string }
  | { kind: 'add'; path: string; value: Value }
  | { kind: 'delete'; path: string; value: Value };

const UPDATE_PATHS = [...ATTRIBUTES, 'x.p', 'y[0]', 'y[5]'];
const updateActionArbitrary: fc.Arbitrary<UpdateAction> = fc.constantFrom(...UPDATE_PATHS).chain((path) =>
  fc.oneof(
    attributeValue(path).map((value) => ({ kind: 'set' as const, path, value })),
    attributeValue(path).map((value) => ({ kind: 'set_if_not_exists' as const, path, value })),
    fc.constantFrom('1', '-0.5', '10').map((by) => ({ kind: 'increment' as const, path, by })),
    fc.array(scalarArbitrary, { minLength: 1, maxLength: 2 }).map((elements) => ({ kind: 'append' as const, path, value: L(...elements) })),
    fc.constant({ kind: 'remove' as const, path }),
    fc.oneof(fc.constantFrom('1', '2.5', '-1').map(N), setArbitrary).map((value) => ({ kind: 'add' as const, path, value })),
    setArbitrary.map((value) => ({ kind: 'delete' as const, path, value })),
  ),
);

/** The update expression of some actions (each section once, as DynamoDB requires), its placeholders added to `values`. */
function renderUpdate(actions: UpdateAction[], values: Item): string {
  const placeholder = (value: Value) => {
    const name = `:u${Object.keys(values).length}`;
    values[name] = value;
    return name;
  };
  const sections: Record<'SET' | 'REMOVE' | 'ADD' | 'DELETE', string[]> = { SET: [], REMOVE: [], ADD: [], DELETE: [] };
  for (const action of actions) {
    if (action.kind === 'set') sections.SET.push(`${action.path} = ${placeholder(action.value)}`);
    else if (action.kind === 'set_if_not_exists') sections.SET.push(`${action.path} = if_not_exists(${action.path}, ${placeholder(action.value)})`);
    else if (action.kind === 'increment') sections.SET.push(`${action.path} = ${action.path} + ${placeholder(N(action.by))}`);
    else if (action.kind === 'append') sections.SET.push(`${action.path} = list_append(${action.path}, ${placeholder(action.value)})`);
    else if (action.kind === 'remove') sections.REMOVE.push(action.path);
    else sections[action.kind === 'add' ? 'ADD' : 'DELETE'].push(`${action.path} ${placeholder(action.value)}`);
  }
  return Object.entries(sections)
    .filter(([, parts]) => parts.length > 0)
    .map(([section, parts]) => `${section} ${parts.join(', ')}`)
    .join(' ');
}

type Step =
  | { op: 'put'; key: Item; attributes: Item; condition?: ConditionTree; returnOld: boolean }
  | { op: 'update'; key: Item; actions: UpdateAction[]; condition?: ConditionTree; returnValues: (typeof RETURN_VALUES)[number] }
  | { op: 'delete'; key: Item; condition?: ConditionTree; returnOld: boolean }
  | { op: 'get'; key: Item };

const itemAttributesArbitrary: fc.Arbitrary<Item> = fc
  .subarray([...ATTRIBUTES])
  .chain((names) => fc.tuple(...names.map((name) => attributeValue(name))).map((values) => Object.fromEntries(names.map((name, index) => [name, values[index] as Value]))));
const maybeCondition = fc.option(conditionArbitrary, { nil: undefined, freq: 2 });

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('put' as const), key: keyArbitrary, attributes: itemAttributesArbitrary, condition: maybeCondition, returnOld: fc.boolean() }), weight: 4 },
  {
    arbitrary: fc.record({ op: fc.constant('update' as const), key: keyArbitrary, actions: fc.array(updateActionArbitrary, { minLength: 1, maxLength: 3 }), condition: maybeCondition, returnValues: fc.constantFrom(...RETURN_VALUES) }),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArbitrary, condition: maybeCondition, returnOld: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('get' as const), key: keyArbitrary }), weight: 2 },
);

function stepRequest(TableName: string, step: Step): [Operation, Request] {
  const values: Item = {};
  const condition = 'condition' in step && step.condition ? renderCondition(step.condition, values) : undefined;
  const withValues = (request: Request): Request => ({ ...request, ...(condition ? { ConditionExpression: condition } : {}), ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}) });
  switch (step.op) {
    case 'put':
      return ['PutItem', withValues({ TableName, Item: { ...step.attributes, ...step.key }, ...(step.returnOld ? { ReturnValues: 'ALL_OLD' } : {}) })];
    case 'update': {
      const UpdateExpression = renderUpdate(step.actions, values);
      return ['UpdateItem', withValues({ TableName, Key: step.key, UpdateExpression, ReturnValues: step.returnValues })];
    }
    case 'delete':
      return ['DeleteItem', withValues({ TableName, Key: step.key, ...(step.returnOld ? { ReturnValues: 'ALL_OLD' } : {}) })];
    case 'get':
      return ['GetItem', { TableName, Key: step.key, ConsistentRead: true }];
  }
}

describe('random sequences of writes and reads', () => {
  it('leave the engine and dynalite answering alike, op by op, and holding the same table and index', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 40, maxLength: 80 }), async (steps) => {
        const table = await createBoth(compositeTable(freshName('random')));
        try {
          for (const step of steps) {
            const [operation, request] = stepRequest(table, step);
            await agree(operation, request);
          }
          await agreePages('Scan', { TableName: table, Limit: 4 });
          for (const group of ['g1', 'g2']) {
            await agreePages('Query', { TableName: table, IndexName: 'byGroup', KeyConditionExpression: 'gpk = :g', ExpressionAttributeValues: { ':g': S(group) }, Limit: 3 });
          }
        } finally {
          await agree('DeleteTable', { TableName: table });
        }
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
