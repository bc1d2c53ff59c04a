import { MAX_LINE_CHARS, type TextLine } from './text-lines.ts';

export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** The delimiter an option value names (`,` `;` `|`, and `tab` or `\t` for a tab). */
export function delimiterNamed(value: string): CsvDelimiter | undefined {
  const named = value === 'tab' || value === '\\t' ? '\t' : value;
  return (CSV_DELIMITERS as readonly string[]).includes(named) ? (named as CsvDelimiter) : undefined;
}

/**
 * The delimiter of a line: the candidate found most often outside quotes, ties going to the
 * earlier of `,` `;` tab `|`; undefined for a line with none of them (one value, whatever the
 * delimiter: a report's title above the header, or a file of one column).
 */
function sniffDelimiter(line: string): CsvDelimiter | undefined {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (!quoted) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best: CsvDelimiter | undefined;
  for (const candidate of CSV_DELIMITERS) if ((counts.get(candidate) ?? 0) > (best === undefined ? 0 : (counts.get(best) ?? 0))) best = candidate;
  return best;
}

/**
 * Excel's delimiter directive: a first line `sep=;` (written by tools that want Excel to split
 * the file whatever the locale's list separator) names the delimiter and is not a row.
 */
const SEP_DIRECTIVE = /^ *"?sep=(.)"? *$/i;

export type CsvRow =
  | { kind: 'row'; line: number; fields: string[]; raw: string }
  | { kind: 'malformed'; line: number; reason: string; raw: string };

/** A quoted value may span lines up to this size; a quote still open after it is taken as stray. */
export const MAX_QUOTED_RECORD_CHARS = 1024 * 1024;

/**
 * CSV rows (RFC 4180) from physical lines. A row spans lines only inside a quoted value. A row
 * that is not well-formed comes out `malformed` with its line number and the rest goes on:
 * - a stray quote inside an unquoted value, or text after a closing quote: that row;
 * - a quote that never closes (by the end of the file, or within `MAX_QUOTED_RECORD_CHARS`), or
 *   a value spanning lines that turns out malformed: only the row's first line, and reading
 *   resumes at the next line, so one stray quote cannot swallow the rows after it.
 * Blank lines are skipped. Spaces around a quoted value are allowed (`a, "b"`). A first line
 * `sep=X` names the delimiter (SEP_DIRECTIVE) and is skipped.
 */
export async function* csvRows(
  lines: AsyncIterable<TextLine>,
  /** `delimiter` is read again while none is sniffed: a caller may settle it between rows. */
  options: { delimiter?: CsvDelimiter; onDelimiter?: (sniffed: CsvDelimiter) => void } = {},
): AsyncGenerator<CsvRow> {
  const source = lines[Symbol.asyncIterator]();
  /** Lines read ahead while looking for a closing quote, given back when it was a stray one. */
  let replay: TextLine[] = [];
  let replayAt = 0;
  const giveBack = (lines: TextLine[]) => {
    replay = [...lines, ...replay.slice(replayAt)];
    replayAt = 0;
  };
  const nextLine = async (): Promise<TextLine | undefined> => {
    if (replayAt < replay.length) return replay[replayAt++];
    const next = await source.next();
    return next.done ? undefined : next.value;
  };
  let delimiter = options.delimiter;
  let sawFirstRow = false;

  for (let first = await nextLine(); first; first = await nextLine()) {
    if (first.tooLong) {
      yield { kind: 'malformed', line: first.number, reason: `line longer than ${MAX_LINE_CHARS / 1024 / 1024} MiB`, raw: first.text };
      continue;
    }
    if (first.text.trim() === '') continue;
    if (!sawFirstRow) {
      sawFirstRow = true;
      const directive = SEP_DIRECTIVE.exec(first.text);
      if (directive) {
        const named = directive[1] as string;
        if (!(CSV_DELIMITERS as readonly string[]).includes(named)) {
          yield { kind: 'malformed', line: first.number, reason: `it names the delimiter "${named}" (Excel's sep= line), which is not one of , ; tab |`, raw: first.text };
          return;
        }
        // A --delimiter given on the command line still wins; the line is Excel's, not a row.
        if (!delimiter) {
          delimiter = named as CsvDelimiter;
          options.onDelimiter?.(delimiter);
        }
        continue;
      }
    }
    // Sniffed from the first line that has one (a line with none reads the same with any), until
    // the caller settles it in `options` (a header of one column: no delimiter is ever sniffed).
    delimiter ??= options.delimiter;
    if (!delimiter) {
      delimiter = sniffDelimiter(first.text);
      if (delimiter) options.onDelimiter?.(delimiter);
    }
    const taken = [first];
    let open = countQuotes(first.text) % 2 === 1;
    let size = first.text.length;
    while (open && size <= MAX_QUOTED_RECORD_CHARS) {
      const next = await nextLine();
      if (!next) break;
      taken.push(next);
      size += next.text.length;
      if (next.tooLong) break;
      if (countQuotes(next.text) % 2 === 1) open = false;
    }
    if (open || taken.some((line) => line.tooLong)) {
      giveBack(taken.slice(1));
      yield { kind: 'malformed', line: first.number, reason: 'a quote opened on this line is never closed', raw: first.text };
      continue;
    }
    const raw = taken.map((line, index) => (index < taken.length - 1 ? line.text + line.lineBreak : line.text)).join('');
    const split = splitCsvRecord(raw, delimiter ?? ',');
    if ('error' in split) {
      if (taken.length > 1) {
        giveBack(taken.slice(1));
        yield { kind: 'malformed', line: first.number, reason: `${split.error} (in a quoted value that spans lines ${first.number}–${taken.at(-1)?.number}; read again from line ${first.number + 1})`, raw: first.text };
      } else {
        yield { kind: 'malformed', line: first.number, reason: split.error, raw };
      }
      continue;
    }
    yield { kind: 'row', line: first.number, fields: split.fields, raw };
  }
}

