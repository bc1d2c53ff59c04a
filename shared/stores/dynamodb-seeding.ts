import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ExactNumber } from '../engine/original-values.ts';
import { BATCH_WRITE_LIMIT, batchGetAll, batchPutRequest, chunk, type StoreItem } from './dynamodb-batches.ts';
import type { RetryPolicy } from '#shared/retry/retry-with-backoff.ts';
import { isConditionalCheckFailed, isValidationError, storable } from './dynamodb-client.ts';
import { itemProblem, parseDecimal, type KeySchema } from './dynamodb-item-limits.ts';
import type { SeedOutcome, SeedRecord } from './store-ports.ts';

export interface SeedTarget {
  client: DynamoDBDocumentClient;
  tableName: string;
  key: KeySchema;
  /**
   * Attributes the table's own processes write beside the originals: a record may not carry them,
   * they are left out when originals are compared, and they go when the originals are replaced.
   */
  derivedAttributes?: readonly string[];
  /** Derived attributes written with every item inserted or replaced (the leads': their entry in the index of due leads). */
  stamp?: (item: StoreItem) => StoreItem;
  retry?: RetryPolicy;
}

/** Rounds of read-and-write for one record whose conditional write found the item changed meanwhile. */
const SETTLE_ROUNDS = 3;

const keyOf = (item: StoreItem, key: KeySchema): StoreItem =>
  key.sortKey === undefined ? { [key.partitionKey]: item[key.partitionKey] } : { [key.partitionKey]: item[key.partitionKey], [key.sortKey]: item[key.sortKey] };

const keyText = (item: StoreItem, key: KeySchema): string => JSON.stringify([item[key.partitionKey], key.sortKey === undefined ? null : item[key.sortKey]]);

/**
 * Loads records without destroying anything, one outcome per record, in order:
 * - an item DynamoDB would refuse, or one carrying a derived attribute, is rejected on its own;
 * - a new key is inserted; the same originals leave the stored item as it is (derived attributes
 *   included); different originals replace the item, derived attributes gone (`updated`), unless
 *   `insertOnly` (`kept`).
 * New items go 25 per BatchWriteItem, after a consistent read found their keys absent; a request
 * the store refuses anyway is retried item by item, so one bad item never sinks the others.
 * Replacements are conditional puts (the item must still exist, new ones that it must not), and a
 * failed condition re-reads that item and decides again, so a re-run is always safe.
 */
export async function seedItems(target: SeedTarget, records: readonly SeedRecord[], options: { insertOnly: boolean }): Promise<SeedOutcome[]> {
  const { client, tableName, key, retry } = target;
  const derived = new Set(target.derivedAttributes ?? []);
  const outcomes: Array<SeedOutcome | undefined> = records.map(() => undefined);
  const valid: number[] = [];
  const seenKeys = new Map<string, number>();
  records.forEach((record, index) => {
    const reserved = Object.keys(record.item).find((name) => derived.has(name));
    const problem = reserved === undefined ? itemProblem(record.item, key) : `attribute "${reserved}" is written by the pipeline, never loaded (rename it in the file)`;
    const earlier = seenKeys.get(keyText(record.item, key));
    if (problem) outcomes[index] = { line: record.line, outcome: 'rejected', reason: problem };
    else if (earlier !== undefined) outcomes[index] = { line: record.line, outcome: 'rejected', reason: `same key as line ${records[earlier]?.line}` };
    else {
      seenKeys.set(keyText(record.item, key), index);
      valid.push(index);
    }
  });

  const found = await batchGetAll(client, tableName, valid.map((index) => keyOf(records[index]?.item ?? {}, key)), {
    consistentRead: true,
    ...(retry ? { retry } : {}),
  });
  const stored = new Map(found.map((item) => [keyText(item, key), item]));

  const inserts: number[] = [];
  const replacements: number[] = [];
  for (const index of valid) {
    const record = records[index] as SeedRecord;
    const existing = stored.get(keyText(record.item, key));
    if (!existing) inserts.push(index);
    else if (sameOriginals(existing, record.item, derived)) outcomes[index] = { line: record.line, outcome: 'unchanged' };
    else if (options.insertOnly) outcomes[index] = { line: record.line, outcome: 'kept' };
    else replacements.push(index);
  }

  const settle = async (index: number, existing: StoreItem | undefined) => {
    outcomes[index] = await settleOne(target, records[index] as SeedRecord, existing, derived, options);
  };
  for (const group of chunk(inserts, BATCH_WRITE_LIMIT)) {
    try {
      await batchPutRequest(client, tableName, group.map((index) => itemToWrite(target, records[index]?.item ?? {})), retry ? { retry } : {});
      for (const index of group) outcomes[index] = { line: records[index]?.line ?? 0, outcome: 'inserted' };
    } catch (error) {
      if (!isValidationError(error)) throw error;
      for (const index of group) await settle(index, undefined);
    }
  }
  for (const index of replacements) await settle(index, stored.get(keyText(records[index]?.item ?? {}, key)));
  return outcomes.map((outcome, index) => outcome ?? { line: records[index]?.line ?? 0, outcome: 'rejected', reason: 'not written' });
}

