import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonArrayElements, type JsonArrayElement } from '#shared/io/json-array-elements.ts';

async function* chunked(text: string, cuts: readonly number[]): AsyncGenerator<string> {
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= from || cut >= text.length) continue;
    yield text.slice(from, cut);
    from = cut;
  }
  yield text.slice(from);
}

async function elementsOf(text: string, cuts: readonly number[] = []): Promise<JsonArrayElement[]> {
  const items: JsonArrayElement[] = [];
  for await (const item of jsonArrayElements(chunked(text, cuts))) items.push(item);
  return items;
}

describe('jsonArrayElements', () => {
  it('cuts at the array\'s own commas: brackets, commas and escaped quotes inside strings are text', async () => {
    const text = '[{"a":"x, ]} [{","b":"say \\"hi\\", \\\\"},{"c":[1,{"d":"]"}]},"s",42,true,null,[1,2]]';
    expect(await elementsOf(text)).toEqual([
      { kind: 'element', line: 1, text: '{"a":"x, ]} [{","b":"say \\"hi\\", \\\\"}' },
      { kind: 'element', line: 1, text: '{"c":[1,{"d":"]"}]}' },
      { kind: 'element', line: 1, text: '"s"' },
      { kind: 'element', line: 1, text: '42' },
      { kind: 'element', line: 1, text: 'true' },
      { kind: 'element', line: 1, text: 'null' },
      { kind: 'element', line: 1, text: '[1,2]' },
    ]);
  });

  it('numbers each element by the line it starts on, for LF, CRLF and a lone CR', async () => {
    for (const lineBreak of ['\n', '\r\n', '\r']) {
      const text = ['[', '  {', '    "a": 1', '  },', '  {"b": 2}', ']', ''].join(lineBreak);
      expect(await elementsOf(text)).toEqual([
        { kind: 'element', line: 2, text: ['{', '    "a": 1', '  }'].join(lineBreak) },
        { kind: 'element', line: 5, text: '{"b": 2}' },
      ]);
    }
  });

  it('says when the file ends inside a record or before the closing bracket, and when text follows it', async () => {
    expect(await elementsOf('[{"a":1},\n{"b":')).toEqual([
      { kind: 'element', line: 1, text: '{"a":1}' },
      { kind: 'malformed', line: 2, reason: 'the file ends inside this record: it may have been cut short', raw: '{"b":' },
      { kind: 'malformed', line: 2, reason: 'the file ends before the array closes with "]": it may have been cut short', raw: '' },
    ]);
    expect(await elementsOf('[{"a":1},\n')).toEqual([
      { kind: 'element', line: 1, text: '{"a":1}' },
      { kind: 'malformed', line: 2, reason: 'the file ends before the array closes with "]": it may have been cut short', raw: '' },
    ]);
    expect(await elementsOf('[{"a":1}]\n\n[{"b":2}]\n')).toEqual([
      { kind: 'element', line: 1, text: '{"a":1}' },
      { kind: 'malformed', line: 3, reason: 'text after the array\'s closing "]": one JSON array is read per file', raw: '[{"b":2}]' },
    ]);
    // A missing comma starts the next element all the same; an empty array has none.
    expect(await elementsOf('[{"a":1} {"b":2}]')).toMatchObject([{ text: '{"a":1}' }, { text: '{"b":2}' }]);
    expect(await elementsOf(' \uFEFF[ ]')).toEqual([]);
  });

  it('without brackets (`bracketed: false`): values one after another, commas or not; a cut last one is said, no `]` is asked for', async () => {
    const read = async (text: string) => {
      const items: JsonArrayElement[] = [];
      for await (const item of jsonArrayElements(chunked(text, [3, 17]), { bracketed: false })) items.push(item);
      return items;
    };
    expect(await read('{\n "a": 1\n}\n{"b": [2]},\n{"c": "}"}\n')).toEqual([
      { kind: 'element', line: 1, text: '{\n "a": 1\n}' },
      { kind: 'element', line: 4, text: '{"b": [2]}' },
      { kind: 'element', line: 5, text: '{"c": "}"}' },
    ]);
    expect(await read('{"a": 1}\n{"b":')).toEqual([
      { kind: 'element', line: 1, text: '{"a": 1}' },
      { kind: 'malformed', line: 2, reason: 'the file ends inside this record: it may have been cut short', raw: '{"b":' },
    ]);
  });

  it('reports a record larger than the cap without holding it, and reads the next one', async () => {
    const big = `{"a":"${'x'.repeat(16 * 1024 * 1024)}"}`;
    const items = await elementsOf(`[${big},\n{"b":2}]`, Array.from({ length: 300 }, (_, index) => (index + 1) * 65_536));
    expect(items).toEqual([
      { kind: 'malformed', line: 1, reason: 'a record larger than 16 MiB', raw: big.slice(0, 200) },
      { kind: 'element', line: 2, text: '{"b":2}' },
    ]);
  });

  it('gives back every record of any array, however it is indented and however the text is cut into chunks (property)', async () => {
    const value = fc.string({ unit: fc.constantFrom('a', 'Ñ', ',', '[', ']', '{', '}', '"', '\\', '\n', ' ', ':') });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.dictionary(fc.constantFrom('id', 'nombres', 'ciudad', 'x y'), fc.oneof(value, fc.integer(), fc.constant(null), fc.array(value, { maxLength: 2 }))), { maxLength: 6 }),
        fc.constantFrom(undefined, 1, 2, '\t'),
        fc.array(fc.nat(400), { maxLength: 8 }),
        async (records, indent, cuts) => {
          const text = JSON.stringify(records, null, indent);
          const items = await elementsOf(text, cuts);
          expect(items.map((item) => (item.kind === 'element' ? JSON.parse(item.text) : item))).toEqual(records);
          // Each element starts on the line its text starts on in the file.
          let searchFrom = 0;
          for (const item of items) {
            if (item.kind !== 'element') continue;
            const offset = text.indexOf(item.text, searchFrom);
            expect(item.line).toBe(text.slice(0, offset).split('\n').length);
            searchFrom = offset + item.text.length;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
