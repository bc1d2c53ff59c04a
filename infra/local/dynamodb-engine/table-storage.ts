import type { AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement, LocalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, parseDecimal } from '#shared/stores/dynamodb-item-limits.ts';
import { utf8Bytes } from '#shared/engine/original-values.ts';
import { itemBytes, typeOf, type Item, type Value } from './attribute-values.ts';
import { validation } from './engine-errors.ts';

export type KeyType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  name: string;
  type: KeyType;
}

export interface KeyLayout {
  hash: KeyAttribute;
  range?: KeyAttribute;
}

/** What CreateTable was given, as DescribeTable gives it back. */
export interface TableDefinitionInput {
  TableName: string;
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: AttributeDefinition[];
  GlobalSecondaryIndexes?: GlobalSecondaryIndex[] | undefined;
  LocalSecondaryIndexes?: LocalSecondaryIndex[] | undefined;
  BillingMode?: string | undefined;
}

/** One stored item: `order` places it in the table's scan order, `identity` finds it by key. */
interface Entry {
  order: string;
  identity: string;
  item: Item;
  /** The item's size, counted once when it is stored. */
  bytes: number;
  /** The hash of the item's whole key that orders it within an index key (computed when an index first needs it). */
  keyHash?: string;
  removed: boolean;
}

/**
 * Scan and query order is dynalite's (the embedded store this engine replaced): an MD5-derived
 * prefix of the partition key, then the keys in order (strings by UTF-8 bytes, numbers by value).
 * Keeping it means a scan visits items, and splits them into `Segment`s, exactly as before.
 */
function hashPrefix(hashBytes: Buffer, rangeBytes: Buffer = Buffer.alloc(0)): string {
  return createHash('md5').update('Outliers').update(hashBytes).update(rangeBytes).digest('hex').slice(0, 6);
}

function keyBytes(value: Value, type: KeyType): Buffer {
  if (type === 'S') return Buffer.from(value.S as string, 'utf8');
  if (type === 'B') return Buffer.from(value.B as Uint8Array);
  return Buffer.from(value.N as string, 'utf8');
}

/** The key's size in bytes, counted without encoding it (every request checks its keys). */
function keyByteLength(value: Value, type: KeyType): number {
  if (type === 'B') return (value.B as Uint8Array).byteLength;
  return utf8Bytes((type === 'S' ? value.S : value.N) as string);
}

/** Numbers as sortable text: sign, biased exponent, digits (negatives complemented so they sort downwards). */
function numberOrder(text: string): string {
  const decimal = parseDecimal(text);
  if (!decimal || decimal.digits === '') return '1' + '00';
  if (!decimal.negative) return '1' + (decimal.exponent + 130).toString(16).padStart(2, '0') + decimal.digits;
  const complement = [...decimal.digits].map((digit) => String(9 - Number(digit))).join('');
  return '0' + (125 - decimal.exponent).toString(16).padStart(2, '0') + complement + ':';
}

function rangeText(value: Value, type: KeyType): string {
  if (type === 'S') return Buffer.from(value.S as string, 'utf8').toString('hex');
  if (type === 'B') return Buffer.from(value.B as Uint8Array).toString('hex');
  return numberOrder(value.N as string);
}

function identityText(value: Value, type: KeyType): string {
  if (type === 'B') return Buffer.from(value.B as Uint8Array).toString('base64');
  return (type === 'S' ? value.S : value.N) as string;
}

const MAX_REMEMBERED_PARTITIONS = 10_000;

