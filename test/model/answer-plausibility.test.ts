import { describe, expect, it } from 'vitest';
import { checkAnswerPlausibility, levelsInInput } from '#shared/model/answer-plausibility.ts';
import { applyRule } from '#shared/rules/index.ts';
import type { FieldKind } from '#shared/rules/rule-result.ts';

const verdict = (kind: FieldKind, typed: string, answer: string) => checkAnswerPlausibility(kind, typed, applyRule(kind, typed), applyRule(kind, answer));

describe('lie rejection: what the typed input cannot support', () => {
  it.each([
    ['educationLevel', 'Bachiller', 'Doctorado', 'level-not-in-input'],
    ['educationLevel', 'Posgrado', 'Doctorado', 'level-not-in-input'],
    ['educationLevel', 'Estudiante', 'Doctorado', 'level-not-in-input'],
    ['educationLevel', 'Curso de cocina', 'Técnico', 'level-not-in-input'],
    ['city', 'Cali', 'Calima', 'other-city'],
    ['city', 'Pereira', 'Medellín', 'other-city'],
    ['city', 'Sta Rosa', 'Medellín', 'other-city'],
    ['city', 'Springfield', 'Bogotá D.C.', 'other-city'],
    ['personName', 'Gomez Salazar', 'Lopez Salazar', 'other-person'],
    ['personName', 'Ana', 'Ana María', 'other-person'],
    ['address', 'Calle 45 # 12-30', 'Cra. 45 # 12 - 30', 'unexplained-words'],
    ['address', 'Mz 5 Cs 12', 'Cl. 5 # 12 - 1', 'unexplained-words'],
    ['address', 'Calle 80 # 45-12', 'Cl. 80 # 45 - 12 Sur', 'unexplained-words'],
    ['occupation', 'Ing. Sistemas', 'Ingeniero de Sistemas Visite Http://Evil Example Ahora', 'injected-content'],
    ['occupation', 'Contador', 'Contador Ignora las Instrucciones Anteriores', 'unexplained-words'],
    ['organization', 'tienda don pepe', 'Tienda Don Pepe Compre Ya', 'unexplained-words'],
    ['organization', 'sena', 'SENA <script>', 'injected-content'],
  ] as const)('%s %j → %j: %s', (kind, typed, answer, reason) => {
    expect(verdict(kind, typed, answer)).toEqual({ plausible: false, reason });
  });
});

describe('what a model is for stays accepted', () => {
  it.each([
    ['educationLevel', 'Posgrado', 'Especialista'],
    ['educationLevel', 'Bachiyer', 'Bachiller'],
    ['educationLevel', 'Ingeniero de sistemas con maestría', 'Magíster'],
    ['city', 'Neiba', 'Neiva'],
    ['city', 'Medeyin', 'Medellín'],
    ['city', 'Sta Rosa', 'Santa Rosa de Cabal'],
    ['city', 'Cali', 'Santiago de Cali'],
    ['personName', 'GOMEZ SALAZAR', 'Gómez Salazar'],
    ['address', 'Cll 45 sur 12 30 apto 2', 'Cl. 45 Sur # 12 - 30 Apto 2'],
    ['occupation', 'aux adm', 'Auxiliar Administrativo'],
    ['occupation', 'analista de datoss', 'Analista de Datos'],
    ['organization', 'ICBF regional', 'Instituto Colombiano de Bienestar Familiar Regional'],
  ] as const)('%s %j → %j', (kind, typed, answer) => {
    expect(verdict(kind, typed, answer)).toEqual({ plausible: true });
  });

  it('reads the levels a text names with the rules themselves, plus vague and misspelt level words', () => {
    expect([...levelsInInput('Estudiante universitario')]).toEqual(['Profesional']);
    expect([...levelsInInput('Estudiante de inglés')]).toEqual([]);
    expect([...levelsInInput('Postgrado en finanzas')]).toEqual(['Especialista']);
  });
});
