import { describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { askModel, finishBatch, prepareBatch } from '#shared/engine/batch-normalizer.ts';
import { decisionKey, foldDecisionInput, type StewardDecisions, type StewardValue } from '#shared/engine/steward-decisions.ts';
import { ValueCache } from '#shared/engine/value-cache.ts';
import { checkDecisionValue, makeDecision } from '#shared/steward/decisions.ts';
import { ReviewQueueBuilder, type ReviewGroup } from '#shared/steward/review-queue.ts';
import { cityChoices, reviewSession } from '#cli/review-command.ts';
import { answerEach, ScriptedModelClient } from '#test/fakes/scripted-model-client.ts';

const config = parseConfig({ llmMode: 'always' });
const decisionsOf = (entries: Record<string, StewardValue>): StewardDecisions => ({
  lookup: async (keys) => new Map(keys.flatMap((key) => (entries[key] ? [[key, entries[key]] as const] : []))),
});

describe('decision keys', () => {
  it('fold case, accents, punctuation and spacing, per kind', () => {
    expect(foldDecisionInput('  LA  Nevéra. ')).toBe('la nevera');
    expect(decisionKey('city', 'La Nevera')).toBe('city|la nevera');
    expect(decisionKey('city', 'la-nevera')).toBe(decisionKey('city', 'LA NEVERA'));
    expect(decisionKey('occupation', 'la nevera')).not.toBe(decisionKey('city', 'la nevera'));
    expect(decisionKey('city', ' .. ')).toBeUndefined();
    expect(decisionKey('city', { not: 'text' })).toBeUndefined();
    // What the rules read as text is what a decision covers: numbers by their exact text, never a too-long string.
    expect(decisionKey('text', 57)).toBe('text|57');
    expect(decisionKey('city', 'bogota '.repeat(1000))).toBeUndefined();
  });
});

describe("a decision passes the kind's checks or is refused with the reason", () => {
  it.each([
    ['city', 'bogota', { ok: true, value: 'Bogotá D.C.', city: { departamento: 'Bogotá, D.C.', codigoDane: '11001' } }],
    ['city', 'Springfield', { ok: false, reason: '"Springfield" is not a DIVIPOLA municipality (unknown-city)' }],
    ['city', 'Rionegro', { ok: false, reason: '"Rionegro" names several municipalities (ambiguous-city): add its department after a comma' }],
    ['city', 'Rionegro, Antioquia', { ok: true, value: 'Rionegro', city: { departamento: 'Antioquia', codigoDane: '05615' } }],
    ['educationLevel', 'tecnico', { ok: true, value: 'Técnico' }],
    ['educationLevel', 'Maestría en finanzas', { ok: false, reason: expect.stringContaining('is not a canonical education level (Primaria, Bachiller,') }],
    ['address', 'cra 15 no 100 25', { ok: true, value: 'Cra. 15 # 100 - 25' }],
    ['address', 'la casa azul', { ok: false, reason: '"la casa azul" does not parse as an address (unparsed-address)' }],
    ['occupation', 'n/a', { ok: false, reason: '"n/a" normalizes to nothing (to declare the input empty, decide null)' }],
    ['organization', null, { ok: true, value: null }],
  ] as const)('%s %j', (kind, value, expected) => {
    expect(checkDecisionValue(kind, value)).toEqual(expected);
  });

  it('refuses an input with nothing to decide on', () => {
    expect(makeDecision({ field: 'ciudad', kind: 'city', input: '--', value: 'Bogotá', decidedAt: 't' })).toEqual({ refused: 'input "--" has no letter or digit to decide on' });
    expect(makeDecision({ field: 'ciudad', kind: 'city', input: 'x'.repeat(5000), value: 'Bogotá', decidedAt: 't' })).toEqual({
      refused: 'input is longer than 4096 bytes: such values are kept as typed (too-long), never decided',
    });
  });
});

describe('the engine applies decisions before rules, cache and model', () => {
  it('gives the steward value with source steward, the city codes, no flag, and never asks the model about it', async () => {
    const model = new ScriptedModelClient({ answer: answerEach(() => 'Medellín') });
    const records = [
      { id: 'A', attributes: { ciudad: 'La Nevera.', nivelEducativo: 'Posgrado', nombres: 'ANA' } },
      { id: 'B', attributes: { ciudad: 'medellin', nivelEducativo: 'bachiller' } },
    ];
    const decisions = decisionsOf({
      'city|la nevera': { value: 'Bogotá D.C.', city: { departamento: 'Bogotá, D.C.', codigoDane: '11001' } },
      // A steward may overrule even a value the rules decide confidently.
      'educationLevel|bachiller': { value: 'Técnico' },
    });
    const batch = await prepareBatch(records, config, new ValueCache(), model, decisions);
    expect(batch.questions.map((question) => [question.recordId, question.field])).toEqual([
      ['A', 'nombres'],
      ['A', 'nivelEducativo'],
      ['B', 'ciudad'],
    ]);
    const { answers } = await askModel(batch, model, config);
    const { records: normalized } = finishBatch(batch, { kind: 'answered', answers }, config);
    expect(normalized[0]?.normalizedData).toMatchObject({ ciudad: 'Bogotá D.C.', ciudadDepartamento: 'Bogotá, D.C.', ciudadCodigoDane: '11001' });
    // The rules' reading of the city stays in the metadata, for audit.
    expect(normalized[0]?.normalizationMeta.ciudad).toMatchObject({ source: 'steward', changed: true, flags: [], resolution: { match: 'none' } });
    expect(normalized[1]?.normalizationMeta.nivelEducativo).toEqual({ source: 'steward', changed: true, flags: [] });
    expect(normalized[1]?.normalizedData.nivelEducativo).toBe('Técnico');
  });

  it('keeps a flag that describes the input (incomplete-education) under a decision, as under a model answer', async () => {
    const records = [{ id: 'C', attributes: { nivelEducativo: 'Bachillerato incompleto' } }];
    const decisions = decisionsOf({ 'educationLevel|bachillerato incompleto': { value: 'Primaria' } });
    const batch = await prepareBatch(records, config, new ValueCache(), undefined, decisions);
    const { records: normalized } = finishBatch(batch, { kind: 'not-asked' }, config);
    expect(normalized[0]?.normalizedData.nivelEducativo).toBe('Primaria');
    expect(normalized[0]?.normalizationMeta.nivelEducativo).toEqual({ source: 'steward', changed: true, flags: ['incomplete-education'] });
  });
});

describe('the review queue', () => {
  const lead = (leadId: string, field: string, original: string, normalized: string, source: string, flags: string[]) => ({
    leadId,
    [field]: original,
    normalizedAt: '2026-01-01T00:00:00.000Z',
    normalizedData: { [field]: normalized },
    normalizationMeta: { [field]: { source, changed: original !== normalized, flags } },
  });
  const items = [
    lead('1', 'ciudad', 'la nevera', 'La Nevera', 'rules', ['unknown-city']),
    lead('2', 'ciudad', 'LA NEVERA.', 'La Nevera', 'rules', ['unknown-city']),
    lead('3', 'nivelEducativo', 'Posgrado', 'Especialista', 'llm', []),
    lead('4', 'ciudad', 'medellin', 'Medellín', 'rules', []),
    lead('5', 'direccion', 'finca la esperanza', 'Finca la Esperanza', 'rules', ['unparsed-address']),
    lead('6', 'ciudad', 'Springfield', 'Springfield', 'steward', []),
  ];

  it('groups by (kind, folded input), most leads first; confident rules values, steward values and per-person kinds stay out', () => {
    const builder = new ReviewQueueBuilder(config);
    for (const item of items) builder.add(item);
    const groups = builder.build();
    expect(groups.map((group) => [group.key, group.leadIds, group.inputs.map((input) => input.text), group.proposals[0]])).toEqual([
      ['city|la nevera', ['1', '2'], ['la nevera', 'LA NEVERA.'], { value: 'La Nevera', source: 'rules', count: 2 }],
      ['educationLevel|posgrado', ['3'], ['Posgrado'], { value: 'Especialista', source: 'llm', count: 1 }],
    ]);
    const addresses = new ReviewQueueBuilder(config, { field: 'direccion' });
    for (const item of items) addresses.add(item);
    expect(addresses.build().map((group) => group.key)).toEqual(['address|finca la esperanza']);
    const decided = new ReviewQueueBuilder(config, { decided: new Set(['city|la nevera']) });
    for (const item of items) decided.add(item);
    expect(decided.build().map((group) => group.key)).toEqual(['educationLevel|posgrado']);
  });

  /** A review session fed these answers, as a terminal would: what it decided and printed. */
  async function walk(groups: ReviewGroup[], answers: string[], choices?: typeof cityChoices) {
    const printed: string[] = [];
    const result = await reviewSession({
      groups,
      nextLine: async () => answers.shift(),
      print: (text) => printed.push(text),
      decide: (group, value) => makeDecision({ field: group.fields[0] ?? '', kind: group.kind, input: group.inputs[0]?.text ?? '', value, decidedAt: 't' }),
      ...(choices ? { choices } : {}),
    });
    return { result, printed };
  }

  it('walks the queue: refused values are explained and asked again; accept, null, skip and quit', async () => {
    const builder = new ReviewQueueBuilder(config);
    for (const item of [...items, lead('7', 'empresa', 'no se', 'No Se', 'llm', []), lead('8', 'ocupacionActual', 'x1', 'X1', 'llm', [])]) builder.add(item);
    const groups = builder.build();
    const { result, printed } = await walk(groups, ['Springfeld', 'bogota', '', 'n', 'q']);
    expect(result.decisions.map((decision) => [decision.kind, decision.foldedInput, decision.value])).toEqual([
      ['city', 'la nevera', 'Bogotá D.C.'],
      ['educationLevel', 'posgrado', 'Especialista'],
      ['occupation', 'x1', null],
    ]);
    expect(result.skipped).toBe(1);
    expect(printed).toContain('  refused: "Springfeld" is not a DIVIPOLA municipality (unknown-city)');
    expect(printed).toContain('  decided: city "la nevera" → "Bogotá D.C." (11001)');
  });

  it('offers Enter only for a proposal a decision can keep, and numbers the municipalities an ambiguous city could be', async () => {
    const builder = new ReviewQueueBuilder(config);
    for (const item of [
      lead('1', 'ciudad', 'Florencia', 'Florencia', 'rules', ['ambiguous-city']),
      lead('2', 'nivelEducativo', 'Posgrado', 'Posgrado', 'rules', ['unrecognized-education']),
    ]) builder.add(item);
    const groups = builder.build();
    expect(cityChoices(groups.find((group) => group.kind === 'city')!)).toEqual([
      { value: 'Florencia, Caquetá', code: '18001' },
      { value: 'Florencia, Cauca', code: '19290' },
    ]);
    expect(groups.map((group) => group.kind)).toEqual(['city', 'educationLevel']);
    // Enter on a proposal no decision can keep is asked again; a number past the choices is a typed value; 2 picks the second municipality.
    const { result, printed } = await walk(groups, ['', '3', '2', 'Especialista'], cityChoices);
    expect(result.decisions.map((decision) => [decision.kind, decision.value, decision.city?.codigoDane ?? null])).toEqual(
      expect.arrayContaining([
        ['city', 'Florencia', '19290'],
        ['educationLevel', 'Especialista', null],
      ]),
    );
    expect(printed).toContain('  could be: 1 = Florencia, Caquetá (18001) · 2 = Florencia, Cauca (19290)');
    expect(printed).toContain('  1–2 = pick · n = empty (null) · s = skip · q = quit · or type the value');
    expect(printed.some((line) => line.includes('"Posgrado" (rules) — cannot be kept as is: "Posgrado" is not a canonical education level'))).toBe(true);
    expect(printed.some((line) => line.includes('Enter = accept'))).toBe(false);
    expect(printed).toContain('  refused: "3" is not a DIVIPOLA municipality (unknown-city)');
  });
});
