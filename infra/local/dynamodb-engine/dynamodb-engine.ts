import { getHeapStatistics } from 'node:v8';
import { LocalStoreFullError } from '#shared/errors/normflow-errors.ts';
import { MAX_ITEM_BYTES } from '#shared/stores/dynamodb-item-limits.ts';
import { acceptItem, acceptValue, itemBytes, typeOf, type Item, type Value } from './attribute-values.ts';
import { EngineError, conditionFailed, tableNotFound, validation } from './engine-errors.ts';
import { applyUpdate, checkOperands, checkPlaceholders, checkUpdatePaths, evaluateCondition, project, refuseOverlaps, resolvePath, type Placeholders, type ResolvedPath } from './expression-evaluation.ts';
import { parseCondition, parseFilter, parseKeyCondition, parseProjection, parseUpdate, type Condition, type Operand, type Parsed, type Path } from './expressions.ts';
import { TableStorage, type IndexStorage, type KeyAttribute, type KeyLayout, type TableDefinitionInput } from './table-storage.ts';

/** What the engine reports after each change, for a journal to keep. */
export type Change =
  | { kind: 'create'; definition: TableDefinitionInput; createdAt: string }
  | { kind: 'drop'; table: string }
  | { kind: 'put'; table: string; item: Item }
  | { kind: 'remove'; table: string; key: Item };

type Input = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- request shapes are checked field by field below
type Output = Record<string, unknown>;

/** Writes between two looks at the heap, and the share of its limit past which writes are refused. */
const MEMORY_CHECK_EVERY = 1_000;
const MAX_HEAP_SHARE = 0.85;

export interface MemoryUse {
  used: number;
  limit: number;
}

const heapUse = (): MemoryUse => ({ used: process.memoryUsage().heapUsed, limit: getHeapStatistics().heap_size_limit });
const MAX_PAGE_BYTES = 1024 * 1024;
const MAX_BATCH_GET_KEYS = 100;
const MAX_BATCH_WRITES = 25;

const placeholdersOf = (input: Input): Placeholders => ({
  names: input.ExpressionAttributeNames as Record<string, string> | undefined,
  values: input.ExpressionAttributeValues === undefined ? undefined : acceptItem(input.ExpressionAttributeValues as Item),
});

const optionalParse = <T>(parse: (text: string) => Parsed<T>, text: unknown): Parsed<T> | undefined => (typeof text === 'string' ? parse(text) : undefined);

const readUnits = (bytes: number, consistent: boolean) => Math.ceil(Math.max(bytes, 1) / 4096) * (consistent ? 1 : 0.5);
const writeUnits = (bytes: number) => Math.ceil(Math.max(bytes, 1) / 1024);

const wantsCapacity = (input: Input) => input.ReturnConsumedCapacity === 'TOTAL' || input.ReturnConsumedCapacity === 'INDEXES';

/** `ConsumedCapacity` when the request asked for it (the units counted only then). */
function consumed(input: Input, units: () => number): Output {
  return wantsCapacity(input) ? { ConsumedCapacity: { TableName: input.TableName, CapacityUnits: units() } } : {};
}

function checkItemSize(item: Item): number {
  const bytes = itemBytes(item);
  if (bytes > MAX_ITEM_BYTES) throw validation('Item size has exceeded the maximum allowed size');
  return bytes;
}

/** Top-level attributes an update changed, for `UPDATED_OLD` / `UPDATED_NEW`. */
function updatedAttributes(item: Item, paths: ResolvedPath[]): Item | undefined {
  const projected = project(item, paths);
  return Object.keys(projected).length > 0 ? projected : undefined;
}

/**
 * DynamoDB's data plane for the operations normflow's stores use (Get, Put, Update, Delete, Query,
 * Scan, BatchGet, BatchWrite; Create, Describe, Delete and List tables), in memory and synchronous:
 * each request is applied whole before the next starts, which is what makes a conditional write
 * atomic. Requests are checked as DynamoDB checks them (key schema, placeholders, reserved words,
 * item size, number precision) and answer in its shapes; `onChange` hears every change so a journal
 * can keep the tables across processes.
 */
