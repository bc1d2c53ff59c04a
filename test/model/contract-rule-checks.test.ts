import { describe, expect, it } from 'vitest';
import { checkContractRules } from '#shared/model/contract-rule-checks.ts';
import { checkModelAnswer } from '#shared/model/model-guardrails.ts';
import { applyRule } from '#shared/rules/index.ts';

describe('contract v2 rules re-applied to model answers', () => {
  it.each([
    // §2: a hint restricts every step, the model's answer included.
    ['Villarica, Tolima', 'Villarrica', true],
    ['Villarica, Tolima', 'Villa Rica, Cauca', false],
    ['Medelin, Cundinamarca', 'Medellín', false],
    ['Granada, Valle', 'Granada, Meta', false],
    // §2: a tie may be settled only by one of the tied municipalities.
    ['Villarica', 'Villarrica, Tolima', true],
    ['Villarica', 'Villa Rica', true],
    ['Villarica', 'Villavicencio', false],
    ['Neiba', 'Neiva', true],
    ['Neiba', 'Neira', true],
    ['Chima', 'Chimá', true],
    ['La Unión', 'La Unión, Nariño', true],
    // Unknown without a hint: any city that resolves (the other guardrails judge closeness).
    ['Springfeld', 'Springfield', false],
  ] as const)('city %j → %j accepted: %s', (input, answer, accepted) => {
    expect(checkModelAnswer('city', input, answer).accepted).toBe(accepted);
  });

  it('lets a hint the rules overruled (the name alone decided) bind nobody', () => {
    expect(checkContractRules('city', 'Bogotá, Cundinamarca', 'Bogotá D.C.', applyRule('city', 'Bogotá D.C.'))).toBeUndefined();
    expect(checkContractRules('city', 'Soacha, Bogotá', 'Soacha', applyRule('city', 'Soacha'))).toBeUndefined();
  });

  it('names the broken rule', () => {
    expect(checkModelAnswer('city', 'Villarica, Tolima', 'Villa Rica, Cauca')).toEqual({ accepted: false, reason: 'outside-hinted-department' });
    expect(checkModelAnswer('city', 'Villarica', 'Villavicencio')).toEqual({ accepted: false, reason: 'not-a-tied-candidate' });
  });

  it.each([
    ['Posgrado', 'Especialista', true],
    ['Posgrado', 'especialista', true],
    ['Posgrado', 'MAGISTER', true],
    ['Posgrado', 'Profesional en sistemas', false],
    ['Estudiante de derecho', 'Bachillerato incompleto', false],
    ['Posgrado', 'Posgrado', false],
  ] as const)('education %j → %j accepted: %s (a canonical level, written as such)', (input, answer, accepted) => {
    expect(checkModelAnswer('educationLevel', input, answer).accepted).toBe(accepted);
  });

  it('re-applies the v2 kind rules to the stored value', () => {
    expect(checkModelAnswer('personName', 'mc donald', 'MCDONALD')).toMatchObject({ accepted: true, result: { value: 'McDonald' } });
    expect(checkModelAnswer('occupation', 'jefe rrhh', 'JEFE DE RRHH')).toMatchObject({ accepted: true, result: { value: 'Jefe de RRHH' } });
    expect(checkModelAnswer('organization', 'i c b f', 'I.C.B.F.')).toMatchObject({ accepted: true, result: { value: 'ICBF' } });
    expect(checkModelAnswer('address', 'BOGOTA CALLE 50 10 20', 'Bogotá - Calle 50 # 10-20')).toMatchObject({
      accepted: true,
      result: { value: 'Cl. 50 # 10 - 20' },
    });
    expect(checkModelAnswer('address', 'mz 5 cs 12', 'Manzana 5 Casa 12')).toEqual({ accepted: false, reason: 'unparsed-address' });
    expect(checkModelAnswer('organization', 'sin empresa', 'Sin empresa')).toEqual({ accepted: false, reason: 'not-normalizable' });
  });

  it('has nothing to say about kinds without a v2 answer rule', () => {
    for (const kind of ['personName', 'address', 'occupation', 'organization', 'text'] as const) {
      expect(checkContractRules(kind, 'x', 'y', applyRule(kind, 'y'))).toBeUndefined();
    }
  });
});
