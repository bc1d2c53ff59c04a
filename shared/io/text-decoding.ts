import { isAscii, isUtf8 } from 'node:buffer';

/**
 * Which text encoding a file of records is in, and its text, streamed. Files come from Excel and
 * form tools: UTF-8 with or without a byte-order mark, UTF-16 with one ("Unicode text"),
 * Windows-1252 (a Spanish-locale "CSV" save) or Mac Roman (Excel for Mac's "CSV (Macintosh)"). Nothing here ever turns a character into U+FFFD
 * without saying so: see `DecodedText.invalidBytes`.
 */

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'macintosh';

const ENCODING_ALIASES: Readonly<Record<string, TextEncodingName>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  'utf-16be': 'utf-16be',
  utf16be: 'utf-16be',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  // As in every browser (WHATWG Encoding): Latin-1 labels are read as its superset, Windows-1252.
  'iso-8859-1': 'windows-1252',
  latin1: 'windows-1252',
  // Mac Roman: what Excel for Mac's "CSV (Macintosh)" save writes.
  macintosh: 'macintosh',
  'mac-roman': 'macintosh',
  macroman: 'macintosh',
};

/** The encoding an `--encoding` value names, or undefined when it names none of the supported ones. */
export function encodingNamed(label: string): TextEncodingName | undefined {
  const key = label.trim().toLowerCase();
  // Own keys only: `--encoding constructor` names no encoding.
  return Object.hasOwn(ENCODING_ALIASES, key) ? ENCODING_ALIASES[key] : undefined;
}

export const ENCODING_LABELS = Object.keys(ENCODING_ALIASES);

/** The two single-byte encodings spreadsheets save Spanish text in, told apart by SingleByteVotes. */
type SingleByteEncoding = 'windows-1252' | 'macintosh';
const SINGLE_BYTE_ENCODINGS: readonly SingleByteEncoding[] = ['windows-1252', 'macintosh'];