export class DynamoDbEngine {
  private readonly tables = new Map<string, TableStorage>();
  private readonly onChange: (change: Change) => void;
  private readonly memory: () => MemoryUse;
  private writes = 0;

  /** `memory` tells how much of its heap the process uses (tests give a fake). */
  constructor(onChange: (change: Change) => void = () => {}, memory: () => MemoryUse = heapUse) {
    this.onChange = onChange;
    this.memory = memory;
  }

  /** Runs one operation by its API name (`GetItem`, …) on a request in the SDK's shape. */
  handle(operation: string, input: Input): Output {
    switch (operation) {
      case 'GetItem':
        return this.getItem(input);
      case 'PutItem':
        return this.putItem(input);
      case 'UpdateItem':
        return this.updateItem(input);
      case 'DeleteItem':
        return this.deleteItem(input);
      case 'Query':
        return this.query(input);
      case 'Scan':
        return this.scan(input);
      case 'BatchGetItem':
        return this.batchGetItem(input);
      case 'BatchWriteItem':
        return this.batchWriteItem(input);
      case 'CreateTable':
        return this.createTable(input);
      case 'DescribeTable':
        return { Table: this.describe(this.table(input.TableName)) };
      case 'DeleteTable':
        return this.deleteTable(input);
      case 'ListTables':
        return { TableNames: [...this.tables.keys()].sort() };
      default:
        throw new EngineError('UnknownOperationException', `The embedded store does not implement ${operation}`);
    }
  }

  /** Applies a change read back from a journal, without reporting it again. */
  replay(change: Change): void {
    if (change.kind === 'create') this.tables.set(change.definition.TableName, new TableStorage(change.definition, new Date(change.createdAt)));
    else if (change.kind === 'drop') this.tables.delete(change.table);
    else if (change.kind === 'put') this.tables.get(change.table)?.put(change.item, itemBytes(change.item));
    else this.tables.get(change.table)?.remove(change.key);
  }

  /**
   * The tables live in this process's heap: a write that would take it near its limit is refused
   * with a one-line error, rather than the process dying of "heap out of memory" mid-write. What is
   * stored stays stored (and journaled).
   */
  private refuseWhenFull(): void {
    const { used, limit } = this.memory();
    if (used < MAX_HEAP_SHARE * limit) return;
    const items = [...this.tables.values()].reduce((sum, table) => sum + table.itemCount, 0);
    const mib = (bytes: number) => Math.round(bytes / 1_048_576);
    throw new LocalStoreFullError(
      `the local store holds ${items} items and this process uses ${mib(used)} MiB of the ${mib(limit)} MiB it may: local tables are kept in memory ` +
        '(docs/local-store.md); give it more with NODE_OPTIONS=--max-old-space-size=<MiB>, or run on AWS',
    );
  }

  /** Bytes the tables hold, as DynamoDB counts them. */
  storedBytes(): number {
    let total = 0;
    for (const table of this.tables.values()) total += table.sizeBytes;
    return total;
  }

  /** Every change that rebuilds the current state: for compacting a journal. */
  *snapshot(): Generator<Change> {
    for (const table of this.tables.values()) {
      yield { kind: 'create', definition: table.definition, createdAt: table.createdAt.toISOString() };
      for (const entry of table.items.values()) yield { kind: 'put', table: table.definition.TableName, item: entry.item };
    }
  }

  private table(name: unknown): TableStorage {
    const table = typeof name === 'string' ? this.tables.get(name) : undefined;
    if (!table) throw tableNotFound();
    return table;
  }

