import { parseDecimal } from '#shared/stores/dynamodb-item-limits.ts';
import { canonicalNumber, compareScalars, typeOf, valuesEqual, type Item, type Value } from './attribute-values.ts';
import { validation } from './engine-errors.ts';
import type { Condition, Operand, Parsed, Path, SetOperand, SetValue, UpdateActions } from './expressions.ts';

/** A request's placeholders: `ExpressionAttributeNames` and `ExpressionAttributeValues`. */
export interface Placeholders {
  names: Record<string, string> | undefined;
  values: Record<string, Value> | undefined;
}

/** Refuses a request whose expressions use a placeholder it does not define, or define one none uses. */
export function checkPlaceholders(parsed: ReadonlyArray<Parsed<unknown> | undefined>, placeholders: Placeholders): void {
  // Runs on every request: loops over the few expressions instead of building sets of their placeholders.
  const { names = {}, values = {} } = placeholders;
  for (const expression of parsed) {
    if (!expression) continue;
    for (const name of expression.names) {
      if (names[name] === undefined) throw validation(`Invalid expression: An expression attribute name used in the document path is not defined; attribute name: ${name}`);
    }
    for (const value of expression.values) {
      if (values[value] === undefined) throw validation(`Invalid expression: An expression attribute value used in expression is not defined; attribute value: ${value}`);
    }
  }
  const unusedNames = Object.keys(names).filter((name) => !usedIn(parsed, name, 'names'));
  if (unusedNames.length > 0) throw validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
  const unusedValues = Object.keys(values).filter((value) => !usedIn(parsed, value, 'values'));
  if (unusedValues.length > 0) throw validation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
}

function usedIn(parsed: ReadonlyArray<Parsed<unknown> | undefined>, placeholder: string, kind: 'names' | 'values'): boolean {
  for (const expression of parsed) if (expression?.[kind].has(placeholder) === true) return true;
  return false;
}

/** A path with its #placeholders replaced by the names they stand for. */
export type ResolvedPath = Array<string | number>;

export function resolvePath(path: Path, placeholders: Placeholders): ResolvedPath {
  return path.map((element) => ('index' in element ? element.index : 'name' in element ? element.name : (placeholders.names?.[element.placeholder] as string)));
}

/** The value at a document path, its #placeholders resolved on the way (conditions read paths on every request). */
function valueAtPath(item: Item, path: Path, placeholders: Placeholders): Value | undefined {
  let current: Value | undefined;
  for (let index = 0; index < path.length; index += 1) {
    const element = path[index] as Path[number];
    if ('index' in element) {
      current = current?.L?.[element.index];
    } else {
      const name = 'name' in element ? element.name : (placeholders.names?.[element.placeholder] as string);
      current = index === 0 ? item[name] : current?.M?.[name];
    }
    if (current === undefined) return undefined;
  }
  return current;
}

function valueAt(item: Item, path: ResolvedPath): Value | undefined {
  let current: Value | undefined = { M: item };
  for (const step of path) {
    if (current === undefined) return undefined;
    if (typeof step === 'number') current = current.L?.[step];
    else current = current.M?.[step];
  }
  return current;
}

const placeholderValue = (placeholder: string, placeholders: Placeholders): Value => placeholders.values?.[placeholder] as Value;

function sizeOf(value: Value | undefined): Value | undefined {
  if (value === undefined) return undefined;
  let length: number | undefined;
  if (value.S !== undefined) length = value.S.length;
  else if (value.B !== undefined) length = value.B.byteLength;
  else if (value.SS !== undefined) length = value.SS.length;
  else if (value.NS !== undefined) length = value.NS.length;
  else if (value.BS !== undefined) length = value.BS.length;
  else if (value.L !== undefined) length = value.L.length;
  else if (value.M !== undefined) length = Object.keys(value.M).length;
  return length === undefined ? undefined : { N: String(length) };
}

