import { ModelError } from '#shared/errors/normflow-errors.ts';
import { isPlainObject } from '#shared/json/plain-object.ts';

/** Model answers by record id, then field; a missing entry means "no answer". */
export type ModelAnswers = Map<string, Map<string, string | null>>;

/**
 * Reads the model's JSON answer. Accepts markdown fences and prose around the JSON; keeps only
 * string or null values of the asked (id, field) pairs, so unknown ids and fields are ignored.
 * Throws `Model.InvalidResponse` when no JSON object can be read at all.
 */
export function parseModelAnswers(text: string, asked: ReadonlyMap<string, ReadonlySet<string>>): ModelAnswers {
  const document = extractJsonObject(text);
  const answers: ModelAnswers = new Map();
  for (const [recordId, fields] of asked) {
    const entry = Object.hasOwn(document, recordId) ? document[recordId] : undefined;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
    const recordAnswers = new Map<string, string | null>();
    for (const field of fields) {
      const value = Object.hasOwn(entry, field) ? (entry as Record<string, unknown>)[field] : undefined;
      if (typeof value === 'string' || value === null) recordAnswers.set(field, value);
    }
    if (recordAnswers.size > 0) answers.set(recordId, recordAnswers);
  }
  return answers;
}

function extractJsonObject(text: string): Record<string, unknown> {
  // The whole response first: fences inside a string value must not cut a valid answer short.
  const candidates = [text, ...fencedBlocks(text)];
  for (const candidate of candidates) {
    const start = candidate.indexOf('{');
    const end = candidate.lastIndexOf('}');
    if (start < 0 || end <= start) continue;
    try {
      const parsed: unknown = JSON.parse(candidate.slice(start, end + 1));
      if (isPlainObject(parsed)) {
        return parsed;
      }
    } catch {
      // Try the next candidate.
    }
  }
  throw new ModelError('Model.InvalidResponse', `model answer is not a JSON object (${text.length} characters)`);
}

function fencedBlocks(text: string): string[] {
  return [...text.matchAll(/```(?:json)?\s*([\s\S]*?)```/gi)].map((match) => match[1] ?? '');
}
