import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelError } from '#shared/errors/normflow-errors.ts';
import { parseModelAnswers, type ModelAnswers } from '#shared/model/model-response-parser.ts';

const asked = (entries: Record<string, string[]>): Map<string, Set<string>> =>
  new Map(Object.entries(entries).map(([id, fields]) => [id, new Set(fields)]));

const asPlain = (answers: ModelAnswers): Record<string, Record<string, string | null>> =>
  Object.fromEntries([...answers].map(([id, fields]) => [id, Object.fromEntries(fields)]));

const ASKED_TWO = asked({ '1': ['ciudad', 'nombres'], '2': ['ciudad'] });
const ANSWER_TWO = '{"1": {"ciudad": "Medellín", "nombres": "Juan Pérez"}, "2": {"ciudad": "Bogotá D.C."}}';
const EXPECTED_TWO = { '1': { ciudad: 'Medellín', nombres: 'Juan Pérez' }, '2': { ciudad: 'Bogotá D.C.' } };

function invalidResponseError(text: string): ModelError {
  try {
    parseModelAnswers(text, ASKED_TWO);
  } catch (error) {
    if (error instanceof ModelError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseModelAnswers', () => {
  it('reads plain JSON', () => {
    expect(asPlain(parseModelAnswers(ANSWER_TWO, ASKED_TWO))).toEqual(EXPECTED_TWO);
  });

  it.each([
    ['```json fence with prose around it', `Claro, aquí está:\n\`\`\`json\n${ANSWER_TWO}\n\`\`\`\nEspero que sirva.`],
    ['bare ``` fence', `\`\`\`\n${ANSWER_TWO}\n\`\`\``],
    ['upper-case JSON fence tag', `\`\`\`JSON\n${ANSWER_TWO}\n\`\`\``],
    ['leading prose without fences', `Aquí tienes el resultado normalizado: ${ANSWER_TWO}`],
    ['trailing prose without fences', `${ANSWER_TWO}\nNota: revisé todos los campos.`],
    ['surrounding whitespace', `\n\n  ${ANSWER_TWO}  \n`],
  ])('reads JSON wrapped in %s', (_label, text) => {
    expect(asPlain(parseModelAnswers(text, ASKED_TWO))).toEqual(EXPECTED_TWO);
  });

  it('reads the fenced block even when the prose around it has braces', () => {
    const text = `Formato {id: {campo: valor}}:\n\`\`\`json\n${ANSWER_TWO}\n\`\`\`\n{fin}`;
    expect(asPlain(parseModelAnswers(text, ASKED_TWO))).toEqual(EXPECTED_TWO);
  });

  it('ignores ids and fields that were not asked', () => {
    const text = '{"1": {"ciudad": "Cali", "apellidos": "Gómez"}, "99": {"ciudad": "Pasto"}}';
    expect(asPlain(parseModelAnswers(text, asked({ '1': ['ciudad'] })))).toEqual({ '1': { ciudad: 'Cali' } });
  });

  it('ignores values that are not strings or null', () => {
    const text = '{"1": {"ciudad": 5, "nombres": ["Juan"], "direccion": {"v": "x"}, "empresa": true, "ocupacionActual": "Docente"}}';
    const answers = parseModelAnswers(text, asked({ '1': ['ciudad', 'nombres', 'direccion', 'empresa', 'ocupacionActual'] }));
    expect(asPlain(answers)).toEqual({ '1': { ocupacionActual: 'Docente' } });
  });

  it('ignores a record entry that is not an object', () => {
    const text = '{"1": "Medellín", "2": ["Cali"], "3": null, "4": {"ciudad": "Neiva"}}';
    const answers = parseModelAnswers(text, asked({ '1': ['ciudad'], '2': ['ciudad'], '3': ['ciudad'], '4': ['ciudad'] }));
    expect(asPlain(answers)).toEqual({ '4': { ciudad: 'Neiva' } });
  });

  it('leaves missing ids and fields absent', () => {
    const answers = parseModelAnswers('{"1": {"ciudad": "Cali"}}', ASKED_TWO);
    expect(answers.has('2')).toBe(false);
    expect(answers.get('1')?.has('nombres')).toBe(false);
    expect(asPlain(answers)).toEqual({ '1': { ciudad: 'Cali' } });
  });

  it('leaves an id absent when none of its asked fields were answered', () => {
    expect(parseModelAnswers('{"1": {"otro": "x"}, "2": {}}', ASKED_TWO).size).toBe(0);
  });

  it('leaves ids and fields named like Object.prototype members absent when the model did not answer them', () => {
    const askedPrototypeNames = new Map([
      ['__proto__', new Set(['__proto__', 'constructor'])],
      ['constructor', new Set(['toString'])],
    ]);
    const answers = parseModelAnswers('{}', askedPrototypeNames);
    expect(answers.size).toBe(0);
  });

  it('keeps an explicit null (the model says the value cannot be normalized)', () => {
    const answers = parseModelAnswers('{"1": {"ciudad": null, "nombres": "Ana"}}', ASKED_TWO);
    expect(answers.get('1')?.has('ciudad')).toBe(true);
    expect(answers.get('1')?.get('ciudad')).toBeNull();
  });

  it('reads a plain JSON answer whose values contain fenced text', () => {
    const text = '{"1": {"ciudad": "```{}```", "nombres": "Ana"}}';
    expect(asPlain(parseModelAnswers(text, ASKED_TWO))).toEqual({ '1': { ciudad: '```{}```', nombres: 'Ana' } });
  });

  it.each([
    ['prose only', 'Lo siento, no puedo ayudar con eso.'],
    ['empty text', ''],
    ['truncated JSON', '{"1": {"ciudad": "Medel'],
    ['a JSON array of strings', '["Cali", "Medellín"]'],
    ['braces around non-JSON', '{esto no es json}'],
    ['a fenced non-object', '```json\n"Cali"\n```'],
  ])('throws Model.InvalidResponse for %s', (_label, text) => {
    const error = invalidResponseError(text);
    expect(error.name).toBe('Model.InvalidResponse');
  });
});

// Keys mix ordinary ids/field names with ones that collide with Object.prototype members.
const keyArbitrary = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'ciudad', '1', '42'),
);
// Values lean on the characters that matter to the extractor: braces, backticks, quotes, newlines.
const valueArbitrary = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('{', '}', '`', '"', '\\', '\n', 'a', ' ', 'á', 'ñ'), maxLength: 20 }),
  fc.constantFrom('Bogotá D.C.', 'San José de Cúcuta', 'Cl. 80 Bis A # 45 - 12', '```json\n{}\n```'),
);
const answersArbitrary = fc.uniqueArray(
  fc.tuple(keyArbitrary, fc.uniqueArray(fc.tuple(keyArbitrary, valueArbitrary), { selector: ([field]) => field, minLength: 1, maxLength: 5 })),
  { selector: ([id]) => id, maxLength: 6 },
);
// Prose never contains braces or backticks: with those, "the JSON" inside it would be ambiguous.
const proseArbitrary = fc.string({ unit: fc.constantFrom('a', 'é', ' ', '\n', ':', '.', 'Aquí', 'JSON'), maxLength: 30 });
const wrapperArbitrary = fc.constantFrom(
  (json: string) => json,
  (json: string, before: string, after: string) => `${before}${json}${after}`,
  (json: string, before: string, after: string) => `${before}\n\`\`\`json\n${json}\n\`\`\`\n${after}`,
  (json: string, before: string, after: string) => `${before}\n\`\`\`\n${json}\n\`\`\`${after}`,
);

describe('parseModelAnswers round trip (property)', () => {
  it('gives back exactly the serialized values for the same asked ids and fields', () => {
    fc.assert(
      fc.property(answersArbitrary, wrapperArbitrary, proseArbitrary, proseArbitrary, fc.boolean(), (entries, wrap, before, after, pretty) => {
        const document = Object.fromEntries(entries.map(([id, fields]) => [id, Object.fromEntries(fields)]));
        const json = pretty ? JSON.stringify(document, null, 2) : JSON.stringify(document);
        const askedPairs = new Map(entries.map(([id, fields]) => [id, new Set(fields.map(([field]) => field))]));

        const answers = parseModelAnswers(wrap(json, before, after), askedPairs);

        expect(answers.size).toBe(entries.length);
        for (const [id, fields] of entries) {
          expect(answers.get(id)?.size).toBe(fields.length);
          for (const [field, value] of fields) expect(answers.get(id)?.get(field)).toBe(value);
        }
      }),
      { numRuns: 500 },
    );
  });
});