function operandValue(operand: Operand, item: Item, placeholders: Placeholders): Value | undefined {
  if (operand.kind === 'value') return placeholderValue(operand.placeholder, placeholders);
  const value = valueAtPath(item, operand.path, placeholders);
  return operand.kind === 'size' ? sizeOf(value) : value;
}

function compare(comparator: string, left: Value | undefined, right: Value | undefined): boolean {
  if (comparator === '=') return left !== undefined && right !== undefined && valuesEqual(left, right);
  if (comparator === '<>') return left === undefined || right === undefined || !valuesEqual(left, right);
  if (left === undefined || right === undefined) return false;
  const order = compareScalars(left, right);
  if (order === undefined) return false;
  switch (comparator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}

const ATTRIBUTE_TYPES: ReadonlySet<string> = new Set(['S', 'SS', 'N', 'NS', 'B', 'BS', 'BOOL', 'NULL', 'L', 'M']);

function contains(container: Value, member: Value): boolean {
  if (container.S !== undefined) return member.S !== undefined && container.S.includes(member.S);
  if (container.B !== undefined) return member.B !== undefined && Buffer.from(container.B).includes(Buffer.from(member.B));
  if (container.SS !== undefined) return member.S !== undefined && container.SS.includes(member.S);
  if (container.NS !== undefined) return member.N !== undefined && container.NS.some((n) => compare('=', { N: n }, member));
  if (container.BS !== undefined) return member.B !== undefined && container.BS.some((b) => compare('=', { B: b }, member));
  if (container.L !== undefined) return container.L.some((element) => valuesEqual(element, member));
  return false;
}

/**
 * Refuses what DynamoDB refuses in a condition before reading any item: an operand compared with
 * itself, BETWEEN bounds of two types or in the wrong order, begins_with of a value that is neither
 * string nor binary, attribute_type of a value that is not a type name. (Evaluating alone would
 * answer false instead, and only when an item reached that part of the condition.)
 */
export function checkOperands(condition: Condition, placeholders: Placeholders, expression: string): void {
  switch (condition.kind) {
    case 'and':
    case 'or':
      checkOperands(condition.left, placeholders, expression);
      checkOperands(condition.right, placeholders, expression);
      return;
    case 'not':
      checkOperands(condition.operand, placeholders, expression);
      return;
    case 'compare':
      if (samePathOperands(condition.left, condition.right, placeholders)) refuseOperands(expression, `The first operand must be distinct from the remaining operands for this operator or function; operator: ${condition.comparator}`);
      return;
    case 'between': {
      const [low, high] = [operandConstant(condition.low, placeholders), operandConstant(condition.high, placeholders)];
      if (low === undefined || high === undefined) return;
      if (typeOf(low) !== typeOf(high)) refuseOperands(expression, 'The BETWEEN operator requires same data type for lower and upper bounds');
      if ((compareScalars(low, high) ?? 0) > 0) refuseOperands(expression, 'The BETWEEN operator requires upper bound to be greater than or equal to lower bound');
      return;
    }
    case 'in':
      return;
    case 'function': {
      if (!('argument' in condition)) return;
      if (condition.argument.kind === 'path' && samePathOperands({ kind: 'path', path: condition.path }, condition.argument, placeholders)) {
        refuseOperands(expression, `The first operand must be distinct from the remaining operands for this operator or function; operator: ${condition.name}`);
      }
      const argument = operandConstant(condition.argument, placeholders);
      if (argument === undefined) return;
      const type = typeOf(argument);
      if (condition.name === 'begins_with' && type !== 'S' && type !== 'B') refuseOperands(expression, `Incorrect operand type for operator or function; operator or function: begins_with, operand type: ${type}`);
      if (condition.name === 'attribute_type' && type !== 'S') refuseOperands(expression, `Incorrect operand type for operator or function; operator or function: attribute_type, operand type: ${type}`);
    }
  }
}

// Module-level helpers of checkOperands: it runs on every conditional write, so it allocates no closures.
function operandConstant(operand: Operand, placeholders: Placeholders): Value | undefined {
  return operand.kind === 'value' ? placeholders.values?.[operand.placeholder] : undefined;
}

function samePathOperands(left: Operand, right: Operand, placeholders: Placeholders): boolean {
  if (left.kind !== 'path' || right.kind !== 'path' || left.path.length !== right.path.length) return false;
  const [a, b] = [resolvePath(left.path, placeholders), resolvePath(right.path, placeholders)];
  return a.every((step, index) => step === b[index]);
}

function refuseOperands(expression: string, detail: string): never {
  throw validation(`Invalid ${expression}: ${detail}`);
}

export function evaluateCondition(condition: Condition, item: Item, placeholders: Placeholders): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluateCondition(condition.left, item, placeholders) && evaluateCondition(condition.right, item, placeholders);
    case 'or':
      return evaluateCondition(condition.left, item, placeholders) || evaluateCondition(condition.right, item, placeholders);
    case 'not':
      return !evaluateCondition(condition.operand, item, placeholders);
    case 'compare':
      return compare(condition.comparator, operandValue(condition.left, item, placeholders), operandValue(condition.right, item, placeholders));
    case 'between': {
      const value = operandValue(condition.operand, item, placeholders);
      return compare('>=', value, operandValue(condition.low, item, placeholders)) && compare('<=', value, operandValue(condition.high, item, placeholders));
    }
    case 'in': {
      const value = operandValue(condition.operand, item, placeholders);
      return condition.candidates.some((candidate) => compare('=', value, operandValue(candidate, item, placeholders)));
    }
    case 'function': {
      const value = valueAtPath(item, condition.path, placeholders);
      if (condition.name === 'attribute_exists') return value !== undefined;
      if (condition.name === 'attribute_not_exists') return value === undefined;
      const argument = operandValue((condition as { argument: Operand }).argument, item, placeholders);
      if (condition.name === 'attribute_type') {
        if (argument?.S === undefined || !ATTRIBUTE_TYPES.has(argument.S)) throw validation(`Invalid ConditionExpression: Invalid attribute type name found; type: ${argument?.S ?? typeOf(argument ?? { NULL: true })}`);
        return value !== undefined && typeOf(value) === argument.S;
      }
      if (value === undefined || argument === undefined) return false;
      if (condition.name === 'begins_with') {
        if (value.S !== undefined && argument.S !== undefined) return value.S.startsWith(argument.S);
        if (value.B !== undefined && argument.B !== undefined) return Buffer.from(value.B).subarray(0, argument.B.byteLength).equals(Buffer.from(argument.B));
        return false;
      }
      return contains(value, argument);
    }
  }
}

