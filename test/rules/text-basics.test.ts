import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanText, foldKey, isNullLike, isOrganizationNullLike, stripDiacritics } from '#shared/rules/text-basics.ts';

/**
 * The shortcuts of text-basics.ts (Latin-1 text skips the normalization passes) must give what the
 * general rules give, character for character: these are the general rules, written out.
 */
const TYPOGRAPHIC_APOSTROPHES = /[\u2018\u2019\u201B\u02BC\u00B4\u0060\u2032]/g;
const generalStripDiacritics = (text: string): string => text.normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC');
const generalCleanText = (raw: string): string =>
  raw
    .replace(TYPOGRAPHIC_APOSTROPHES, "'")
    .replace(/[\t\n\r\v\f]/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200D\u2060\uFEFF\u00AD]/g, '')
    .replace(/[\s\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+/g, ' ')
    .trim()
    .normalize('NFC')
    .replace(TYPOGRAPHIC_APOSTROPHES, "'");
const generalFoldKey = (text: string): string =>
  generalStripDiacritics(text.normalize('NFC'))
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** Every Latin-1 character, plus what sits next to it in typed text: combining accents, other scripts, odd spaces. */
const LATIN_1 = Array.from({ length: 256 }, (_, code) => String.fromCharCode(code));
const typedText = fc.oneof(
  fc.string({ unit: fc.constantFrom(...LATIN_1), maxLength: 30 }),
  fc.string({ unit: fc.constantFrom(...LATIN_1, '\u0301', '\u0303', '\u2019', '\u200B', '\u3000', 'Ω', 'İ', 'ǅ', '\u1E9E'), maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

describe('text basics: the Latin-1 shortcuts give what the general rules give', () => {
  it('stripDiacritics, each Latin-1 character and any text', () => {
    for (const char of LATIN_1) expect(stripDiacritics(char)).toBe(generalStripDiacritics(char));
    expect(stripDiacritics('ÁNGEL GÓMEZ Ñoño Ærø ß ÿ')).toBe('ANGEL GOMEZ Nono Ærø ß y');
    fc.assert(fc.property(typedText, (text) => stripDiacritics(text) === generalStripDiacritics(text)), { numRuns: 2000 });
  });

  it('cleanText: text already clean comes back as it is, anything else as the passes make it', () => {
    expect(cleanText('Calle 21 #160 15 Manzana 21')).toBe('Calle 21 #160 15 Manzana 21');
    expect(cleanText(' d`Artagnan\u00A0\u00A0O´Neil ')).toBe("d'Artagnan O'Neil");
    fc.assert(fc.property(typedText, (text) => cleanText(text) === generalCleanText(text)), { numRuns: 2000 });
  });

  it('foldKey', () => {
    expect(foldKey('Bogotá, D.C.')).toBe('bogota d c');
    fc.assert(fc.property(typedText, (text) => foldKey(text) === generalFoldKey(text)), { numRuns: 2000 });
  });

  it('null-likes are found whatever their case, accents and spaces around a slash', () => {
    for (const typed of ['N/A', 'n / a', 'Sin Información', 'NS / NR', 'ninguno', '?', '-', '***']) expect(isNullLike(typed)).toBe(true);
    for (const typed of ['Nariño', 'na na', 'Sin datos personales']) expect(isNullLike(typed)).toBe(false);
    expect(isOrganizationNullLike('Sin Empresa')).toBe(true);
    expect(isOrganizationNullLike('N/A')).toBe(true);
    expect(isNullLike('Sin Empresa')).toBe(false);
  });
});
