import { MAX_LINE_CHARS } from './text-lines.ts';

export type JsonArrayElement =
  | { kind: 'element'; line: number; text: string }
  | { kind: 'malformed'; line: number; reason: string; raw: string };

/** An element larger than this is reported, not held in memory (the same cap as a line of JSON lines). */
const MAX_ELEMENT_CHARS = MAX_LINE_CHARS;
/** How much of an element too large, or of text after the array, a rejection keeps. */
const RAW_SAMPLE_CHARS = 200;

const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\uFEFF']);

/**
 * The elements of a JSON array (`[{…}, {…}]`, what most tools call "export as JSON"), as text,
 * one at a time, each with the line it starts on (LF, CRLF or a lone CR, as text-lines.ts counts
 * them). The text is streamed: memory holds one element, never the file, so a minified array of a
 * million records on one line reads like a pretty-printed one.
 *
 * Elements are cut where the array's own commas are (outside strings, at depth 1); parsing each
 * one is the caller's. The array's punctuation is read leniently and nothing is dropped unsaid:
 * - a missing comma between two elements just starts the next one;
 * - an element larger than MAX_ELEMENT_CHARS is `malformed` (and skipped to its end);
 * - a file that ends inside an element, or before the closing `]`, ends with a `malformed` item
 *   (the file was probably cut short); text after the closing `]` is one `malformed` item.
 */
export async function* jsonArrayElements(chunks: AsyncIterable<string>, options: { bracketed?: boolean } = {}): AsyncGenerator<JsonArrayElement> {
  /** `bracketed: false`: values one after another with no `[ ]` around them (pretty-printed objects, as `jq` writes them). */
  const bracketed = options.bracketed ?? true;
  // Declared wide: TypeScript would narrow an initialized `let` to 'before' past the loop that assigns it.
  let phase = (bracketed ? 'before' : 'between') as 'before' | 'between' | 'element' | 'after';
  let line = 1;
  let previousWasCr = false;
  // The element being read.
  let parts: string[] = [];
  let size = 0;
  let tooLarge = false;
  let startLine = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** A string, number, true, false or null at depth 0: ends at a delimiter, not at a bracket. */
  let scalar = false;
  let after: { line: number; text: string } | undefined;

  const element = (): JsonArrayElement => {
    const text = parts.join('');
    parts = [];
    size = 0;
    const item: JsonArrayElement = tooLarge
      ? { kind: 'malformed', line: startLine, reason: `a record larger than ${MAX_ELEMENT_CHARS / 1024 / 1024} MiB`, raw: text.slice(0, RAW_SAMPLE_CHARS) }
      : { kind: 'element', line: startLine, text };
    tooLarge = false;
    return item;
  };

  for await (const chunk of chunks) {
    // Characters of the current element in this chunk run from `from`; they are kept a slice at a time.
    let from = phase === 'element' ? 0 : -1;
    const keep = (end: number) => {
      if (from < 0 || end <= from) return;
      if (!tooLarge) {
        size += end - from;
        if (size > MAX_ELEMENT_CHARS) {
          tooLarge = true;
          parts = [parts.join('').slice(0, RAW_SAMPLE_CHARS)];
        } else parts.push(chunk.slice(from, end));
      }
    };
    for (let at = 0; at < chunk.length; at += 1) {
      const char = chunk[at] as string;
      if (phase === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (char === '\\') escaped = true;
          else if (char === '"') {
            inString = false;
            if (scalar && depth === 0) {
              keep(at + 1);
              from = -1;
              yield element();
              phase = 'between';
            }
          }
        } else if (scalar && (char === ',' || char === ']' || WHITESPACE.has(char))) {
          keep(at);
          from = -1;
          yield element();
          phase = char === ']' ? 'after' : 'between';
        } else if (char === '"') inString = true;
        else if (char === '{' || char === '[') depth += 1;
        else if (char === '}' || char === ']') {
          depth -= 1;
          if (depth === 0) {
            keep(at + 1);
            from = -1;
            yield element();
            phase = 'between';
          }
        }
      } else if (!WHITESPACE.has(char)) {
        if (phase === 'before') {
          // The caller chose this reader because the text starts with `[`.
          if (char !== '[') throw new Error(`jsonArrayElements: the text starts with "${char}", not "["`);
          phase = 'between';
        } else if (phase === 'after') {
          after ??= { line, text: '' };
          if (after.text.length < RAW_SAMPLE_CHARS) after.text += char;
        } else if (char === ']') phase = 'after';
        else if (char !== ',') {
          phase = 'element';
          startLine = line;
          from = at;
          depth = char === '{' || char === '[' ? 1 : 0;
          scalar = depth === 0;
          inString = char === '"';
          escaped = false;
        }
      } else if (phase === 'after' && after && after.text.length < RAW_SAMPLE_CHARS) after.text += char;

      if (char === '\r') line += 1;
      else if (char === '\n' && !previousWasCr) line += 1;
      previousWasCr = char === '\r';
    }
    if (phase === 'element') keep(chunk.length);
  }

  if (phase === 'element') {
    // A number or a literal may end the text; anything else open was cut short.
    if (scalar && !inString) yield element();
    else {
      const cut = element();
      yield { kind: 'malformed', line: startLine, reason: 'the file ends inside this record: it may have been cut short', raw: cut.kind === 'element' ? cut.text : cut.raw };
    }
    if (bracketed) yield { kind: 'malformed', line, reason: 'the file ends before the array closes with "]": it may have been cut short', raw: '' };
  } else if (phase === 'between' && bracketed) {
    yield { kind: 'malformed', line, reason: 'the file ends before the array closes with "]": it may have been cut short', raw: '' };
  } else if (after) {
    yield { kind: 'malformed', line: after.line, reason: 'text after the array\'s closing "]": one JSON array is read per file', raw: after.text.trim() };
  }
}