/** Only the named paths of an item, nested as they were (`ProjectionExpression`, `UPDATED_OLD`, `UPDATED_NEW`). */
export function project(item: Item, paths: ResolvedPath[]): Item {
  const projected: Item = {};
  // Lists built here hold each element asked for at its own index, so two paths into one element meet
  // in it and `l[2], l[0]` comes back in index order, as DynamoDB answers it; the holes close at the end.
  const built: Value[][] = [];
  const containerFor = (next: string | number | undefined): Value => {
    if (typeof next !== 'number') return { M: {} };
    const list: Value[] = [];
    built.push(list);
    return { L: list };
  };
  for (const path of paths) {
    const value = valueAt(item, path);
    if (value === undefined) continue;
    let target: Value = { M: projected };
    for (let index = 0; index < path.length; index += 1) {
      const step = path[index] as string | number;
      // Paths do not overlap (refused before), so `target` is always a container built here, never a stored value.
      const slots = (typeof step === 'number' ? target.L : target.M) as Record<string | number, Value>;
      if (index === path.length - 1) slots[step] = value;
      else target = slots[step] ??= containerFor(path[index + 1]);
    }
  }
  for (const list of built) list.splice(0, list.length, ...list.filter(() => true));
  return projected;
}

function isWithin(inner: ResolvedPath, outer: ResolvedPath): boolean {
  if (outer.length > inner.length) return false;
  for (let index = 0; index < outer.length; index += 1) if (outer[index] !== inner[index]) return false;
  return true;
}

