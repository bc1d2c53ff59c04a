import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * Messy user input for property tests: 1–`maxPieces` pieces, each typed in its own case
 * (as is, upper, lower) and followed by a separator (spaces, tabs, NBSP, punctuation…).
 */
export function messyText(pieces: readonly string[], separators: readonly string[], maxPieces: number): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(fc.constantFrom(...pieces), fc.constantFrom(...separators), fc.constantFrom('keep', 'upper', 'lower')), {
      minLength: 1,
      maxLength: maxPieces,
    })
    .map((parts) =>
      parts
        .map(([piece, separator, casing]) =>
          (casing === 'upper' ? piece.toUpperCase() : casing === 'lower' ? piece.toLowerCase() : piece) + separator,
        )
        .join(''),
    );
}

/** Contract §0 for any normalized value: null or non-empty, trimmed, no double spaces, never `..` or `. .`. */
export function expectWellFormed(value: string | null): void {
  if (value === null) return;
  expect(value).not.toBe('');
  expect(value).not.toMatch(/\.\.|\. \.|\s{2}|^\s|\s$/);
}
