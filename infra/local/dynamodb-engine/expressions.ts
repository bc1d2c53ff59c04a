import { validation } from './engine-errors.ts';
import { RESERVED_WORDS } from './reserved-words.ts';

/**
 * DynamoDB's expression languages (developer guide, "Expressions"): conditions (also filters and
 * key conditions), updates and projections, parsed into trees. A tree keeps its #name and :value
 * placeholders unresolved, so one parse serves every request that sends the same expression text
 * (the stores send a handful of texts millions of times); the placeholders a text uses are listed
 * so a request that defines one it does not use, or uses one it does not define, is refused as
 * DynamoDB refuses it.
 */

/** A document path: attribute names (literal or `#placeholder`) and list indexes. */
type PathElement = { name: string } | { placeholder: string } | { index: number };
export type Path = PathElement[];

export type Operand = { kind: 'path'; path: Path } | { kind: 'value'; placeholder: string } | { kind: 'size'; path: Path };

type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; comparator: Comparator; left: Operand; right: Operand }
  | { kind: 'between'; operand: Operand; low: Operand; high: Operand }
  | { kind: 'in'; operand: Operand; candidates: Operand[] }
  | { kind: 'function'; name: 'attribute_exists' | 'attribute_not_exists'; path: Path }
  | { kind: 'function'; name: 'attribute_type' | 'begins_with' | 'contains'; path: Path; argument: Operand };

export type SetOperand =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; placeholder: string }
  | { kind: 'if_not_exists'; path: Path; fallback: SetOperand }
  | { kind: 'list_append'; first: SetOperand; second: SetOperand };

export type SetValue = SetOperand | { kind: 'plus' | 'minus'; left: SetOperand; right: SetOperand };

export interface UpdateActions {
  set: Array<{ path: Path; value: SetValue }>;
  remove: Path[];
  add: Array<{ path: Path; placeholder: string }>;
  delete: Array<{ path: Path; placeholder: string }>;
}

export interface Parsed<T> {
  tree: T;
  /** The #names and :values the text uses. */
  names: ReadonlySet<string>;
  values: ReadonlySet<string>;
}

type Token =
  | { type: 'identifier'; text: string }
  | { type: 'name'; text: string }
  | { type: 'value'; text: string }
  | { type: 'number'; text: string }
  | { type: 'symbol'; text: string };

const TOKEN = /\s*(?:(#[0-9A-Za-z_]+)|(:[0-9A-Za-z_]+)|([A-Za-z_][0-9A-Za-z_]*)|(\d+)|(<>|<=|>=|[=<>(),.[\]+-]))/y;

function tokenize(text: string, what: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < text.length) {
    if (/^\s*$/.test(text.slice(position))) break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(text);
    if (!match) throw validation(`Invalid ${what}: Syntax error; token: "${text.slice(position).trim().slice(0, 10)}", near: "${text.slice(Math.max(0, position - 5), position + 5)}"`);
    position = TOKEN.lastIndex;
    if (match[1]) tokens.push({ type: 'name', text: match[1] });
    else if (match[2]) tokens.push({ type: 'value', text: match[2] });
    else if (match[3]) tokens.push({ type: 'identifier', text: match[3] });
    else if (match[4]) tokens.push({ type: 'number', text: match[4] });
    else tokens.push({ type: 'symbol', text: match[5] as string });
  }
  return tokens;
}

/** A recursive-descent reader over one expression's tokens. */
class Reader {
  private position = 0;
  readonly names = new Set<string>();
  readonly values = new Set<string>();
  /** Conditions read inside parentheses: parentheses around one of them again are refused as redundant. */
  readonly parenthesized = new WeakSet<Condition>();
  private readonly tokens: Token[];
  private readonly what: string;

  constructor(text: string, what: string) {
    this.what = what;
    this.tokens = tokenize(text, what);
  }

  fail(detail?: string): never {
    const token = this.tokens[this.position];
    throw validation(`Invalid ${this.what}: ${detail ?? `Syntax error; token: "${token ? token.text : '<EOF>'}"`}`);
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.position + offset];
  }

  atEnd(): boolean {
    return this.position >= this.tokens.length;
  }

  next(): Token {
    const token = this.tokens[this.position];
    if (!token) this.fail('Syntax error; token: "<EOF>"');
    this.position += 1;
    return token;
  }

  isSymbol(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.type === 'symbol' && token.text === text;
  }

  isKeyword(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.type === 'identifier' && token.text.toUpperCase() === word;
  }

  expectSymbol(text: string): void {
    if (!this.isSymbol(text)) this.fail();
    this.position += 1;
  }

  expectKeyword(word: string): void {
    if (!this.isKeyword(word)) this.fail();
    this.position += 1;
  }

  valuePlaceholder(): string {
    const token = this.next();
    if (token.type !== 'value') this.fail(`Syntax error; token: "${token.text}"`);
    this.values.add(token.text);
    return token.text;
  }

  path(): Path {
    const path: Path = [this.pathName()];
    for (;;) {
      if (this.isSymbol('.')) {
        this.position += 1;
        path.push(this.pathName());
      } else if (this.isSymbol('[')) {
        this.position += 1;
        const token = this.next();
        if (token.type !== 'number') this.fail(`Syntax error; token: "${token.text}"`);
        this.expectSymbol(']');
        path.push({ index: Number(token.text) });
      } else {
        return path;
      }
    }
  }

  private pathName(): PathElement {
    const token = this.next();
    if (token.type === 'name') {
      this.names.add(token.text);
      return { placeholder: token.text };
    }
    if (token.type !== 'identifier') this.fail(`Syntax error; token: "${token.text}"`);
    if (RESERVED_WORDS.has(token.text.toUpperCase())) this.fail(`Attribute name is a reserved keyword; reserved keyword: ${token.text}`);
    return { name: token.text };
  }

  finish<T>(tree: T): Parsed<T> {
    if (!this.atEnd()) this.fail();
    return { tree, names: this.names, values: this.values };
  }
}

