/**
 * A value made ready for JSON.stringify with some leaves (byte arrays, dates) replaced: built before
 * stringifying, because a replacer would see a Buffer only after its toJSON has spelled it out as an
 * array of numbers. `replace` answers the leaf's JSON form, or undefined to go on into the value.
 */
export function withLeavesReplaced(value: unknown, replace: (leaf: unknown) => unknown): unknown {
  const replaced = replace(value);
  if (replaced !== undefined) return replaced;
  if (Array.isArray(value)) return value.map((element) => withLeavesReplaced(element, replace));
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const name in value) copy[name] = withLeavesReplaced((value as Record<string, unknown>)[name], replace);
    return copy;
  }
  return value;
}

export const base64Of = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
