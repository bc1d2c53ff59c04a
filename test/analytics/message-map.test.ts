import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conversationModel, readMessageMap, type MessageMapStatus } from '#shared/analytics/message-map.ts';

const text = (body: string) => ({ content_type: 'text', media_type: null, body });

/** A MessageMap node as Bedrock Chat stores it. */
function node(role: string, content: unknown[], extra: Record<string, unknown> = {}) {
  return { role, content, model: 'claude-v3-haiku', children: [], parent: null, create_time: 1, feedback: null, used_chunks: null, thinking_log: null, ...extra };
}

const mapOf = (nodes: Record<string, unknown>) => JSON.stringify(nodes);

describe('readMessageMap: missing, empty or invalid maps give no text and a reason, never a crash', () => {
  it.each<[string, unknown, MessageMapStatus]>([
    ['attribute missing', undefined, 'missing'],
    ['attribute null', null, 'missing'],
    ['empty string', '', 'empty'],
    ['blank string', '   ', 'empty'],
    ['no nodes', '{}', 'empty'],
    ['truncated JSON', '{"system": {"role": "system", "content": [', 'invalid-json'],
    ['not JSON at all', 'MessageMap', 'invalid-json'],
    ['a JSON list', '[{"role": "user"}]', 'not-a-map'],
    ['a JSON string', '"hola"', 'not-a-map'],
    ['a JSON number', '42', 'not-a-map'],
    ['a JSON null', 'null', 'not-a-map'],
    ['a number attribute', 42, 'not-a-map'],
    ['a list attribute', [1, 2], 'not-a-map'],
  ])('%s → %s', (_label, raw, status) => {
    const result = readMessageMap(raw);
    expect(result.status).toBe(status);
    expect(result.reason).toEqual(expect.any(String));
    expect(result.input).toEqual([]);
    expect(result.output).toEqual([]);
    expect(result.assistantModels).toEqual([]);
    expect(result.otherModels).toEqual([]);
  });

  it('a readable map has status ok and no reason', () => {
    const result = readMessageMap(mapOf({ system: node('system', [text('')]) }));
    expect(result).toMatchObject({ status: 'ok', reason: null, nodes: 1 });
  });

  it('never throws and yields only non-empty string fragments, whatever the string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value))), (raw) => {
        const result = readMessageMap(raw);
        for (const fragment of [...result.input, ...result.output]) {
          expect(typeof fragment).toBe('string');
          expect(fragment.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('a role named like what every object inherits (__proto__, constructor) is a role whose text is not counted', () => {
    const nodes = {
      a: { role: 'user', content: [{ content_type: 'text', body: 'hola' }], thinking_log: [{ role: '__proto__', content: ['x'] }, { role: 'constructor', content: ['y'] }] },
      b: { role: 'toString', content: [{ content_type: 'text', body: 'nada' }] },
    };
    expect(() => readMessageMap(JSON.stringify(nodes))).not.toThrow();
  });

  it('never throws on arbitrary node shapes', () => {
    const part = fc.oneof(
      fc.jsonValue(),
      fc.record({ content_type: fc.constantFrom('text', 'image', 'toolUse', 'toolResult', 'reasoning', 'attachment'), body: fc.jsonValue() }),
    );
    const anyNode = fc.record({
      // Names every object inherits are roles too: a role is data, never a key into an object.
      role: fc.oneof(fc.constantFrom('user', 'assistant', 'system', 'instruction', 'bot', '__proto__', 'constructor', 'toString', 'hasOwnProperty'), fc.jsonValue()),
      content: fc.oneof(fc.array(part), part),
      used_chunks: fc.jsonValue(),
      thinking_log: fc.oneof(fc.jsonValue(), fc.array(fc.record({ role: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'assistant'), fc.jsonValue()), content: fc.array(part) }))),
      model: fc.jsonValue(),
    });
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(anyNode, fc.jsonValue())), (nodes) => {
        expect(() => readMessageMap(JSON.stringify(nodes))).not.toThrow();
      }),
    );
  });
});