/** The key attribute's value, refused as DynamoDB refuses a missing, mistyped, empty or oversized key. */
function keyValue(item: Item, attribute: KeyAttribute, isHash: boolean, what: string): Value {
  const value = item[attribute.name];
  if (value === undefined) throw validation(`One or more parameter values were invalid: Missing the key ${attribute.name} in the ${what}`);
  if (typeOf(value) !== attribute.type) {
    throw validation(`One or more parameter values were invalid: Type mismatch for key ${attribute.name} expected: ${attribute.type} actual: ${typeOf(value)}`);
  }
  if (attribute.type !== 'N') {
    const bytes = keyByteLength(value, attribute.type);
    if (bytes === 0) throw validation(`One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${attribute.type === 'S' ? 'string' : 'binary'} value. Key: ${attribute.name}`);
    if (isHash && bytes > MAX_PARTITION_KEY_BYTES) throw validation('One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of 2048 bytes');
    if (!isHash && bytes > MAX_SORT_KEY_BYTES) throw validation('One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes');
  }
  return value;
}

// A module-level function, not a closure in `covers`, which every write calls for every index. A
// stored value has exactly one type (acceptValue), so its member of that name tells its type
// without typeOf's search.
function carries(item: Item, attribute: KeyAttribute): boolean {
  const value = item[attribute.name];
  return value !== undefined && value[attribute.type] !== undefined;
}

const sameKeyValue = (item: Item, other: Item, attribute: KeyAttribute): boolean =>
  identityText(item[attribute.name] as Value, attribute.type) === identityText(other[attribute.name] as Value, attribute.type);

/** Keys of one layout: how an item is found (identity) and where it sorts (order). */
class KeyCodec {
  readonly layout: KeyLayout;
  private readonly partitionOrders = new Map<string, string>();

  constructor(layout: KeyLayout) {
    this.layout = layout;
  }

  get names(): string[] {
    return this.layout.range ? [this.layout.hash.name, this.layout.range.name] : [this.layout.hash.name];
  }

  /** Whether the item carries this layout's keys (an index is sparse: items without them are not in it). */
  covers(item: Item): boolean {
    const { hash, range } = this.layout;
    return carries(item, hash) && (!range || carries(item, range));
  }

  /** Whether two items this layout covers have the same key in it. */
  sameKey(item: Item, other: Item): boolean {
    const { hash, range } = this.layout;
    return sameKeyValue(item, other, hash) && (!range || sameKeyValue(item, other, range));
  }

  identity(item: Item, what = 'item'): string {
    const { hash, range } = this.layout;
    const hashValue = identityText(keyValue(item, hash, true, what), hash.type);
    return range ? `${hashValue}\u0000${identityText(keyValue(item, range, false, what), range.type)}` : hashValue;
  }

  /** Sort text of a partition: every item of it sorts after this and before `partitionOrder + '0'`. */
  partitionOrder(hashValue: Value): string {
    const { hash } = this.layout;
    return `${hashPrefix(keyBytes(hashValue, hash.type))}/${rangeText(hashValue, hash.type)}/`;
  }

  /** The same, remembered: an index's partition keys repeat (the due index has a few hundred shards). */
  cachedPartitionOrder(hashValue: Value): string {
    const key = identityText(hashValue, this.layout.hash.type);
    let order = this.partitionOrders.get(key);
    if (order === undefined) {
      if (this.partitionOrders.size >= MAX_REMEMBERED_PARTITIONS) this.partitionOrders.clear();
      order = this.partitionOrder(hashValue);
      this.partitionOrders.set(key, order);
    }
    return order;
  }

  order(item: Item, remember = false): string {
    const { hash, range } = this.layout;
    const partition = remember ? this.cachedPartitionOrder(item[hash.name] as Value) : this.partitionOrder(item[hash.name] as Value);
    return range ? `${partition}${rangeText(item[range.name] as Value, range.type)}/` : partition;
  }

  rangeOrder(value: Value): string {
    return rangeText(value, (this.layout.range as KeyAttribute).type);
  }

  /** Only the key attributes of an item. */
  keyOf(item: Item): Item {
    const key: Item = {};
    for (const name of this.names) key[name] = item[name] as Value;
    return key;
  }
}

/** Items in a key order, kept sorted lazily: inserts wait in a pending list until something reads in order. */
class OrderedEntries {
  private readonly byIdentity = new Map<string, Entry>();
  private sorted: Entry[] = [];
  private pending: Entry[] = [];
  private removedCount = 0;