/** Refuses two paths of which one is, or lies inside, the other: DynamoDB refuses them in projections and updates alike. */
export function refuseOverlaps(paths: readonly ResolvedPath[], expression: string): void {
  // Every pair, without a copy of the rest per path: each update's paths go through here.
  for (let index = 0; index < paths.length; index += 1) {
    const path = paths[index] as ResolvedPath;
    for (let later = index + 1; later < paths.length; later += 1) {
      const other = paths[later] as ResolvedPath;
      if (isWithin(path, other) || isWithin(other, path)) {
        throw validation(`Invalid ${expression}: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${path.join(', ')}], path two: [${other.join(', ')}]`);
      }
    }
  }
}

/** A total order of paths: list indexes by number, names by text. */
function comparePaths(left: ResolvedPath, right: ResolvedPath): number {
  for (let index = 0; index < Math.min(left.length, right.length); index += 1) {
    const [a, b] = [left[index] as string | number, right[index] as string | number];
    if (a === b) continue;
    if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
    if (typeof a === 'number') return a - (b as number);
    return a < b ? -1 : 1;
  }
  return left.length - right.length;
}

const invalidPath = () => validation('The document path provided in the update expression is invalid for update');
const wrongType = () => validation('An operand in the update expression has an incorrect data type');

/** Decimal sum of two canonical numbers, exactly (DynamoDB adds with 38 digits of precision). */
function addNumbers(left: string, right: string, negateRight = false): string {
  const [a, b] = [parseDecimal(left), parseDecimal(right)];
  if (!a || !b) throw wrongType();
  const scaled = (decimal: NonNullable<typeof a>, scale: number) => {
    if (decimal.digits === '') return 0n;
    const magnitude = BigInt(decimal.digits) * 10n ** BigInt(decimal.exponent - (decimal.digits.length - 1) + scale);
    return decimal.negative ? -magnitude : magnitude;
  };
  const fractionDigits = (decimal: NonNullable<typeof a>) => Math.max(0, decimal.digits.length - 1 - decimal.exponent);
  const scale = Math.max(fractionDigits(a), fractionDigits(b));
  const sum = scaled(a, scale) + (negateRight ? -scaled(b, scale) : scaled(b, scale));
  const text = (sum < 0n ? -sum : sum).toString().padStart(scale + 1, '0');
  const withPoint = scale === 0 ? text : `${text.slice(0, text.length - scale)}.${text.slice(text.length - scale)}`;
  return canonicalNumber(`${sum < 0n ? '-' : ''}${withPoint}`);
}

function setOperandValue(operand: SetOperand, item: Item, placeholders: Placeholders): Value {
  switch (operand.kind) {
    case 'value':
      return placeholderValue(operand.placeholder, placeholders);
    case 'path': {
      const value = valueAtPath(item, operand.path, placeholders);
      if (value === undefined) throw validation('The provided expression refers to an attribute that does not exist in the item');
      return value;
    }
    case 'if_not_exists':
      return valueAtPath(item, operand.path, placeholders) ?? setOperandValue(operand.fallback, item, placeholders);
    case 'list_append': {
      const [first, second] = [setOperandValue(operand.first, item, placeholders), setOperandValue(operand.second, item, placeholders)];
      if (first.L === undefined || second.L === undefined) throw wrongType();
      return { L: [...first.L, ...second.L] };
    }
  }
}

function setValueOf(value: SetValue, item: Item, placeholders: Placeholders): Value {
  if (value.kind !== 'plus' && value.kind !== 'minus') return setOperandValue(value as SetOperand, item, placeholders);
  const [left, right] = [setOperandValue(value.left, item, placeholders), setOperandValue(value.right, item, placeholders)];
  if (left.N === undefined || right.N === undefined) throw wrongType();
  return { N: addNumbers(left.N, right.N, value.kind === 'minus') };
}