const COMPARATORS: ReadonlySet<string> = new Set(['=', '<>', '<', '<=', '>', '>=']);
const CONDITION_FUNCTIONS: ReadonlySet<string> = new Set(['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains']);

function readCondition(reader: Reader): Condition {
  let left = readConjunction(reader);
  while (reader.isKeyword('OR')) {
    reader.next();
    left = { kind: 'or', left, right: readConjunction(reader) };
  }
  return left;
}

function readConjunction(reader: Reader): Condition {
  let left = readNegation(reader);
  while (reader.isKeyword('AND')) {
    reader.next();
    left = { kind: 'and', left, right: readNegation(reader) };
  }
  return left;
}

function readNegation(reader: Reader): Condition {
  if (reader.isKeyword('NOT')) {
    reader.next();
    return { kind: 'not', operand: readNegation(reader) };
  }
  return readPredicate(reader);
}

function readPredicate(reader: Reader): Condition {
  if (reader.isSymbol('(')) {
    reader.next();
    const inner = readCondition(reader);
    reader.expectSymbol(')');
    if (reader.parenthesized.has(inner)) reader.fail('The expression has redundant parentheses;');
    reader.parenthesized.add(inner);
    return inner;
  }
  const first = reader.peek();
  if (first?.type === 'identifier' && reader.isSymbol('(', 1) && first.text !== 'size') {
    if (!CONDITION_FUNCTIONS.has(first.text)) reader.fail(`Invalid function name; function: ${first.text}`);
    reader.next();
    reader.expectSymbol('(');
    const path = reader.path();
    if (first.text === 'attribute_exists' || first.text === 'attribute_not_exists') {
      reader.expectSymbol(')');
      return { kind: 'function', name: first.text, path };
    }
    reader.expectSymbol(',');
    const argument = readOperand(reader);
    reader.expectSymbol(')');
    return { kind: 'function', name: first.text as 'attribute_type' | 'begins_with' | 'contains', path, argument };
  }
  const operand = readOperand(reader);
  if (reader.isKeyword('BETWEEN')) {
    reader.next();
    const low = readOperand(reader);
    reader.expectKeyword('AND');
    return { kind: 'between', operand, low, high: readOperand(reader) };
  }
  if (reader.isKeyword('IN')) {
    reader.next();
    reader.expectSymbol('(');
    const candidates = [readOperand(reader)];
    while (reader.isSymbol(',')) {
      reader.next();
      candidates.push(readOperand(reader));
    }
    reader.expectSymbol(')');
    if (candidates.length > 100) reader.fail('The IN operator is provided with too many operands; number of operands: ' + candidates.length);
    return { kind: 'in', operand, candidates };
  }
  const token = reader.next();
  if (token.type !== 'symbol' || !COMPARATORS.has(token.text)) reader.fail(`Syntax error; token: "${token.text}"`);
  return { kind: 'compare', comparator: token.text as Comparator, left: operand, right: readOperand(reader) };
}