  get size(): number {
    return this.byIdentity.size;
  }

  get(identity: string): Entry | undefined {
    return this.byIdentity.get(identity);
  }

  values(): IterableIterator<Entry> {
    return this.byIdentity.values();
  }

  /** Replaces the item stored under `identity`, returning its entry and the item and size it had; undefined for a new key. */
  replace(identity: string, item: Item, bytes: number): { entry: Entry; old: { item: Item; bytes: number } } | undefined {
    const existing = this.byIdentity.get(identity);
    if (!existing) return undefined;
    const old = { item: existing.item, bytes: existing.bytes };
    existing.item = item;
    existing.bytes = bytes;
    return { entry: existing, old };
  }

  /** Stores an item under a new key (`replace` found none), at `order`. */
  insert(identity: string, order: string, item: Item, bytes: number): Entry {
    const entry: Entry = { order, identity, item, bytes, removed: false };
    this.byIdentity.set(identity, entry);
    this.pending.push(entry);
    return entry;
  }

  remove(identity: string): Entry | undefined {
    const entry = this.byIdentity.get(identity);
    if (!entry) return undefined;
    this.byIdentity.delete(identity);
    entry.removed = true;
    this.removedCount += 1;
    return entry;
  }

  clear(): void {
    this.byIdentity.clear();
    this.sorted = [];
    this.pending = [];
    this.removedCount = 0;
  }

  private inOrder(): Entry[] {
    if (this.pending.length > 0 || this.removedCount > this.sorted.length / 2) {
      const byOrder = (a: Entry, b: Entry) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0);
      const added = this.pending.filter((entry) => !entry.removed).sort(byOrder);
      const kept = this.removedCount > 0 ? this.sorted.filter((entry) => !entry.removed) : this.sorted;
      // Merge two sorted runs: linear, so a few inserts between reads do not re-sort the table.
      const merged: Entry[] = new Array<Entry>(kept.length + added.length);
      let [i, j, k] = [0, 0, 0];
      while (i < kept.length && j < added.length) merged[k++] = byOrder(kept[i] as Entry, added[j] as Entry) <= 0 ? (kept[i++] as Entry) : (added[j++] as Entry);
      while (i < kept.length) merged[k++] = kept[i++] as Entry;
      while (j < added.length) merged[k++] = added[j++] as Entry;
      this.sorted = merged;
      this.pending = [];
      this.removedCount = 0;
    }
    return this.sorted;
  }

  /** Entries whose order is within [from, to] (after `after`, when given), ascending or descending. */
  *range(bounds: { from: string; to: string; after?: string | undefined; descending?: boolean }): Generator<Entry> {
    const sorted = this.inOrder();
    const firstAtLeast = (order: string) => {
      let [low, high] = [0, sorted.length];
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((sorted[middle] as Entry).order < order) low = middle + 1;
        else high = middle;
      }
      return low;
    };
    const start = firstAtLeast(bounds.from);
    const end = firstAtLeast(bounds.to + '\uffff');
    if (!bounds.descending) {
      let index = start;
      if (bounds.after !== undefined) index = Math.max(start, firstAtLeast(bounds.after + '\u0000'));
      for (; index < end; index += 1) {
        const entry = sorted[index] as Entry;
        if (!entry.removed) yield entry;
      }
    } else {
      let index = end - 1;
      if (bounds.after !== undefined) index = Math.min(index, firstAtLeast(bounds.after) - 1);
      for (; index >= start; index -= 1) {
        const entry = sorted[index] as Entry;
        if (!entry.removed) yield entry;
      }
    }
  }
}

export interface IndexStorage {
  name: string;
  codec: KeyCodec;
  /** Global indexes read eventually consistent only. */
  global: boolean;
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  nonKeyAttributes: readonly string[];
  /** The attributes an item keeps in the index; undefined when it keeps them all. */
  projectedNames: readonly string[] | undefined;
  /** The index's items, each found by the identity of the table item it projects. */
  entries: OrderedEntries;
}

