import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError } from '#shared/errors/normflow-errors.ts';
import { chooseEncoding, DecodedText, encodingOfBom, Utf8Scan, type EncodingChoice, type TextEncodingName } from './text-decoding.ts';

/** The file name that means standard input (or output). */
export const STDIO = '-';

/** How many bytes of a pipe are looked at before its encoding is chosen (a file is scanned whole). */
const PIPE_SAMPLE_BYTES = 1 << 20;
const START_BYTES = 64 * 1024;

export interface TextSourceOptions {
  /** Forced encoding (`--encoding`); detected when absent. */
  encoding?: TextEncodingName;
  /** A remark about how the input is read (its encoding), said once. */
  onNotice?: (message: string) => void;
  /** Called with the bytes read so far (for a progress bar). */
  onBytes?: (bytesRead: number) => void;
}

export interface TextSource {
  /** The file name, or `standard input`. */
  name: string;
  encoding: TextEncodingName;
  text: AsyncIterable<string>;
  /** Byte sequences met so far that were not valid in the encoding (each decoded as U+FFFD). */
  invalidBytes(): number;
}

/** Files people give for a table that are not text: the first bytes say which, and what to do instead. */
const BINARY_KINDS: ReadonlyArray<{ magic: readonly number[]; kind: string }> = [
  { magic: [0x50, 0x4b, 0x03, 0x04], kind: 'a spreadsheet workbook (Excel .xlsx, LibreOffice .ods) or another zip file' },
  { magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], kind: 'an old Excel workbook (.xls)' },
  { magic: [0x25, 0x50, 0x44, 0x46], kind: 'a PDF' },
];

/** Refuses, in one line, a workbook or a PDF given where a CSV or JSON lines file belongs. */
function refuseBinary(start: Uint8Array, name: string): void {
  const found = BINARY_KINDS.find(({ magic }) => magic.every((byte, index) => start[index] === byte));
  if (found) {
    throw new InputError(`${name} is ${found.kind}, not text: save the sheet as CSV (Excel: File → Save As → CSV UTF-8) and give that file`);
  }
}

/**
 * The text of a file (or of standard input for `-`), streamed, in its detected or forced
 * encoding. A file is scanned once before it is read, so its encoding is chosen from all of its
 * bytes; a pipe from its first MiB. Memory stays bounded either way.
 */
export async function openTextSource(input: string, options: TextSourceOptions = {}): Promise<TextSource> {
  if (input === STDIO) return openPipe(process.stdin, 'standard input', options);
  const start = await readStart(input);
  const choice = await encodingOf(start, input, options, async () => ({ scan: await scanFile(input), complete: true }));
  return decodedSource(input, choice, createReadStream(input), options);
}

/**
 * The encoding a text is read in, from its first bytes: forced (`--encoding`), marked by a BOM, or
 * chosen from a scan of its bytes (asked for only then). A workbook or a PDF is refused first.
 */
async function encodingOf(
  start: Uint8Array,
  name: string,
  options: TextSourceOptions,
  scanned: () => Promise<{ scan: Utf8Scan; complete: boolean }>,
): Promise<EncodingChoice> {
  refuseBinary(start, name);
  let choice: EncodingChoice | undefined = options.encoding ? { encoding: options.encoding } : undefined;
  if (!choice) {
    const marked = encodingOfBom(start);
    if (marked) {
      choice = { encoding: marked };
    } else {
      const { scan, complete } = await scanned();
      choice = chooseEncoding(start.subarray(0, START_BYTES), scan, name, complete);
    }
  }
  if (choice.notice) options.onNotice?.(choice.notice);
  return choice;
}

function decodedSource(name: string, choice: EncodingChoice, bytes: AsyncIterable<Buffer | string>, options: TextSourceOptions): TextSource {
  const decoded = new DecodedText(choice.encoding, { ambiguousSequences: choice.ambiguousSequences === true });
  return { name, encoding: choice.encoding, text: decodeStream(bytes, decoded, options.onBytes), invalidBytes: () => decoded.invalidBytes };
}

async function readStart(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(START_BYTES);
    const { bytesRead } = await file.read(buffer, 0, START_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

async function scanFile(path: string): Promise<Utf8Scan> {
  const scan = new Utf8Scan();
  for await (const chunk of createReadStream(path)) {
    scan.add(chunk as Buffer);
    // Not UTF-8 in places but a whole chunk of UTF-8 elsewhere: the choice is made, whatever follows.
    if (scan.invalidSequences > 0 && scan.wholeChunkNonAscii) return scan;
  }
  scan.finish();
  return scan;
}

async function openPipe(stream: NodeJS.ReadableStream, name: string, options: TextSourceOptions): Promise<TextSource> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const sample: Buffer[] = [];
  let sampled = 0;
  let ended = false;
  while (sampled < PIPE_SAMPLE_BYTES) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    sample.push(next.value);
    sampled += next.value.length;
  }
  const start = Buffer.concat(sample);
  const choice = await encodingOf(start, name, options, async () => {
    const scan = new Utf8Scan();
    scan.add(start);
    if (ended) scan.finish();
    return { scan, complete: ended };
  });
  async function* all(): AsyncGenerator<Buffer> {
    yield start;
    if (ended) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  return decodedSource(name, choice, all(), options);
}

async function* decodeStream(bytes: AsyncIterable<Buffer | string>, decoded: DecodedText, onBytes?: (bytesRead: number) => void): AsyncGenerator<string> {
  let read = 0;
  for await (const chunk of bytes) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    read += buffer.length;
    onBytes?.(read);
    const text = decoded.decode(buffer);
    if (text) yield text;
  }
  const rest = decoded.end();
  if (rest) yield rest;
}