/** The item with `value` at `path` (undefined removes it), copying only the maps and lists on the way. */
function withValueAt(container: Value, path: ResolvedPath, depth: number, value: Value | undefined): Value {
  const step = path[depth] as string | number;
  const last = depth === path.length - 1;
  if (typeof step === 'number') {
    if (container.L === undefined) throw invalidPath();
    const list = [...container.L];
    if (last) {
      if (value === undefined) {
        if (step < list.length) list.splice(step, 1);
      } else if (step >= list.length) list.push(value);
      else list[step] = value;
    } else {
      const element = list[step];
      if (element === undefined) throw invalidPath();
      list[step] = withValueAt(element, path, depth + 1, value);
    }
    return { L: list };
  }
  if (container.M === undefined) throw invalidPath();
  const map = { ...container.M };
  if (last) {
    if (value === undefined) delete map[step];
    else map[step] = value;
  } else {
    const element = map[step];
    // A missing parent is refused for REMOVE and DELETE too, as DynamoDB refuses it.
    if (element === undefined) throw invalidPath();
    map[step] = withValueAt(element, path, depth + 1, value);
  }
  return { M: map };
}

function addToValue(existing: Value | undefined, operand: Value, remove: boolean): Value | undefined {
  const type = typeOf(operand);
  if (!remove && type === 'N') {
    if (existing === undefined) return operand;
    if (existing.N === undefined) throw wrongType();
    return { N: addNumbers(existing.N, operand.N as string) };
  }
  if (type !== 'SS' && type !== 'NS' && type !== 'BS') throw validation(`Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ${remove ? 'DELETE' : 'ADD'}, operand type: ${type}`);
  if (existing === undefined) return remove ? undefined : operand;
  if (typeOf(existing) !== type) throw wrongType();
  const current = (existing as Record<string, unknown[]>)[type] as unknown[];
  const members = (operand as Record<string, unknown[]>)[type] as unknown[];
  const same = (a: unknown, b: unknown) => valuesEqual({ [type.slice(0, 1)]: a } as Value, { [type.slice(0, 1)]: b } as Value);
  const next = remove ? current.filter((member) => !members.some((other) => same(member, other))) : [...current, ...members.filter((member) => !current.some((other) => same(member, other)))];
  return next.length === 0 ? undefined : ({ [type]: next } as Value);
}

const actionPaths = (actions: UpdateActions, placeholders: Placeholders): ResolvedPath[] =>
  [...actions.set.map((action) => action.path), ...actions.remove, ...actions.add.map((action) => action.path), ...actions.delete.map((action) => action.path)].map((path) => resolvePath(path, placeholders));

/** The type a SET value is taken to have before the item is read (a placeholder, list_append, + or -, if_not_exists's fallback). */
function staticType(value: SetValue, placeholders: Placeholders): string | undefined {
  if (value.kind === 'value') {
    const known = placeholders.values?.[value.placeholder];
    return known === undefined ? undefined : typeOf(known);
  }
  if (value.kind === 'list_append') return 'L';
  if (value.kind === 'plus' || value.kind === 'minus') return 'N';
  if (value.kind === 'if_not_exists') return staticType(value.fallback, placeholders);
  return undefined;
}

/**
 * Refuses what DynamoDB refuses in an update expression whatever the item holds, before it reads the
 * condition: a change to a key attribute, two actions on overlapping paths, an operand of list_append,
 * + or - of the wrong type, a SET, ADD or DELETE with a value of another type than an index key attribute's.
 */
export function checkUpdatePaths(actions: UpdateActions, placeholders: Placeholders, keyNames: readonly string[], indexKeyTypes: ReadonlyMap<string, string>): void {
  const paths = actionPaths(actions, placeholders);
  for (const path of paths) {
    if (keyNames.includes(path[0] as string)) throw validation(`One or more parameter values were invalid: Cannot update attribute ${String(path[0])}. This attribute is part of the key`);
  }
  refuseOverlaps(paths, 'UpdateExpression');
  for (const action of actions.set) {
    checkSetValue(action.value, placeholders);
    checkIndexKey(resolvePath(action.path, placeholders), staticType(action.value, placeholders), indexKeyTypes);
  }
  for (const action of [...actions.add, ...actions.delete]) checkIndexKey(resolvePath(action.path, placeholders), staticType({ kind: 'value', placeholder: action.placeholder }, placeholders), indexKeyTypes);
}