function countQuotes(text: string): number {
  let count = 0;
  for (let index = text.indexOf('"'); index >= 0; index = text.indexOf('"', index + 1)) count += 1;
  return count;
}

/**
 * Excel's text literal `="00123"`: what export tools write so that a spreadsheet keeps an id's
 * leading zeros (and Excel reads whether the cell is quoted or not). Its value is the text inside.
 */
const EXCEL_TEXT_LITERAL = /^="((?:[^"]|"")*)"$/;

const textOfCell = (value: string): string => {
  const literal = EXCEL_TEXT_LITERAL.exec(value);
  return literal ? (literal[1] as string).replaceAll('""', '"') : value;
};

/** Splits one record's text into its values (RFC 4180 quoting), or says what is wrong with it. */
function splitCsvRecord(text: string, delimiter: CsvDelimiter): { fields: string[] } | { error: string } {
  const fields: string[] = [];
  const isPadding = (char: string | undefined) => char === ' ' || (char === '\t' && delimiter !== '\t');
  let index = 0;
  for (;;) {
    let start = index;
    while (isPadding(text[start])) start += 1;
    // An unquoted `="…"` is read as quoted text after its `=` (kept, for textOfCell to see the literal).
    const literal = text[start] === '=' && text[start + 1] === '"';
    if (text[start] === '"' || literal) {
      let value = literal ? '="' : '';
      let at = start + (literal ? 2 : 1);
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote < 0) return { error: `the quote opening value ${fields.length + 1} is never closed` };
        value += text.slice(at, quote);
        if (text[quote + 1] === '"') {
          value += literal ? '""' : '"';
          at = quote + 2;
          continue;
        }
        at = quote + 1;
        break;
      }
      if (literal) value += '"';
      while (isPadding(text[at])) at += 1;
      fields.push(textOfCell(value));
      if (at === text.length) return { fields };
      if (text[at] !== delimiter) return { error: `text after the closing quote of value ${fields.length}` };
      index = at + 1;
    } else {
      const end = text.indexOf(delimiter, index);
      const value = end < 0 ? text.slice(index) : text.slice(index, end);
      if (value.includes('"')) return { error: `stray quote in value ${fields.length + 1} (a value with a quote must be quoted, its quotes doubled)` };
      fields.push(value);
      if (end < 0) return { fields };
      index = end + 1;
    }
    if (index === text.length) {
      fields.push('');
      return { fields };
    }
  }
}