function attributeType(definitions: readonly AttributeDefinition[], name: string): KeyType {
  const definition = definitions.find((candidate) => candidate.AttributeName === name);
  if (!definition?.AttributeType) throw validation(`One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${name}]`);
  return definition.AttributeType as KeyType;
}

function layoutOf(schema: readonly KeySchemaElement[], definitions: readonly AttributeDefinition[]): KeyLayout {
  const hash = schema.find((element) => element.KeyType === 'HASH');
  const range = schema.find((element) => element.KeyType === 'RANGE');
  if (!hash?.AttributeName) throw validation('1 validation error detected: Value null at \'keySchema\' failed to satisfy constraint: Member must not be null');
  return {
    hash: { name: hash.AttributeName, type: attributeType(definitions, hash.AttributeName) },
    ...(range?.AttributeName ? { range: { name: range.AttributeName, type: attributeType(definitions, range.AttributeName) } } : {}),
  };
}

/** One table: its items by key, in scan order, and its secondary indexes kept in step with every write. */
export class TableStorage {
  readonly codec: KeyCodec;
  readonly indexes: IndexStorage[];
  readonly items = new OrderedEntries();
  readonly definition: TableDefinitionInput;
  readonly createdAt: Date;
  private bytes = 0;
  private keyTypes: ReadonlyMap<string, KeyType> | undefined;

  constructor(definition: TableDefinitionInput, createdAt: Date) {
    this.definition = definition;
    this.createdAt = createdAt;
    this.codec = new KeyCodec(layoutOf(definition.KeySchema, definition.AttributeDefinitions));
    const index = (spec: GlobalSecondaryIndex | LocalSecondaryIndex, global: boolean): IndexStorage => {
      const codec = new KeyCodec(layoutOf(spec.KeySchema ?? [], definition.AttributeDefinitions));
      const projection = (spec.Projection?.ProjectionType ?? 'ALL') as IndexStorage['projection'];
      const nonKeyAttributes = spec.Projection?.NonKeyAttributes ?? [];
      const projectedNames = projection === 'ALL' ? undefined : [...this.codec.names, ...codec.names, ...(projection === 'INCLUDE' ? nonKeyAttributes : [])];
      return { name: spec.IndexName as string, codec, global, projection, nonKeyAttributes, projectedNames, entries: new OrderedEntries() };
    };
    this.indexes = [...(definition.GlobalSecondaryIndexes ?? []).map((spec) => index(spec, true)), ...(definition.LocalSecondaryIndexes ?? []).map((spec) => index(spec, false))];
  }

  /** The type each index key attribute is declared with. */
  /** The type of every index key attribute, by name (computed once: every update checks against it). */
  get indexKeyTypes(): ReadonlyMap<string, KeyType> {
    this.keyTypes ??= new Map(this.indexes.flatMap((index) => [index.codec.layout.hash, ...(index.codec.layout.range ? [index.codec.layout.range] : [])].map((key) => [key.name, key.type] as const)));
    return this.keyTypes;
  }