function readOperand(reader: Reader): Operand {
  const token = reader.peek();
  if (token?.type === 'value') return { kind: 'value', placeholder: reader.valuePlaceholder() };
  if (token?.type === 'identifier' && token.text === 'size' && reader.isSymbol('(', 1)) {
    reader.next();
    reader.next();
    const path = reader.path();
    reader.expectSymbol(')');
    return { kind: 'size', path };
  }
  if (token?.type === 'identifier' && reader.isSymbol('(', 1)) reader.fail(`Invalid function name; function: ${token.text}`);
  return { kind: 'path', path: reader.path() };
}

function readSetOperand(reader: Reader): SetOperand {
  const token = reader.peek();
  if (token?.type === 'value') return { kind: 'value', placeholder: reader.valuePlaceholder() };
  if (token?.type === 'identifier' && reader.isSymbol('(', 1)) {
    reader.next();
    reader.next();
    if (token.text === 'if_not_exists') {
      const path = reader.path();
      reader.expectSymbol(',');
      const fallback = readSetOperand(reader);
      reader.expectSymbol(')');
      return { kind: 'if_not_exists', path, fallback };
    }
    if (token.text === 'list_append') {
      const first = readSetOperand(reader);
      reader.expectSymbol(',');
      const second = readSetOperand(reader);
      reader.expectSymbol(')');
      return { kind: 'list_append', first, second };
    }
    reader.fail(`Invalid function name; function: ${token.text}`);
  }
  return { kind: 'path', path: reader.path() };
}

function readSetValue(reader: Reader): SetValue {
  const left = readSetOperand(reader);
  if (reader.isSymbol('+') || reader.isSymbol('-')) {
    const kind = reader.next().text === '+' ? 'plus' : 'minus';
    return { kind, left, right: readSetOperand(reader) };
  }
  return left;
}

const SECTIONS = ['SET', 'REMOVE', 'ADD', 'DELETE'] as const;

function readUpdate(reader: Reader): UpdateActions {
  const actions: UpdateActions = { set: [], remove: [], add: [], delete: [] };
  const seen = new Set<string>();
  while (!reader.atEnd()) {
    const section = reader.next().text.toUpperCase();
    if (!(SECTIONS as readonly string[]).includes(section)) reader.fail(`Syntax error; token: "${section}"`);
    if (seen.has(section)) reader.fail(`The "${section}" section can only be used once in an update expression;`);
    seen.add(section);
    do {
      if (reader.isSymbol(',')) reader.next();
      const path = reader.path();
      if (section === 'SET') {
        reader.expectSymbol('=');
        actions.set.push({ path, value: readSetValue(reader) });
      } else if (section === 'REMOVE') {
        actions.remove.push(path);
      } else {
        actions[section === 'ADD' ? 'add' : 'delete'].push({ path, placeholder: reader.valuePlaceholder() });
      }
    } while (reader.isSymbol(','));
  }
  return actions;
}

function readProjection(reader: Reader): Path[] {
  const paths = [reader.path()];
  while (reader.isSymbol(',')) {
    reader.next();
    paths.push(reader.path());
  }
  return paths;
}

/** Parsed trees by expression text: the stores send few distinct texts, so this stays small. */
const MAX_CACHED = 2_000;

function cachedParser<T>(what: string, read: (reader: Reader) => T): (text: string) => Parsed<T> {
  const cache = new Map<string, Parsed<T>>();
  return (text) => {
    const cached = cache.get(text);
    if (cached) return cached;
    const reader = new Reader(text, what);
    if (text.trim() === '') reader.fail('The expression can not be empty;');
    const parsed = reader.finish(read(reader));
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(text, parsed);
    return parsed;
  };
}

export const parseCondition = cachedParser('ConditionExpression', readCondition);
export const parseFilter = cachedParser('FilterExpression', readCondition);
export const parseKeyCondition = cachedParser('KeyConditionExpression', readCondition);
export const parseUpdate = cachedParser('UpdateExpression', readUpdate);
export const parseProjection = cachedParser('ProjectionExpression', readProjection);
