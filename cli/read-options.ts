import type { Command } from 'commander';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { CSV_DELIMITERS, delimiterNamed, type CsvDelimiter } from '#shared/io/csv-records.ts';
import { ENCODING_LABELS, encodingNamed, type TextEncodingName } from '#shared/io/text-decoding.ts';
import { STDIO } from '#shared/io/text-source.ts';

/** The flags of every command that reads records from a file. */
export interface ReadFlags {
  encoding?: string;
  delimiter?: string;
}

export function addReadOptions(command: Command): Command {
  return command
    .option('--encoding <name>', 'text encoding of the input: utf-8, utf-16le, utf-16be, windows-1252, macintosh (default: detected)')
    .option('--delimiter <char>', 'CSV delimiter: , ; | or tab (default: sniffed from the header line)');
}

/** The flags as reader options; an unknown encoding or delimiter is a usage error. */
export function readOptionsOf(flags: ReadFlags): { encoding?: TextEncodingName; delimiter?: CsvDelimiter } {
  const options: { encoding?: TextEncodingName; delimiter?: CsvDelimiter } = {};
  if (flags.encoding !== undefined) {
    const encoding = encodingNamed(flags.encoding);
    if (!encoding) throw new UsageError(`--encoding must be one of ${ENCODING_LABELS.join(', ')} (got "${flags.encoding}")`);
    options.encoding = encoding;
  }
  if (flags.delimiter !== undefined) {
    const delimiter = delimiterNamed(flags.delimiter);
    if (!delimiter) throw new UsageError(`--delimiter must be one of ${CSV_DELIMITERS.map((char) => (char === '\t' ? 'tab' : char)).join(' ')} (got "${flags.delimiter}")`);
    options.delimiter = delimiter;
  }
  return options;
}

/** Said once for a CSV file whose header has no column for some configured fields: `what` (normalized, or loaded as) never happens to them. */
export function unmatchedFieldsNotice(input: string, missing: readonly string[], what: string): string {
  return `no column of ${input === STDIO ? 'standard input' : input} matches the configured field(s) ${missing.map((field) => `"${field}"`).join(', ')}; ${what} (--config to map your columns)`;
}