  get itemCount(): number {
    return this.items.size;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  index(name: string): IndexStorage {
    const found = this.indexes.find((candidate) => candidate.name === name);
    if (!found) throw validation(`The table does not have the specified index: ${name}`);
    return found;
  }

  /**
   * Refuses an item whose index key attributes have another type than the index declares, or are
   * empty: checked before anything is written, so a refused item leaves the table and indexes as they were.
   */
  checkIndexKeys(item: Item): void {
    for (const index of this.indexes) {
      for (const attribute of index.codec.names) {
        const value = item[attribute];
        const declared = attribute === index.codec.layout.hash.name ? index.codec.layout.hash : (index.codec.layout.range as KeyAttribute);
        if (value !== undefined && typeOf(value) !== declared.type) {
          throw validation(`One or more parameter values were invalid: Type mismatch for Index Key ${attribute} Expected: ${declared.type} Actual: ${typeOf(value)} IndexName: ${index.name}`);
        }
        if (value !== undefined && declared.type !== 'N' && keyByteLength(value, declared.type) === 0) {
          throw validation(`One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${declared.type === 'S' ? 'string' : 'binary'} value. IndexName: ${index.name}, IndexKey: ${attribute}`);
        }
      }
      // Sizes too: the index would refuse the keys only after the table had stored the item.
      if (index.codec.covers(item)) index.codec.identity(item);
    }
  }

  get(key: Item): Item | undefined {
    return this.items.get(this.codec.identity(key, 'key'))?.item;
  }

  /** Stores the item of `bytes` (replacing the one with its key) and returns the one it replaced. */
  put(item: Item, bytes: number): Item | undefined {
    const identity = this.codec.identity(item);
    const replaced = this.items.replace(identity, item, bytes);
    const entry = replaced ? replaced.entry : this.items.insert(identity, this.codec.order(item), item, bytes);
    const old = replaced?.old;
    this.bytes += bytes - (old ? old.bytes : 0);
    if (this.indexes.length > 0) this.reindex(entry, old?.item, item);
    return old?.item;
  }

  remove(key: Item): Item | undefined {
    const old = this.items.remove(this.codec.identity(key, 'key'));
    if (old) {
      this.bytes -= old.bytes;
      this.reindex(old, old.item, undefined);
    }
    return old?.item;
  }

  clear(): void {
    this.items.clear();
    for (const index of this.indexes) index.entries.clear();
    this.bytes = 0;
  }

  private projected(index: IndexStorage, item: Item): Item {
    if (index.projectedNames === undefined) return item;
    const projected: Item = {};
    for (const name of index.projectedNames) if (item[name] !== undefined) projected[name] = item[name] as Value;
    return projected;
  }

  /** Within one index key, items sort by a hash of their table key, as dynalite's did. */
  private keyHash(item: Item): string {
    const { hash, range } = this.codec.layout;
    return hashPrefix(keyBytes(item[hash.name] as Value, hash.type), range ? keyBytes(item[range.name] as Value, range.type) : undefined);
  }

  private indexOrder(index: IndexStorage, item: Item, entry?: Entry): string {
    const keyHash = entry ? (entry.keyHash ??= this.keyHash(item)) : this.keyHash(item);
    return index.codec.order(item, true) + keyHash;
  }

  /**
   * Keeps the indexes in step with the table entry, whose item was `old` and is now `item`. An item
   * is in an index at most once, so the table entry's identity finds it there too (no index identity
   * to build and hash per write); an item whose index key changed is removed and inserted at its new order.
   */
  private reindex(entry: Entry, old: Item | undefined, item: Item | undefined): void {
    for (const index of this.indexes) {
      const wasIndexed = old !== undefined && index.codec.covers(old) ? old : undefined;
      const indexed = item !== undefined && index.codec.covers(item) ? item : undefined;
      if (wasIndexed && !(indexed && index.codec.sameKey(wasIndexed, indexed))) index.entries.remove(entry.identity);
      if (indexed) {
        const projected = this.projected(index, indexed);
        const projectedBytes = projected === indexed ? entry.bytes : itemBytes(projected);
        if (!index.entries.replace(entry.identity, projected, projectedBytes)) index.entries.insert(entry.identity, this.indexOrder(index, indexed, entry), projected, projectedBytes);
      }
    }
  }

  /** Where an `ExclusiveStartKey` sorts, in the table or in one of its indexes. */
  startOrder(startKey: Item, index: IndexStorage | undefined): string {
    for (const name of [...this.codec.names, ...(index?.codec.names ?? [])]) {
      if (startKey[name] === undefined) throw validation('The provided starting key is invalid: The provided key element does not match the schema');
    }
    return index ? this.indexOrder(index, startKey) : this.codec.order(startKey);
  }
}