// Module-level helpers of checkUpdatePaths, as checkOperands' are: it runs on every update, so it allocates no closures.
function checkSetOperand(operand: SetOperand, expected: string, operator: string, placeholders: Placeholders): void {
  const type = staticType(operand, placeholders);
  if (type !== undefined && type !== expected) throw validation(`Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: ${operator}, operand type: ${type}`);
}

function checkSetValue(value: SetValue, placeholders: Placeholders): void {
  if (value.kind === 'list_append') {
    for (const operand of [value.first, value.second]) {
      checkSetOperand(operand, 'L', 'list_append', placeholders);
      checkSetValue(operand, placeholders);
    }
  } else if (value.kind === 'plus' || value.kind === 'minus') {
    for (const operand of [value.left, value.right]) {
      checkSetOperand(operand, 'N', value.kind === 'plus' ? '+' : '-', placeholders);
      checkSetValue(operand, placeholders);
    }
  } else if (value.kind === 'if_not_exists') checkSetValue(value.fallback, placeholders);
}

function checkIndexKey(path: ResolvedPath, type: string | undefined, indexKeyTypes: ReadonlyMap<string, string>): void {
  const declared = path.length === 1 ? indexKeyTypes.get(path[0] as string) : undefined;
  if (declared !== undefined && type !== undefined && type !== declared) throw validation(`One or more parameter values were invalid: Type mismatch for Index Key ${String(path[0])} Expected: ${declared} Actual: ${type}`);
}

/** Applies an update's actions (checked by `checkUpdatePaths`) to an item, every operand read from the item as it was. */
export function applyUpdate(actions: UpdateActions, item: Item, placeholders: Placeholders): { item: Item; changedPaths: ResolvedPath[] } {
  const paths: ResolvedPath[] = [];
  const values: Array<Value | undefined> = [];
  for (const { path, value } of actions.set) {
    paths.push(resolvePath(path, placeholders));
    values.push(setValueOf(value, item, placeholders));
  }
  for (const path of actions.remove) {
    paths.push(resolvePath(path, placeholders));
    values.push(undefined);
  }
  for (const [list, remove] of [[actions.add, false], [actions.delete, true]] as const) {
    for (const { path, placeholder } of list) {
      const resolved = resolvePath(path, placeholders);
      paths.push(resolved);
      values.push(addToValue(valueAt(item, resolved), placeholderValue(placeholder, placeholders), remove));
    }
  }
  if (paths.every((path) => path.length === 1)) {
    // Top-level attributes only (what the stores send): set in place in one fresh copy of the item.
    const updated: Item = { ...item };
    paths.forEach((path, index) => {
      const value = values[index];
      if (value === undefined) delete updated[path[0] as string];
      else updated[path[0] as string] = value;
    });
    return { item: updated, changedPaths: paths };
  }
  // A list index names the element as the list was before the update: `REMOVE l[1], l[2]` removes the
  // original second and third elements (developer guide, "Removing elements from a list"), and elements
  // SET past the end are appended in index order. So the changes that keep every index in place go
  // first, in path order, and element removals last, highest index first: none shifts an index still to be used.
  const removesElement = (index: number) => values[index] === undefined && typeof (paths[index] as ResolvedPath).at(-1) === 'number';
  const pathOf = (index: number) => paths[index] as ResolvedPath;
  const indexes = paths.map((_, index) => index);
  const kept = indexes.filter((index) => !removesElement(index)).sort((a, b) => comparePaths(pathOf(a), pathOf(b)));
  const removed = indexes.filter(removesElement).sort((a, b) => comparePaths(pathOf(b), pathOf(a)));
  let root: Value = { M: item };
  for (const index of [...kept, ...removed]) root = withValueAt(root, pathOf(index), 0, values[index]);
  return { item: root.M as Item, changedPaths: paths };
}
