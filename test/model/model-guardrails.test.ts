import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bigramCoverage, checkModelAnswer, lettersSimilarity } from '#shared/model/model-guardrails.ts';

describe('checkModelAnswer', () => {
  it('re-applies the kind rules, so an accepted value always has the contract format', () => {
    expect(checkModelAnswer('personName', 'jose  perez 3', 'JOSÉ PÉREZ')).toEqual({
      accepted: true,
      result: { value: 'José Pérez', confident: true, flags: [] },
    });
    const address = checkModelAnswer('address', 'cra15 no 100-25', 'carrera 15 # 100 25');
    expect(address).toMatchObject({ accepted: true, result: { value: 'Cra. 15 # 100 - 25' } });
  });

  it.each([
    ['city', 'Neiba', 'Neiva', true],
    ['city', 'Barranca', 'Barrancabermeja', true],
    ['city', 'Springfield', 'Bogotá D.C.', false],
    ['city', 'La Unión', 'La Unión', false],
    ['city', 'La Unión', 'La Unión, Nariño', true],
    ['city', 'Quito', 'Quito, Ecuador', false],
  ] as const)('city %s → %s accepted: %s (must resolve and stay close)', (kind, input, answer, accepted) => {
    expect(checkModelAnswer(kind, input, answer).accepted).toBe(accepted);
  });

  it('an education level must be canonical', () => {
    expect(checkModelAnswer('educationLevel', 'Posgrado', 'especialista')).toMatchObject({ accepted: true, result: { value: 'Especialista' } });
    expect(checkModelAnswer('educationLevel', 'Posgrado', 'Posgrado')).toEqual({ accepted: false, reason: 'not-canonical-education' });
    expect(checkModelAnswer('educationLevel', 'Posgrado', 'Maestro de obra')).toMatchObject({ accepted: false });
  });

  it('an address must parse and keep exactly the typed numbers', () => {
    expect(checkModelAnswer('address', 'finca la esperanza km 5', 'Vereda La Esperanza Km 5')).toEqual({ accepted: false, reason: 'unparsed-address' });
    expect(checkModelAnswer('address', 'cll 45 12 30', 'Cl. 45 # 12 - 31')).toEqual({ accepted: false, reason: 'numbers-changed' });
    expect(checkModelAnswer('address', 'cll 45 12 30', 'Cl. 45 # 12 - 30')).toMatchObject({ accepted: true });
  });

  it("rejects another person's name", () => {
    expect(checkModelAnswer('personName', 'MARIA FERNANDA', 'Ana Lucía')).toEqual({ accepted: false, reason: 'too-different' });
    expect(checkModelAnswer('personName', 'Jo3se Luis', 'José Luis')).toMatchObject({ accepted: true });
  });

  it('lets abbreviations expand but not jobs or employers change', () => {
    expect(checkModelAnswer('occupation', 'Ing Sist', 'Ingeniero de Sistemas')).toMatchObject({ accepted: true });
    expect(checkModelAnswer('occupation', 'Ing Sist', 'Gerente General')).toEqual({ accepted: false, reason: 'too-different' });
    expect(checkModelAnswer('organization', 'bancolombia sa', 'Bancolombia')).toMatchObject({ accepted: true });
    expect(checkModelAnswer('organization', 'Tienda Augusta', 'Universidad Nacional')).toMatchObject({ accepted: false });
  });

  it('treats null and missing answers as no answer', () => {
    expect(checkModelAnswer('city', 'Springfield', null)).toEqual({ accepted: false, reason: 'no-answer' });
    expect(checkModelAnswer('city', 'Springfield', undefined)).toEqual({ accepted: false, reason: 'no-answer' });
    expect(checkModelAnswer('personName', 'Ana', 'N/A')).toEqual({ accepted: false, reason: 'not-normalizable' });
  });

  it('property: an accepted value is a fixed point of the rules (idempotent storage)', () => {
    const kinds = ['personName', 'occupation', 'organization', 'text'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.string({ maxLength: 30 }), (kind, text) => {
        const verdict = checkModelAnswer(kind, text, text);
        if (verdict.accepted && verdict.result.value !== null) {
          const again = checkModelAnswer(kind, verdict.result.value, verdict.result.value);
          expect(again.accepted && again.result.value).toBe(verdict.result.value);
        }
      }),
    );
  });
});

describe('similarity measures', () => {
  it('lettersSimilarity ignores case, accents, digits and symbols', () => {
    expect(lettersSimilarity('JOSÉ  PÉREZ 3', 'jose perez')).toBe(1);
    expect(lettersSimilarity('Ana', 'Pedro')).toBeLessThan(0.5);
  });

  it('bigramCoverage measures how much of the input survives in the answer', () => {
    expect(bigramCoverage('aux adm', 'Auxiliar Administrativo')).toBe(1);
    expect(bigramCoverage('abc', 'xyz')).toBe(0);
    expect(bigramCoverage('', 'anything')).toBe(1);
  });
});