  private describe(table: TableStorage): Output {
    const { definition } = table;
    const arn = `arn:aws:dynamodb:local:000000000000:table/${definition.TableName}`;
    const indexDescription = (index: IndexStorage) => {
      const spec = [...(definition.GlobalSecondaryIndexes ?? []), ...(definition.LocalSecondaryIndexes ?? [])].find((candidate) => candidate.IndexName === index.name);
      return { ...spec, IndexStatus: 'ACTIVE', IndexArn: `${arn}/index/${index.name}`, ItemCount: index.entries.size, IndexSizeBytes: 0 };
    };
    const globals = table.indexes.filter((index) => index.global).map(indexDescription);
    const locals = table.indexes.filter((index) => !index.global).map(indexDescription);
    return {
      TableName: definition.TableName,
      TableArn: arn,
      TableStatus: 'ACTIVE',
      CreationDateTime: table.createdAt,
      KeySchema: definition.KeySchema,
      AttributeDefinitions: definition.AttributeDefinitions,
      ItemCount: table.itemCount,
      TableSizeBytes: table.sizeBytes,
      BillingModeSummary: { BillingMode: definition.BillingMode ?? 'PAY_PER_REQUEST' },
      ...(globals.length > 0 ? { GlobalSecondaryIndexes: globals } : {}),
      ...(locals.length > 0 ? { LocalSecondaryIndexes: locals } : {}),
    };
  }

