import { describe, expect, it } from 'vitest';
import { isDecidedByRules, resolveWithAnswer, resolveWithDecision } from '#shared/engine/rules-precedence.ts';
import { decided, undecided } from '#shared/rules/rule-result.ts';

describe('rules outrank the model (contract v2 §0)', () => {
  it('a decided value stays the rules\' whatever the answer; a differing one is flagged llm-disagreed', () => {
    expect(resolveWithAnswer(decided('Bachiller'), { value: 'Bachiller', flags: [] })).toEqual({ value: 'Bachiller', flags: [], fromModel: false, city: undefined });
    expect(resolveWithAnswer(decided('Bachiller'), { value: 'Profesional', flags: [] })).toMatchObject({ value: 'Bachiller', flags: ['llm-disagreed'], fromModel: false });
  });

  it('an input-describing flag neither makes a value undecided nor is dropped by an answer', () => {
    const incomplete = decided('Bachiller', ['incomplete-education']);
    expect(isDecidedByRules(incomplete)).toBe(true);
    expect(resolveWithAnswer(incomplete, { value: 'Bachiller', flags: [] }).flags).toEqual(['incomplete-education']);
    const undecidedIncomplete = undecided('Estudiante de Maestría o Doctorado', ['incomplete-education']);
    expect(isDecidedByRules(undecidedIncomplete)).toBe(false);
    expect(resolveWithAnswer(undecidedIncomplete, { value: 'Magíster', flags: [] })).toEqual({ value: 'Magíster', flags: ['incomplete-education'], fromModel: true, city: undefined });
  });

  it('an undecided or flagged value takes the accepted answer', () => {
    expect(isDecidedByRules(decided('Neiba', ['ambiguous-city']))).toBe(false);
    expect(resolveWithAnswer(undecided('Posgrado', ['unrecognized-education']), { value: 'Especialista', flags: [] })).toMatchObject({ value: 'Especialista', flags: [], fromModel: true });
  });
});

describe("a steward's decision outranks the rules (docs/steward.md)", () => {
  it('wins over a confidently decided value, settles the doubt flags, keeps the input-describing ones', () => {
    expect(resolveWithDecision(decided('Bachiller'), { value: 'Técnico' })).toEqual({ value: 'Técnico', flags: [], fromModel: false, city: undefined });
    expect(resolveWithDecision(decided('Bachiller', ['incomplete-education']), { value: 'Técnico' }).flags).toEqual(['incomplete-education']);
    const city = { departamento: 'Bogotá, D.C.', codigoDane: '11001' };
    expect(resolveWithDecision(undecided('La Nevera', ['unknown-city']), { value: 'Bogotá D.C.', city })).toEqual({ value: 'Bogotá D.C.', flags: [], fromModel: false, city });
  });
});
