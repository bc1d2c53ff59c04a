/**
 * Whether a value (parsed JSON, a stored item's attribute, a config layer) is an object of named
 * members: not null, not an array. Imports nothing, so any folder may use it without a cycle.
 */
export const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
