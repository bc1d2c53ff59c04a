import { levelsInInput } from '#shared/model/answer-plausibility.ts';
import { normalizeCity } from '#shared/rules/city.ts';
import { municipalityByCode } from '#shared/rules/divipola.ts';
import type { FieldKind } from '#shared/rules/rule-result.ts';
import type { FakeAnswer } from './fake-llm-server.ts';

/**
 * A fake model that answers as a careful one would: an ambiguous city with one of the
 * municipalities it could be, named with its department (`Rionegro` → `Rionegro, Antioquia`), a
 * vague education level with the one level it supports (`Posgrado` → Especialista), anything else
 * as typed. What no model can honestly fix (a rural address, a foreign city) comes back as typed,
 * and the guardrails reject it as they would a real model's guess.
 *
 * Benchmarks use it rather than the echo: the value cache keeps only accepted answers, and an
 * echo of a value the rules could not read is never accepted, so it would leave the cache
 * nothing to hit and a benchmark of the cache would measure nothing.
 */
export function plausibleAnswer(fieldKinds: Readonly<Record<string, FieldKind>>): FakeAnswer {
  return (userPrompt) => {
    const asked = JSON.parse(userPrompt) as Record<string, Record<string, string>>;
    return JSON.stringify(
      Object.fromEntries(
        Object.entries(asked).map(([id, fields]) => [
          id,
          Object.fromEntries(Object.entries(fields).map(([field, value]) => [field, plausibleValue(fieldKinds[field], value)])),
        ]),
      ),
    );
  };
}

function plausibleValue(kind: FieldKind | undefined, typed: string): string {
  if (kind === 'city') {
    const [first] = normalizeCity(typed).cityResolution?.candidates ?? [];
    const municipality = first === undefined ? undefined : municipalityByCode(first);
    return municipality ? `${municipality.name}, ${municipality.department}` : typed;
  }
  if (kind === 'educationLevel') {
    const [only, ...more] = levelsInInput(typed);
    return only !== undefined && more.length === 0 ? only : typed;
  }
  return typed;
}
