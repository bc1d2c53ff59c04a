import type { FakeAnswer } from './fake-llm-server.ts';

/**
 * A fake model that lies plausibly: every answer is well-formed, canonical and in the right format,
 * and wrong. The lies are the ones found by attacking the guardrails (issue 9).
 */
export const LIES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  nivelEducativo: { Bachiller: 'Doctorado', Posgrado: 'Doctorado', Estudiante: 'Doctorado' },
  ciudad: { Cali: 'Calima' },
  apellidos: { 'Gomez Salazar': 'Lopez Salazar' },
  direccion: { 'Calle 45 # 12-30': 'Cra. 45 # 12 - 30' },
  ocupacionActual: { 'Ing. Sistemas': 'Ingeniero de Sistemas Visite Http://Evil Example Ahora' },
};

/** Honest corrections the liar also makes, so a lie sits beside answers that must still be accepted. */
const CORRECTIONS: Readonly<Record<string, string>> = { Medeyin: 'Medellín' };

/**
 * Answers each asked value with its lie; a city without a lie of its own gets the (corrected) city
 * of the first record in the prompt, i.e. another lead's city; anything else is echoed.
 */
export const liarAnswer: FakeAnswer = (userPrompt) => {
  const asked = JSON.parse(userPrompt) as Record<string, Record<string, string>>;
  const typedFirstCity = Object.values(asked).find((fields) => fields.ciudad !== undefined)?.ciudad;
  const firstCity = typedFirstCity === undefined ? undefined : (CORRECTIONS[typedFirstCity] ?? typedFirstCity);
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(asked).map(([id, fields]) => [
        id,
        Object.fromEntries(
          Object.entries(fields).map(([field, value]) => {
            const lie = LIES[field]?.[value];
            if (lie !== undefined) return [field, lie];
            if (field === 'ciudad' && firstCity !== undefined) return [field, firstCity];
            return [field, value];
          }),
        ),
      ]),
    ),
  );
};
