/** One physical line: its text, the line break that ended it (`''` at the end of the text) and its 1-based number. */
export interface TextLine {
  text: string;
  lineBreak: '\n' | '\r\n' | '\r' | '';
  number: number;
  /** Set when the line was longer than the cap: `text` then holds only its start, the rest was skipped. */
  tooLong?: true;
}

/** No record needs more; a longer line is reported, not held in memory. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

/**
 * Splits streamed text into lines at LF, CRLF or a lone CR (old Mac files), as readline does,
 * keeping each line's own break so a CSV value spanning lines keeps its exact text.
 */
export async function* textLines(chunks: AsyncIterable<string>, maxLineChars = MAX_LINE_CHARS): AsyncGenerator<TextLine> {
  let partial = '';
  let skipping = false;
  let number = 0;
  let pendingCr = false;
  const emit = (text: string, lineBreak: TextLine['lineBreak']): TextLine => {
    number += 1;
    const line: TextLine = skipping ? { text: partial.slice(0, 200), lineBreak, number, tooLong: true } : { text, lineBreak, number };
    partial = '';
    skipping = false;
    return line;
  };
  for await (const chunk of chunks) {
    let start = 0;
    if (pendingCr) {
      pendingCr = false;
      if (chunk.startsWith('\n')) {
        yield emit(partial, '\r\n');
        start = 1;
      } else {
        yield emit(partial, '\r');
      }
    }
    while (start < chunk.length) {
      const lf = chunk.indexOf('\n', start);
      const cr = chunk.indexOf('\r', start);
      const at = cr >= 0 && (lf < 0 || cr < lf) ? cr : lf;
      if (at < 0) {
        append(chunk.slice(start));
        break;
      }
      append(chunk.slice(start, at));
      if (chunk[at] === '\n') {
        yield emit(partial, '\n');
        start = at + 1;
      } else if (at + 1 < chunk.length) {
        const crlf = chunk[at + 1] === '\n';
        yield emit(partial, crlf ? '\r\n' : '\r');
        start = at + (crlf ? 2 : 1);
      } else {
        // A CR at the end of a chunk: whether it is CRLF shows in the next one.
        pendingCr = true;
        start = chunk.length;
      }
    }
  }
  if (pendingCr) yield emit(partial, '\r');
  else if (partial !== '' || skipping) yield emit(partial, '');

  function append(text: string): void {
    if (skipping) return;
    if (partial.length + text.length > maxLineChars) {
      partial = (partial + text.slice(0, 200)).slice(0, 200);
      skipping = true;
      return;
    }
    partial += text;
  }
}
