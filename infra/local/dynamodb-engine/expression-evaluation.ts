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
  const usedNames = new Set<string>();
  const usedValues = new Set<string>();
  for (const expression of parsed) {
    if (!expression) continue;
    for (const name of expression.names) usedNames.add(name);
    for (const value of expression.values) usedValues.add(value);
  }
  const { names = {}, values = {} } = placeholders;
  for (const name of usedNames) {
    if (names[name] === undefined) throw validation(`Invalid expression: An expression attribute name used in the document path is not defined; attribute name: ${name}`);
  }
  for (const value of usedValues) {
    if (values[value] === undefined) throw validation(`Invalid expression: An expression attribute value used in expression is not defined; attribute value: ${value}`);
  }
  const unusedNames = Object.keys(names).filter((name) => !usedNames.has(name));
  if (unusedNames.length > 0) throw validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
  const unusedValues = Object.keys(values).filter((value) => !usedValues.has(value));
  if (unusedValues.length > 0) throw validation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
}

/** A path with its #placeholders replaced by the names they stand for. */
export type ResolvedPath = Array<string | number>;

export function resolvePath(path: Path, placeholders: Placeholders): ResolvedPath {
  return path.map((element) => ('index' in element ? element.index : 'name' in element ? element.name : (placeholders.names?.[element.placeholder] as string)));
}

export function valueAt(item: Item, path: ResolvedPath): Value | undefined {
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
  const value = valueAt(item, resolvePath(operand.path, placeholders));
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
      const value = valueAt(item, resolvePath(condition.path, placeholders));
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

/** Only the named paths of an item, nested as they were (`ProjectionExpression`). */
export function project(item: Item, paths: ResolvedPath[]): Item {
  const projected: Item = {};
  for (const path of paths) {
    const value = valueAt(item, path);
    if (value === undefined) continue;
    if (path.length === 1) {
      projected[path[0] as string] = value;
      continue;
    }
    // A nested path keeps the maps around it (lists keep the elements asked for, in order).
    let target: Value = { M: projected };
    for (let index = 0; index < path.length; index += 1) {
      const step = path[index] as string | number;
      const last = index === path.length - 1;
      if (typeof step === 'number') {
        const list = (target.L ??= []);
        if (last) list.push(value);
        else {
          const element: Value = path[index + 1] === undefined || typeof path[index + 1] === 'number' ? { L: [] } : { M: {} };
          list.push(element);
          target = element;
        }
      } else {
        const map: Item = (target.M ??= {});
        if (last) map[step] = value;
        else target = map[step] ??= typeof path[index + 1] === 'number' ? { L: [] } : { M: {} };
      }
    }
  }
  return projected;
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
      const value = valueAt(item, resolvePath(operand.path, placeholders));
      if (value === undefined) throw validation('The provided expression refers to an attribute that does not exist in the item');
      return value;
    }
    case 'if_not_exists':
      return valueAt(item, resolvePath(operand.path, placeholders)) ?? setOperandValue(operand.fallback, item, placeholders);
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
    if (element === undefined) {
      if (value === undefined) return container;
      throw invalidPath();
    }
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

const samePath = (a: ResolvedPath, b: ResolvedPath) => a.length <= b.length && a.every((step, index) => step === b[index]);

/**
 * Applies an update's actions to an item (every operand read from the item as it was), refusing
 * what DynamoDB refuses: two actions on overlapping paths, a change to a key attribute.
 */
export function applyUpdate(actions: UpdateActions, item: Item, placeholders: Placeholders, keyNames: readonly string[]): { item: Item; changedPaths: ResolvedPath[] } {
  // Every operand is read from the item as it was, before any action changes it.
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
  for (let index = 0; index < paths.length; index += 1) {
    const path = paths[index] as ResolvedPath;
    if (keyNames.includes(path[0] as string)) throw validation(`One or more parameter values were invalid: Cannot update attribute ${String(path[0])}. This attribute is part of the key`);
    for (let other = index + 1; other < paths.length; other += 1) {
      if (samePath(path, paths[other] as ResolvedPath) || samePath(paths[other] as ResolvedPath, path)) {
        throw validation('Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths');
      }
    }
  }
  let root: Value = { M: { ...item } };
  for (let index = 0; index < paths.length; index += 1) {
    const path = paths[index] as ResolvedPath;
    const value = values[index];
    // A top-level attribute is set in place in the fresh copy; a nested one copies the maps on its way.
    if (path.length === 1) {
      const map = root.M as Item;
      if (value === undefined) delete map[path[0] as string];
      else map[path[0] as string] = value;
    } else {
      root = withValueAt(root, path, 0, value);
    }
  }
  return { item: root.M as Item, changedPaths: paths };
}