/** The item as written: the record, and the target's stamp. */
const itemToWrite = (target: SeedTarget, item: StoreItem): StoreItem => storable(target.stamp ? { ...item, ...target.stamp(item) } : item);

/** One record written on its own, conditionally; a changed item is read again and decided again. */
async function settleOne(
  target: SeedTarget,
  record: SeedRecord,
  existingAtRead: StoreItem | undefined,
  derived: ReadonlySet<string>,
  options: { insertOnly: boolean },
): Promise<SeedOutcome> {
  const { client, tableName, key } = target;
  const keyName = key.partitionKey;
  let existing = existingAtRead;
  for (let round = 0; round < SETTLE_ROUNDS; round += 1) {
    if (existing && sameOriginals(existing, record.item, derived)) return { line: record.line, outcome: 'unchanged' };
    if (existing && options.insertOnly) return { line: record.line, outcome: 'kept' };
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: itemToWrite(target, record.item),
          ConditionExpression: existing ? 'attribute_exists(#key)' : 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': keyName },
        }),
      );
      return { line: record.line, outcome: existing ? 'updated' : 'inserted' };
    } catch (error) {
      if (isValidationError(error)) return { line: record.line, outcome: 'rejected', reason: `DynamoDB refused it: ${(error as Error).message}` };
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const current = await client.send(new GetCommand({ TableName: tableName, Key: keyOf(record.item, key), ConsistentRead: true }));
    existing = current.Item;
  }
  throw new Error(`${tableName}: the item of line ${record.line} kept changing while it was written`);
}

/** The stored item's originals (derived attributes left out) equal the record's, as DynamoDB compares values. */
export function sameOriginals(stored: StoreItem, record: StoreItem, derived: ReadonlySet<string> = new Set()): boolean {
  const storedNames = Object.keys(stored).filter((name) => !derived.has(name) && stored[name] !== undefined);
  const recordNames = Object.keys(record).filter((name) => record[name] !== undefined);
  if (storedNames.length !== recordNames.length) return false;
  return recordNames.every((name) => Object.hasOwn(stored, name) && sameValue(stored[name], record[name]));
}

const isNumeric = (value: unknown): value is number | bigint | ExactNumber =>
  typeof value === 'number' || typeof value === 'bigint' || value instanceof ExactNumber;

/** Numbers compare by value (`1.0` is `1`), sets as sets, binary by bytes, maps and lists deeply. */
function sameValue(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return JSON.stringify(parseDecimal(String(a))) === JSON.stringify(parseDecimal(String(b)));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    const canonical = (element: unknown) =>
      isNumeric(element) ? `n${JSON.stringify(parseDecimal(String(element)))}` : element instanceof Uint8Array ? `b${Buffer.from(element).toString('base64')}` : `s${String(element)}`;
    const inB = new Set([...b].map(canonical));
    return [...a].every((element) => inB.has(canonical(element)));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((element, index) => sameValue(element, b[index]));
  if (isPlainMap(a) && isPlainMap(b)) return sameOriginals(a, b);
  return a === b;
}

const isPlainMap = (value: unknown): value is StoreItem =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Set) && !(value instanceof Uint8Array) && !(value instanceof ExactNumber);