const SPANISH_LETTER = /^[áéíóúüñÁÉÍÓÚÜÑ]$/;
const APOSTROPHE_OR_QUOTE = /^[‘’“”'"]$/;

/** What is on one side of a byte: not an ASCII letter, a lower-case one, or a capital. */
const Side = { Other: 0, Lower: 1, Upper: 2 } as const;
type Side = (typeof Side)[keyof typeof Side];
const SIDES: readonly Side[] = [Side.Other, Side.Lower, Side.Upper];
const sideOf = (byte: number | undefined): Side =>
  byte === undefined ? Side.Other : byte >= 0x61 && byte <= 0x7a ? Side.Lower : byte >= 0x41 && byte <= 0x5a ? Side.Upper : Side.Other;

/**
 * Windows-1252 or Mac Roman, for a file that is neither UTF-8 nor marked: the same bytes are `é` in
 * one and `Ž` in the other, so a wrong guess would corrupt every accented name silently. Each byte
 * from 0x80 up that touches an ASCII letter votes for the encoding in which it reads as a Spanish
 * letter of the right case (`Martínez`, `MARTÍNEZ`, `Ñoño`) and against the one in which it reads as
 * a symbol or a foreign letter glued to letters (`MartÌnez`, `MARTêNEZ`). A quote or an apostrophe
 * is no vote for its encoding; and a byte that is one in either encoding votes not at all at the end
 * of a word, where a closing quote and a final `í` are equally likely (`O’Neil` still votes: Mac
 * Roman would read `OíNeil`).
 */
function votesOf(readings: readonly string[], previous: Side, next: Side): readonly number[] {
  if (previous === Side.Other && next === Side.Other) return [0, 0];
  if (next === Side.Other && readings.some((char) => APOSTROPHE_OR_QUOTE.test(char))) return [0, 0];
  return readings.map((char) => {
    if (APOSTROPHE_OR_QUOTE.test(char)) return 0;
    // A lower-case letter is not followed by a capital, nor a capital preceded by a lower-case letter, within a word.
    const fits = SPANISH_LETTER.test(char) && (char === char.toUpperCase() ? previous !== Side.Lower : next !== Side.Upper);
    return fits ? 1 : -1;
  });
}

let votes: Int8Array | undefined;

/**
 * votesOf for every byte from 0x80 up (as each single-byte encoding reads it) and every pair of
 * sides, worked out at the first vote, so only a file that is not UTF-8 pays for it; the scan of a
 * large file then looks them up.
 */
function voteTable(): Int8Array {
  if (votes) return votes;
  const highHalves = SINGLE_BYTE_ENCODINGS.map((encoding) => [...new TextDecoder(encoding).decode(Uint8Array.from({ length: 128 }, (_, index) => 0x80 + index))]);
  const table = new Int8Array(128 * 9 * 2);
  for (let byte = 0x80; byte <= 0xff; byte += 1) {
    const readings = highHalves.map((half) => half[byte - 0x80] as string);
    for (const previous of SIDES) {
      for (const next of SIDES) table.set(votesOf(readings, previous, next), ((byte - 0x80) * 9 + previous * 3 + next) * 2);
    }
  }
  votes = table;
  return table;
}

class SingleByteVotes {
  readonly score: Record<SingleByteEncoding, number> = { 'windows-1252': 0, macintosh: 0 };

  add(bytes: Uint8Array, index: number): void {
    const table = voteTable();
    const at = (((bytes[index] as number) - 0x80) * 9 + sideOf(bytes[index - 1]) * 3 + sideOf(bytes[index + 1])) * 2;
    this.score['windows-1252'] += table[at] as number;
    this.score.macintosh += table[at + 1] as number;
  }

  /** Mac Roman only when its reading is the more Spanish one; Windows-1252 otherwise (ties included). */
  get winner(): SingleByteEncoding {
    return this.score.macintosh > this.score['windows-1252'] ? 'macintosh' : 'windows-1252';
  }
}

/**
 * A single-byte file holds a few byte pairs that happen to be well-formed UTF-8 (Windows-1252 `É`
 * before a no-break space, `Ñ–`): when well-formed sequences are fewer than one in this many of the
 * bytes that are not UTF-8, and no whole chunk was UTF-8, the file is single-byte.
 */
const CHANCE_SEQUENCES_RATIO = 20;

/** How bytes look as UTF-8, counted as they stream (only an unfinished sequence is kept between chunks). */
export class Utf8Scan {
  /** Byte sequences that are not UTF-8. */
  invalidSequences = 0;
  /** A chunk was well-formed UTF-8 throughout, non-ASCII included: the file is UTF-8, whatever else it holds. */
  wholeChunkNonAscii = false;
  /** Well-formed non-ASCII sequences in chunks that also hold bytes that are not UTF-8. */
  sequencesBesideInvalid = 0;
  /** For bytes that are not UTF-8: which single-byte encoding reads them as Spanish. */
  readonly singleByte = new SingleByteVotes();
  private carry: Uint8Array = new Uint8Array(0);

  add(chunk: Uint8Array): void {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = completeLength(bytes);
    this.carry = Uint8Array.from(bytes.subarray(end));
    const body = bytes.subarray(0, end);
    if (isUtf8(body)) {
      if (!this.wholeChunkNonAscii && !isAscii(body)) this.wholeChunkNonAscii = true;
      return;
    }
    this.countInvalid(body);
  }

  /** Bytes that are not UTF-8, and well-formed sequences only by chance beside them: Windows-1252 or Mac Roman. */
  get readsAsSingleByte(): boolean {
    return this.invalidSequences > 0 && !this.wholeChunkNonAscii && this.sequencesBesideInvalid * CHANCE_SEQUENCES_RATIO < this.invalidSequences;
  }

  /** At the end of the bytes: a sequence cut off by the end is not UTF-8 either. */
  finish(): void {
    if (this.carry.length > 0) this.invalidSequences += 1;
    this.carry = new Uint8Array(0);
  }

  /** The slow path, for the rare chunk that is not UTF-8: a byte-by-byte walk. */
  private countInvalid(body: Uint8Array): void {
    let index = 0;
    while (index < body.length) {
      const length = sequenceLength(body, index);
      if (length === 0) {
        this.invalidSequences += 1;
        this.singleByte.add(body, index);
        index += 1;
        continue;
      }
      if (length > 1) this.sequencesBesideInvalid += 1;
      index += length;
    }
  }
}

/** Length of `bytes` without an unfinished multi-byte sequence at its end. */
function completeLength(bytes: Uint8Array): number {
  for (let index = bytes.length - 1; index >= Math.max(0, bytes.length - 3); index -= 1) {
    const byte = bytes[index] as number;
    if (byte < 0x80) return bytes.length;
    if (byte >= 0xc0) return bytes.length - index < expectedLength(byte) ? index : bytes.length;
  }
  return bytes.length;
}

const expectedLength = (lead: number): number => (lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2);

/** Length of the well-formed UTF-8 sequence at `index`, or 0 (no overlongs, surrogates or code points past U+10FFFF). */
function sequenceLength(bytes: Uint8Array, index: number): number {
  const lead = bytes[index] as number;
  if (lead < 0x80) return 1;
  const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (length === 0 || index + length > bytes.length) return 0;
  const second = bytes[index + 1] as number;
  const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
  const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
  if (second < low || second > high) return 0;
  for (let offset = 2; offset < length; offset += 1) {
    const next = bytes[index + offset] as number;
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return length;
}

/** UTF-16 without a byte-order mark shows as NUL bytes in every other position of its start. */
function utf16WithoutBom(start: Uint8Array): TextEncodingName | undefined {
  let even = 0;
  let odd = 0;
  for (let index = 0; index < start.length; index += 1) {
    if (start[index] !== 0) continue;
    if (index % 2 === 0) even += 1;
    else odd += 1;
  }
  if (start.length < 4 || (even + odd) * 4 < start.length) return undefined;
  return odd > even ? 'utf-16le' : 'utf-16be';
}

export interface EncodingChoice {
  encoding: TextEncodingName;
  /** Why, when it is not plain UTF-8: said once on stderr by the command. */
  notice?: string;
  /** A single-byte reading of bytes holding sequences that read as UTF-8 too: their lines are rejected (DecodedText). */
  ambiguousSequences?: true;
}

/** The encoding a byte-order mark at the start names. */
export function encodingOfBom(start: Uint8Array): TextEncodingName | undefined {
  if (start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf) return 'utf-8';
  if (start[0] === 0xff && start[1] === 0xfe) return 'utf-16le';
  if (start[0] === 0xfe && start[1] === 0xff) return 'utf-16be';
  return undefined;
}

/**
 * The encoding of bytes without a byte-order mark, from their start and a scan of all of them (a
 * file) or of the first ones (a pipe, `complete` false):
 * - mostly NUL bytes at odd (even) offsets: UTF-16 LE (BE) without a mark;
 * - well-formed UTF-8, or ASCII only: UTF-8;
 * - bytes that are not UTF-8 and no well-formed non-ASCII sequence, or only a few by chance
 *   (CHANCE_SEQUENCES_RATIO; their lines are then rejected): Windows-1252, or Mac Roman when its
 *   reading of them is the more Spanish one (SingleByteVotes);
 * - both: UTF-8 (the lines with the bad bytes are then rejected, never guessed at).
 */
export function chooseEncoding(start: Uint8Array, scan: Utf8Scan, name: string, complete: boolean): EncodingChoice {
  const utf16 = utf16WithoutBom(start);
  if (utf16) {
    return { encoding: utf16, notice: `${name} has no byte-order mark but looks like ${utf16.toUpperCase()}: read as such (--encoding to choose)` };
  }
  if (scan.invalidSequences === 0) return { encoding: 'utf-8' };
  if (scan.readsAsSingleByte) {
    const chance = scan.sequencesBesideInvalid;
    // Never guessed: in a file glued from two, such sequences are the other file's accents.
    const ambiguous = chance > 0 ? `; ${chance} byte sequence(s) read as UTF-8 too, and the lines holding them are rejected` : '';
    const choice: EncodingChoice =
      scan.singleByte.winner === 'macintosh'
        ? { encoding: 'macintosh', notice: `${name} is not UTF-8 and its accents read as Mac Roman: read as such, as Excel for Mac saves "CSV (Macintosh)"${ambiguous} (--encoding to choose)` }
        : { encoding: 'windows-1252', notice: `${name} is not UTF-8: read as Windows-1252, as Excel saves CSV in Spanish locales${ambiguous} (--encoding to choose)` };
    return chance > 0 ? { ...choice, ambiguousSequences: true } : choice;
  }
  return {
    encoding: 'utf-8',
    notice: `${name} is UTF-8 with ${scan.invalidSequences} byte sequence(s) that are not${complete ? '' : ' in its first bytes'}: the lines holding them are rejected (--encoding windows-1252 if the whole file is)`,
  };
}

/** Text of a byte stream in `encoding`, a byte-order mark dropped; counts the bytes UTF-8 could not decode. */
export class DecodedText {
  readonly encoding: TextEncodingName;
  private readonly decoder: InstanceType<typeof TextDecoder>;
  /** UTF-8 is checked as it streams, by the same scan that chose it. */
  private readonly scan: Utf8Scan | undefined;
  /** Single-byte text whose well-formed UTF-8 sequences are marked (EncodingChoice.ambiguousSequences). */
  private readonly markSequences: boolean;
  private marked = 0;
  /** Last bytes of a chunk that may start a sequence the next chunk ends. */
  private held: Uint8Array = new Uint8Array(0);

  constructor(encoding: TextEncodingName, options: { ambiguousSequences?: boolean } = {}) {
    this.encoding = encoding;
    this.decoder = new TextDecoder(encoding);
    this.scan = encoding === 'utf-8' ? new Utf8Scan() : undefined;
    this.markSequences = encoding !== 'utf-8' && options.ambiguousSequences === true;
  }

  /** Byte sequences so far that were not UTF-8 (or, read single-byte, were UTF-8 too): each became U+FFFD, so its record is rejected. */
  get invalidBytes(): number {
    return this.scan?.invalidSequences ?? this.marked;
  }

  decode(chunk: Uint8Array): string {
    this.scan?.add(chunk);
    if (!this.markSequences) return this.decoder.decode(chunk, { stream: true });
    const bytes = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const end = completeLength(bytes);
    this.held = Uint8Array.from(bytes.subarray(end));
    return this.withSequencesMarked(bytes.subarray(0, end));
  }

  end(): string {
    this.scan?.finish();
    const rest = this.held;
    this.held = new Uint8Array(0);
    return (rest.length > 0 ? this.decoder.decode(rest) : '') + this.decoder.decode();
  }

  /** The bytes read single-byte (one character per byte), the first of each well-formed UTF-8 sequence as U+FFFD. */
  private withSequencesMarked(bytes: Uint8Array): string {
    const text = this.decoder.decode(bytes, { stream: true });
    let marked: string[] | undefined;
    for (let index = 0; index < bytes.length; index += 1) {
      if ((bytes[index] as number) < 0xc2) continue;
      const length = sequenceLength(bytes, index);
      if (length < 2) continue;
      marked ??= [...text];
      marked[index] = '\uFFFD';
      this.marked += 1;
      index += length - 1;
    }
    return marked ? marked.join('') : text;
  }
}