  private createTable(input: Input): Output {
    const name = input.TableName;
    if (typeof name !== 'string' || !/^[a-zA-Z0-9_.-]{3,255}$/.test(name)) throw validation(`Invalid table name: ${String(name)}`);
    if (this.tables.has(name)) throw new EngineError('ResourceInUseException', `Table already exists: ${name}`);
    const definition: TableDefinitionInput = {
      TableName: name,
      KeySchema: input.KeySchema,
      AttributeDefinitions: input.AttributeDefinitions,
      ...(input.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: input.GlobalSecondaryIndexes } : {}),
      ...(input.LocalSecondaryIndexes ? { LocalSecondaryIndexes: input.LocalSecondaryIndexes } : {}),
      ...(input.BillingMode ? { BillingMode: input.BillingMode } : {}),
    };
    const createdAt = new Date();
    const table = new TableStorage(definition, createdAt);
    this.tables.set(name, table);
    this.onChange({ kind: 'create', definition, createdAt: createdAt.toISOString() });
    return { TableDescription: this.describe(table) };
  }

  private deleteTable(input: Input): Output {
    const table = this.table(input.TableName);
    const description = this.describe(table);
    this.tables.delete(table.definition.TableName);
    this.onChange({ kind: 'drop', table: table.definition.TableName });
    return { TableDescription: { ...description, TableStatus: 'DELETING' } };
  }

  /** The request's key: exactly the table's key attributes. */
  private key(table: TableStorage, key: unknown): Item {
    if (key === null || typeof key !== 'object') throw validation('The provided key element does not match the schema');
    const accepted = acceptItem(key as Item);
    const names = table.codec.names;
    if (Object.keys(accepted).length !== names.length || names.some((name) => accepted[name] === undefined)) throw validation('The provided key element does not match the schema');
    table.codec.identity(accepted, 'key');
    return accepted;
  }

  private projection(input: Input, placeholders: Placeholders): { parsed: Parsed<unknown> | undefined; apply: (item: Item) => Item } {
    const parsed = optionalParse(parseProjection, input.ProjectionExpression);
    if (!parsed) return { parsed, apply: (item) => item };
    const paths = parsed.tree.map((path) => resolvePath(path, placeholders));
    refuseOverlaps(paths, 'ProjectionExpression');
    return { parsed, apply: (item) => project(item, paths) };
  }

  private condition(input: Input): Parsed<Condition> | undefined {
    return optionalParse(parseCondition, input.ConditionExpression);
  }

  private checkCondition(condition: Parsed<Condition> | undefined, existing: Item | undefined, placeholders: Placeholders, input: Input): void {
    if (condition) checkOperands(condition.tree, placeholders, 'ConditionExpression');
    if (condition && !evaluateCondition(condition.tree, existing ?? {}, placeholders)) {
      throw conditionFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? existing : undefined);
    }
  }

  private getItem(input: Input): Output {
    const table = this.table(input.TableName);
    const key = this.key(table, input.Key);
    const placeholders = placeholdersOf(input);
    const projection = this.projection(input, placeholders);
    checkPlaceholders([projection.parsed], placeholders);
    const item = table.get(key);
    return {
      ...(item ? { Item: projection.apply(item) } : {}),
      ...consumed(input, () => readUnits(item ? itemBytes(item) : 0, input.ConsistentRead === true)),
    };
  }

  private store(table: TableStorage, item: Item, bytes: number): Item | undefined {
    if (++this.writes % MEMORY_CHECK_EVERY === 0) this.refuseWhenFull();
    const old = table.put(item, bytes);
    this.onChange({ kind: 'put', table: table.definition.TableName, item });
    return old;
  }

  private putItem(input: Input): Output {
    const table = this.table(input.TableName);
    const item = acceptItem(input.Item as Item);
    table.codec.identity(item);
    table.checkIndexKeys(item);
    const bytes = checkItemSize(item);
    const placeholders = placeholdersOf(input);
    const condition = this.condition(input);
    checkPlaceholders([condition], placeholders);
    const existing = table.get(table.codec.keyOf(item));
    this.checkCondition(condition, existing, placeholders, input);
    this.store(table, item, bytes);
    return {
      ...(input.ReturnValues === 'ALL_OLD' && existing ? { Attributes: existing } : {}),
      ...consumed(input, () => Math.max(writeUnits(bytes), existing ? writeUnits(itemBytes(existing)) : 0)),
    };
  }

  private updateItem(input: Input): Output {
    const table = this.table(input.TableName);
    const key = this.key(table, input.Key);
    const placeholders = placeholdersOf(input);
    const condition = this.condition(input);
    const update = optionalParse(parseUpdate, input.UpdateExpression);
    checkPlaceholders([condition, update], placeholders);
    if (update) checkUpdatePaths(update.tree, placeholders, table.codec.names, table.indexKeyTypes);
    const existing = table.get(key);
    this.checkCondition(condition, existing, placeholders, input);
    const { item, changedPaths } = update ? applyUpdate(update.tree, existing ?? key, placeholders) : { item: existing ?? key, changedPaths: [] };
    table.checkIndexKeys(item);
    const bytes = checkItemSize(item);
    this.store(table, item, bytes);
    const returned = (() => {
      switch (input.ReturnValues) {
        case 'ALL_NEW':
          return item;
        case 'ALL_OLD':
          return existing;
        case 'UPDATED_NEW':
          return updatedAttributes(item, changedPaths);
        case 'UPDATED_OLD':
          return existing ? updatedAttributes(existing, changedPaths) : undefined;
        default:
          return undefined;
      }
    })();
    return {
      ...(returned ? { Attributes: returned } : {}),
      ...consumed(input, () => Math.max(writeUnits(bytes), existing ? writeUnits(itemBytes(existing)) : 0)),
    };
  }

  private deleteItem(input: Input): Output {
    const table = this.table(input.TableName);
    const key = this.key(table, input.Key);
    const placeholders = placeholdersOf(input);
    const condition = this.condition(input);
    checkPlaceholders([condition], placeholders);
    const existing = table.get(key);
    this.checkCondition(condition, existing, placeholders, input);
    if (existing) {
      table.remove(key);
      this.onChange({ kind: 'remove', table: table.definition.TableName, key });
    }
    return {
      ...(input.ReturnValues === 'ALL_OLD' && existing ? { Attributes: existing } : {}),
      ...consumed(input, () => (existing ? writeUnits(itemBytes(existing)) : 1)),
    };
  }

  /** Query and Scan: items in order from `bounds`, a page of at most `Limit` items and 1 MB, filtered after reading. */
  private page(table: TableStorage, index: IndexStorage | undefined, input: Input, bounds: { from: string; to: string }, keyFilter: (item: Item) => boolean, extra: ReadonlyArray<Parsed<unknown> | undefined>, placeholders: Placeholders): Output {
    if (input.Limit !== undefined && (!Number.isInteger(input.Limit) || input.Limit < 1)) throw validation('1 validation error detected: Value at \'limit\' failed to satisfy constraint: Member must have value greater than or equal to 1');
    if (index?.global && input.ConsistentRead === true) throw validation('Consistent reads are not supported on global secondary indexes');
    const filter = optionalParse(parseFilter, input.FilterExpression);
    const projection = this.projection(input, placeholders);
    checkPlaceholders([...extra, filter, projection.parsed], placeholders);
    if (filter) checkOperands(filter.tree, placeholders, 'FilterExpression');
    if (input.Select === 'ALL_ATTRIBUTES' && index && index.projection !== 'ALL') {
      throw validation(`One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index ${index.name} because its projection type is not ALL`);
    }
    const after = input.ExclusiveStartKey ? table.startOrder(acceptItem(input.ExclusiveStartKey as Item), index) : undefined;
    const entries = (index ? index.entries : table.items).range({ ...bounds, after, descending: input.ScanIndexForward === false });
    const items: Item[] = [];
    let [scanned, bytes] = [0, 0];
    let last: Item | undefined;
    let more = false;
    for (const entry of entries) {
      if ((input.Limit !== undefined && scanned >= input.Limit) || bytes >= MAX_PAGE_BYTES) {
        more = true;
        break;
      }
      const item = entry.item;
      if (!keyFilter(item)) continue;
      scanned += 1;
      bytes += entry.bytes;
      last = item;
      if (!filter || evaluateCondition(filter.tree, item, placeholders)) items.push(item);
    }
    // DynamoDB also answers a LastEvaluatedKey when the page ended at its Limit exactly.
    if (!more && input.Limit !== undefined && scanned >= input.Limit) more = last !== undefined;
    const startKeyNames = [...table.codec.names, ...(index ? index.codec.names.filter((name) => !table.codec.names.includes(name)) : [])];
    return {
      Count: items.length,
      ScannedCount: scanned,
      ...(input.Select === 'COUNT' ? {} : { Items: items.map(projection.apply) }),
      ...(more && last ? { LastEvaluatedKey: Object.fromEntries(startKeyNames.map((name) => [name, last[name] as Value])) } : {}),
      ...consumed(input, () => readUnits(bytes, input.ConsistentRead === true)),
    };
  }

  private query(input: Input): Output {
    const table = this.table(input.TableName);
    const index = typeof input.IndexName === 'string' ? table.index(input.IndexName) : undefined;
    const codec = index ? index.codec : table.codec;
    const placeholders = placeholdersOf(input);
    const keyCondition = optionalParse(parseKeyCondition, input.KeyConditionExpression);
    if (!keyCondition) throw validation('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
    checkOperands(keyCondition.tree, placeholders, 'KeyConditionExpression');
    const { hashValue, rangeTest } = keyConditions(keyCondition.tree, codec.layout, placeholders);
    // The keys queried belong in the key condition: DynamoDB refuses a filter that reads them.
    const filter = optionalParse(parseFilter, input.FilterExpression);
    const filtered = filter ? attributesRead(filter.tree, placeholders) : new Set<string>();
    const filteredKey = codec.names.find((name) => filtered.has(name));
    if (filteredKey !== undefined) throw validation(`Filter Expression can only contain non-primary key attributes: Primary key attribute: ${filteredKey}`);
    const partition = codec.partitionOrder(acceptValue(hashValue));
    const hashName = codec.layout.hash.name;
    const keyFilter = (item: Item) => item[hashName] !== undefined && (rangeTest === undefined || rangeTest(item));
    return this.page(table, index, input, { from: partition, to: partition }, keyFilter, [keyCondition], placeholders);
  }

  private scan(input: Input): Output {
    const table = this.table(input.TableName);
    const index = typeof input.IndexName === 'string' ? table.index(input.IndexName) : undefined;
    const placeholders = placeholdersOf(input);
    let bounds = { from: '', to: '\uffff' };
    if (input.TotalSegments !== undefined || input.Segment !== undefined) {
      const [segment, total] = [input.Segment as number, input.TotalSegments as number];
      if (!Number.isInteger(total) || total < 1 || total > 1_000_000 || !Number.isInteger(segment) || segment < 0 || segment >= total) {
        throw validation(`The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${segment} is not less than TotalSegments: ${total}`);
      }
      // Segments split the 4,096 values of the order's first three hex digits, as dynalite did.
      const hex = (value: number) => value.toString(16).padStart(3, '0');
      bounds = { from: segment === 0 ? '' : hex(Math.ceil((4096 * segment) / total)), to: hex(Math.ceil((4096 * (segment + 1)) / total) - 1) };
    }
    return this.page(table, index, input, bounds, () => true, [], placeholders);
  }

  private batchGetItem(input: Input): Output {
    const requests = Object.entries((input.RequestItems ?? {}) as Record<string, Input>);
    const total = requests.reduce((sum, [, request]) => sum + ((request.Keys as unknown[] | undefined)?.length ?? 0), 0);
    if (requests.length === 0 || total === 0) throw validation('The requestItems parameter is required for BatchGetItem');
    if (total > MAX_BATCH_GET_KEYS) throw validation('Too many items requested for the BatchGetItem call');
    const reads = requests.map(([tableName, request]) => {
      const table = this.table(tableName);
      const placeholders = placeholdersOf(request);
      const projection = this.projection(request, placeholders);
      checkPlaceholders([projection.parsed], placeholders);
      const keys = (request.Keys as unknown[]).map((key) => this.key(table, key));
      if (new Set(keys.map((key) => table.codec.identity(key))).size !== keys.length) throw validation('Provided list of item keys contains duplicates');
      return { tableName, table, projection, keys, consistent: request.ConsistentRead === true };
    });
    // Items are sized only when the request asks for the capacity it consumed: the pipeline reads every lead this way.
    const counting = wantsCapacity(input);
    const responses: Record<string, Item[]> = {};
    const capacity: Array<{ TableName: string; CapacityUnits: number }> = [];
    for (const { tableName, table, projection, keys, consistent } of reads) {
      let units = 0;
      responses[tableName] = keys.flatMap((key) => {
        const item = table.get(key);
        if (counting) units += readUnits(item ? itemBytes(item) : 0, consistent);
        return item ? [projection.apply(item)] : [];
      });
      capacity.push({ TableName: tableName, CapacityUnits: units });
    }
    return { Responses: responses, UnprocessedKeys: {}, ...(counting ? { ConsumedCapacity: capacity } : {}) };
  }

  private batchWriteItem(input: Input): Output {
    const requests = Object.entries((input.RequestItems ?? {}) as Record<string, Input[]>);
    const total = requests.reduce((sum, [, writes]) => sum + writes.length, 0);
    if (total === 0) throw validation('The requestItems parameter is required for BatchWriteItem');
    if (total > MAX_BATCH_WRITES) throw validation('Too many items requested for the BatchWriteItem call');
    // Every write is checked before any is applied: DynamoDB refuses the whole batch for one bad request.
    const writes = requests.flatMap(([tableName, tableWrites]) => {
      const table = this.table(tableName);
      const checked = tableWrites.map((write) => {
        if (write.PutRequest) {
          const item = acceptItem(write.PutRequest.Item as Item);
          table.codec.identity(item);
          table.checkIndexKeys(item);
          return { table, put: item, bytes: checkItemSize(item), key: table.codec.keyOf(item) };
        }
        if (write.DeleteRequest) return { table, key: this.key(table, write.DeleteRequest.Key) };
        throw validation('Supplied AttributeValue has neither a PutRequest nor a DeleteRequest');
      });
      if (new Set(checked.map((write) => table.codec.identity(write.key))).size !== checked.length) throw validation('Provided list of item keys contains duplicates');
      return checked;
    });
    const counting = wantsCapacity(input);
    const units = new Map<string, number>();
    for (const write of writes) {
      const tableName = write.table.definition.TableName;
      const old = 'put' in write && write.put ? this.store(write.table, write.put, write.bytes) : write.table.remove(write.key);
      if (!('put' in write && write.put) && old) this.onChange({ kind: 'remove', table: tableName, key: write.key });
      if (!counting) continue;
      const written = 'put' in write && write.put ? writeUnits(write.bytes) : 1;
      units.set(tableName, (units.get(tableName) ?? 0) + Math.max(written, old ? writeUnits(itemBytes(old)) : 0));
    }
    return { UnprocessedItems: {}, ...(counting ? { ConsumedCapacity: [...units].map(([TableName, CapacityUnits]) => ({ TableName, CapacityUnits })) } : {}) };
  }
}