describe('readMessageMap: what is input and what is output (§6)', () => {
  it('user, system and instruction bodies are input; assistant and bot bodies are output', () => {
    const result = readMessageMap(
      mapOf({
        system: node('system', [text('You are helpful.')]),
        instruction: node('instruction', [text('Responde en español.')]),
        u1: node('user', [text('¿Cómo pido vacaciones?')]),
        a1: node('assistant', [text('En el portal.')]),
        b1: node('bot', [text('Algo más?')]),
      }),
    );
    expect(result.input).toEqual(['You are helpful.', 'Responde en español.', '¿Cómo pido vacaciones?']);
    expect(result.output).toEqual(['En el portal.', 'Algo más?']);
  });

  it('roles are matched ignoring case and surrounding spaces', () => {
    const result = readMessageMap(mapOf({ u: node(' User ', [text('hola')]), a: node('ASSISTANT', [text('buenas')]) }));
    expect(result.input).toEqual(['hola']);
    expect(result.output).toEqual(['buenas']);
  });

  it('text of nodes with any other role is not counted', () => {
    const result = readMessageMap(mapOf({ x: node('moderator', [text('hidden')]) }));
    expect(result.input).toEqual([]);
    expect(result.output).toEqual([]);
  });

  it('toolUse inputs are output, as JSON', () => {
    const input = { query: 'vacaciones', top_k: 3 };
    const result = readMessageMap(
      mapOf({ a: node('assistant', [{ content_type: 'toolUse', body: { tool_use_id: 't1', name: 'kb', input } }]) }),
    );
    expect(result.output).toEqual([JSON.stringify(input)]);
    expect(result.input).toEqual([]);
  });

  it('toolResult contents are input: text as is, json as JSON; images and documents are not text', () => {
    const result = readMessageMap(
      mapOf({
        u: node('user', [
          {
            content_type: 'toolResult',
            body: {
              tool_use_id: 't1',
              status: 'success',
              content: [{ text: 'Artículo 12' }, { json: { page: 3 } }, { image: { format: 'png', source: { bytes: 'AAAA' } } }, { document: { format: 'pdf', name: 'x', source: { bytes: 'AA' } } }],
            },
          },
        ]),
      }),
    );
    expect(result.input).toEqual(['Artículo 12', '{"page":3}']);
    expect(result.output).toEqual([]);
    expect(result.nonTextParts).toBe(2);
  });

  it('a toolResult whose content is a single part (older Bedrock Chat) is read too', () => {
    const result = readMessageMap(mapOf({ u: node('user', [{ content_type: 'toolResult', body: { tool_use_id: 't', content: { text: 'uno' } } }]) }));
    expect(result.input).toEqual(['uno']);
  });

  it('used_chunks contents are input, on whichever node they are', () => {
    const result = readMessageMap(
      mapOf({
        a: node('assistant', [text('Respuesta')], {
          used_chunks: [
            { content: 'Fragmento uno', content_type: 's3', source: 's3://kb/a.pdf', rank: 0 },
            { content: 'Fragmento dos', content_type: 'url', source: 'https://x', rank: 1 },
          ],
        }),
      }),
    );
    expect(result.input).toEqual(['Fragmento uno', 'Fragmento dos']);
    expect(result.output).toEqual(['Respuesta']);
  });

  it('agent steps in thinking_log follow the same rules (toolUse out, toolResult in)', () => {
    const result = readMessageMap(
      mapOf({
        a: node('assistant', [text('Listo')], {
          thinking_log: [
            { role: 'assistant', content: [text('Voy a buscar'), { content_type: 'toolUse', body: { tool_use_id: 't', name: 'kb', input: { q: 'x' } } }] },
            { role: 'user', content: [{ content_type: 'toolResult', body: { tool_use_id: 't', content: [{ text: 'resultado' }], status: 'success' } }] },
          ],
        }),
      }),
    );
    expect(result.output).toEqual(['Listo', 'Voy a buscar', '{"q":"x"}']);
    expect(result.input).toEqual(['resultado']);
  });

  it('images and attachments are not text: counted as non-text parts, never as tokens', () => {
    const result = readMessageMap(
      mapOf({
        u: node('user', [
          text('¿Qué hay en la imagen?'),
          { content_type: 'image', media_type: 'image/png', body: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB' },
          { content_type: 'attachment', file_name: 'informe.pdf', body: 'JVBERi0xLjcK' },
          { content_type: 'textAttachment', file_name: 'notas.txt', body: 'texto del adjunto' },
        ]),
      }),
    );
    expect(result.input).toEqual(['¿Qué hay en la imagen?']);
    expect(result.nonTextParts).toBe(3);
  });

  it('reasoning text is output (the model generated it)', () => {
    const result = readMessageMap(mapOf({ a: node('assistant', [{ content_type: 'reasoning', text: 'pienso', signature: 's', redacted_content: '' }, text('digo')]) }));
    expect(result.output).toEqual(['pienso', 'digo']);
  });

  it('empty bodies are not fragments (they would cost a phantom token)', () => {
    const result = readMessageMap(mapOf({ system: node('system', [text('')]), u: node('user', [text('hola')]) }));
    expect(result.input).toEqual(['hola']);
  });

  it('content given as a single part or a plain string (older versions) is read', () => {
    const result = readMessageMap(JSON.stringify({ u: { role: 'user', content: text('uno') }, a: { role: 'assistant', content: 'dos' } }));
    expect(result.input).toEqual(['uno']);
    expect(result.output).toEqual(['dos']);
  });

  it('a map stored as a DynamoDB map instead of a JSON string is read too', () => {
    const result = readMessageMap({ u: node('user', [text('hola')]) });
    expect(result).toMatchObject({ status: 'ok', input: ['hola'] });
  });

  it('node entries that are not objects are skipped and counted', () => {
    const result = readMessageMap(JSON.stringify({ bad: 'x', worse: null, u: node('user', [text('hola')]) }));
    expect(result).toMatchObject({ status: 'ok', nodes: 1, malformedNodes: 2, input: ['hola'] });
  });
});

describe('conversationModel', () => {
  it('takes the model most assistant nodes name', () => {
    expect(conversationModel({ assistantModels: ['a', 'b', 'b'], otherModels: ['c', 'c', 'c'] }, 'default')).toEqual({ model: 'b', source: 'assistant' });
  });

  it('breaks ties by the first model named', () => {
    expect(conversationModel({ assistantModels: ['b', 'a', 'a', 'b'], otherModels: [] }, 'default')).toEqual({ model: 'b', source: 'assistant' });
  });

  it('falls back to the other nodes, then to the configured default', () => {
    expect(conversationModel({ assistantModels: [], otherModels: ['c'] }, 'default')).toEqual({ model: 'c', source: 'node' });
    expect(conversationModel({ assistantModels: [], otherModels: [] }, 'default')).toEqual({ model: 'default', source: 'default' });
  });

  it('reads the models from the nodes, ignoring blank or non-string ones', () => {
    const result = readMessageMap(
      mapOf({
        system: node('system', [text('')], { model: 'claude-v3.5-sonnet' }),
        a1: node('assistant', [text('x')], { model: ' ' }),
        a2: node('assistant', [text('y')], { model: 7 }),
      }),
    );
    expect(result.assistantModels).toEqual([]);
    expect(conversationModel(result, 'default')).toEqual({ model: 'claude-v3.5-sonnet', source: 'node' });
  });
});