/** The partition key's value and a test of the sort key, from a KeyConditionExpression. */
function keyConditions(condition: Condition, layout: KeyLayout, placeholders: Placeholders): { hashValue: Value; rangeTest: ((item: Item) => boolean) | undefined } {
  const [hashName, rangeName] = [layout.hash.name, layout.range?.name];
  // A key compared with a value of another type could match nothing: DynamoDB refuses the query instead.
  const checkType = (operand: Operand, key: KeyAttribute) => {
    const value = operand.kind === 'value' ? placeholders.values?.[operand.placeholder] : undefined;
    if (value !== undefined && typeOf(value) !== key.type) throw validation('One or more parameter values were invalid: Condition parameter type does not match schema type');
  };
  const parts: Condition[] = [];
  const flatten = (node: Condition): void => {
    if (node.kind === 'and') {
      flatten(node.left);
      flatten(node.right);
    } else if (node.kind === 'or' || node.kind === 'not' || node.kind === 'in') {
      throw validation(`Invalid operator used in KeyConditionExpression: ${node.kind.toUpperCase()}`);
    } else parts.push(node);
  };
  flatten(condition);
  const attributeOf = (operand: Operand): string | undefined => {
    if (operand.kind !== 'path') return undefined;
    const resolved = resolvePath(operand.path, placeholders);
    if (resolved.length !== 1) throw validation('KeyConditionExpressions cannot have conditions on nested attributes');
    return resolved[0] as string;
  };
  let hashValue: Value | undefined;
  let rangeTest: ((item: Item) => boolean) | undefined;
  for (const part of parts) {
    const attribute = part.kind === 'compare' ? attributeOf(part.left) : part.kind === 'between' ? attributeOf(part.operand) : part.kind === 'function' ? resolvePath(part.path, placeholders)[0] : undefined;
    if (part.kind === 'function' && part.name !== 'begins_with') throw validation(`Invalid operator used in KeyConditionExpression: ${part.name}`);
    if (attribute === hashName && part.kind === 'compare' && part.comparator === '=' && part.right.kind === 'value') {
      if (hashValue !== undefined) throw validation('KeyConditionExpressions must only contain one condition per key');
      checkType(part.right, layout.hash);
      hashValue = placeholders.values?.[part.right.placeholder] as Value;
    } else if (attribute !== undefined && attribute === rangeName) {
      if (rangeTest !== undefined) throw validation('KeyConditionExpressions must only contain one condition per key');
      if (part.kind === 'compare' && part.comparator === '<>') throw validation('Invalid operator used in KeyConditionExpression: <>');
      const operands = part.kind === 'compare' ? [part.right] : part.kind === 'between' ? [part.low, part.high] : part.kind === 'function' && 'argument' in part ? [part.argument] : [];
      for (const operand of operands) checkType(operand, layout.range as KeyAttribute);
      rangeTest = (item) => evaluateCondition(part, item, placeholders);
    } else {
      throw validation(`Query condition missed key schema element: ${attribute === undefined ? hashName : attribute === hashName ? hashName : attribute}`);
    }
  }
  if (hashValue === undefined) throw validation(`Query condition missed key schema element: ${hashName}`);
  return { hashValue, rangeTest };
}

/** The top-level attributes a condition reads. */
function attributesRead(condition: Condition, placeholders: Placeholders): Set<string> {
  const heads = new Set<string>();
  const readPath = (path: Path) => heads.add(resolvePath(path, placeholders)[0] as string);
  const readOperand = (operand: Operand) => {
    if (operand.kind !== 'value') readPath(operand.path);
  };
  const visit = (node: Condition): void => {
    switch (node.kind) {
      case 'and':
      case 'or':
        visit(node.left);
        visit(node.right);
        return;
      case 'not':
        visit(node.operand);
        return;
      case 'compare':
        [node.left, node.right].forEach(readOperand);
        return;
      case 'between':
        [node.operand, node.low, node.high].forEach(readOperand);
        return;
      case 'in':
        [node.operand, ...node.candidates].forEach(readOperand);
        return;
      case 'function':
        readPath(node.path);
        if ('argument' in node) readOperand(node.argument);
    }
  };
  visit(condition);
  return heads;
}
