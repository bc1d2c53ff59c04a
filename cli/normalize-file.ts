import { stat, unlink } from 'node:fs/promises';
import { ConfiguredFields } from '#shared/config/configured-fields.ts';
import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import type { InputRecord, NormalizedRecord } from '#shared/engine/batch-normalizer.ts';
import type { BatchRunner } from '#shared/engine/batch-runner.ts';
import { RunTally } from '#shared/eval/run-tally.ts';
import type { CsvDelimiter } from '#shared/io/csv-records.ts';
import { openOutputFile, type OutputFile } from '#shared/io/output-file.ts';
import { formatOfPath, readRecords, type RecordFormat } from '#shared/io/record-reader.ts';
import { createJsonLinesWriter, createRecordWriter, type RecordWriter } from '#shared/io/record-writer.ts';
import type { TextEncodingName } from '#shared/io/text-decoding.ts';
import { STDIO } from '#shared/io/text-source.ts';
import { createProgress } from './progress.ts';
import { unmatchedFieldsNotice } from './read-options.ts';

export interface NormalizeFileResult {
  records: number;
  rejected: number;
  rejectedPath: string | undefined;
  tally: RunTally;
}

interface PendingBatch {
  /** Each record as read, its attributes under the configured names, and which own name each came from. */
  items: Array<{ record: Record<string, unknown>; attributes: Readonly<Record<string, unknown>>; names: ReadonlyMap<string, string> }>;
  result: Promise<NormalizedRecord[]>;
}

/** The rejected lines of `output` go beside it (of standard output: to `normalize.rejected.jsonl`). */
export const rejectedPathOf = (output: string): string => (output === STDIO ? 'normalize.rejected.jsonl' : `${output}.rejected.jsonl`);

export interface NormalizeFileOptions {
  input: string;
  output: string;
  /** Default `rejectedPathOf(output)`. */
  rejectedPath?: string;
  config: NormalizationConfig;
  runner: BatchRunner;
  encoding?: TextEncodingName;
  delimiter?: CsvDelimiter;
  /** OWASP formula neutralization of CSV output; default on. */
  neutralizeFormulas?: boolean;
  /** How the input is read, when worth saying (its encoding, configured fields it lacks). */
  onNotice?: (message: string) => void;
}

/**
 * Streams `input` to `output` in batches, with up to `maxConcurrency` batches in flight and the
 * output in input order. Bad lines go to the rejected file with their line number and reason;
 * every good record is still written. Both files are written beside their place and put there
 * only when everything succeeded; on failure neither is touched.
 */
export async function normalizeFile(options: NormalizeFileOptions): Promise<NormalizeFileResult> {
  const { input, output, config, runner } = options;
  const rejectedPath = options.rejectedPath ?? rejectedPathOf(output);
  const size = input === STDIO ? 0 : (await stat(input)).size;
  const progress = createProgress(size, 'bytes');
  const fields = new ConfiguredFields(config);
  const tally = new RunTally(config);
  let inputFormat: RecordFormat = 'jsonl';
  let inputColumns: readonly string[] | undefined;
  let inputDelimiter: CsvDelimiter | undefined;
  let outputFile: OutputFile | undefined;
  let writer: RecordWriter | undefined;
  let rejectedFile: OutputFile | undefined;
  let rejectedWriter: RecordWriter | undefined;
  let rejected = 0;
  let bytesRead = 0;

  const openWriter = async (): Promise<RecordWriter> => {
    outputFile = await openOutputFile(output);
    const format = output === STDIO ? inputFormat : formatOfPath(output);
    const delimiter = /\.tsv$/i.test(output) ? '\t' : (inputDelimiter ?? ',');
    return createRecordWriter(outputFile, format, {
      delimiter,
      ...(options.neutralizeFormulas === undefined ? {} : { neutralizeFormulas: options.neutralizeFormulas }),
      ...(inputColumns ? { columns: { attributes: inputColumns } } : {}),
    });
  };
  const reject = async (line: number, reason: string, raw: string) => {
    rejected += 1;
    if (!rejectedWriter) {
      rejectedFile = await openOutputFile(rejectedPath);
      rejectedWriter = createJsonLinesWriter(rejectedFile);
    }
    await rejectedWriter.write({ line, reason, raw });
  };

  const inFlight: PendingBatch[] = [];
  let batch: PendingBatch['items'] = [];
  let batchInputs: InputRecord[] = [];

  const drainOldest = async () => {
    const oldest = inFlight.shift();
    if (!oldest) return;
    const normalized = await oldest.result;
    writer ??= await openWriter();
    for (const [index, result] of normalized.entries()) {
      const item = oldest.items[index];
      if (!item) continue;
      tally.add(item.attributes, result);
      await writer.write({
        ...item.record,
        normalizedData: fields.toOwnNames(result.normalizedData, item.names),
        normalizationMeta: fields.toOwnNames(result.normalizationMeta, item.names),
      });
    }
    progress.update(bytesRead, { records: tally.records });
  };

  const dispatch = async () => {
    if (batch.length === 0) return;
    const result = runner.normalize(batchInputs);
    // Awaited in order by drainOldest; this keeps a later batch's failure from going unhandled meanwhile.
    result.catch(() => undefined);
    inFlight.push({ items: batch, result });
    batch = [];
    batchInputs = [];
    if (inFlight.length >= config.maxConcurrency) await drainOldest();
  };

  try {
    for await (const item of readRecords(input, {
      idFields: [config.idField, 'id'],
      ...(options.encoding ? { encoding: options.encoding } : {}),
      ...(options.delimiter ? { delimiter: options.delimiter } : {}),
      ...(options.onNotice ? { onNotice: options.onNotice } : {}),
      onFormat: (format) => (inputFormat = format),
      onColumns: (columns, delimiter) => {
        inputColumns = columns;
        inputDelimiter = delimiter;
        const missing = fields.missingFrom(columns);
        if (missing.length > 0) {
          options.onNotice?.(unmatchedFieldsNotice(input, missing, 'they are not normalized'));
        }
      },
      onBytes: (bytes) => (bytesRead = bytes),
    })) {
      if (item.kind === 'rejected') {
        await reject(item.line, item.reason, item.raw);
        continue;
      }
      let configured: ReturnType<ConfiguredFields['toConfigured']>;
      try {
        configured = fields.toConfigured(item.record);
      } catch (error) {
        await reject(item.line, (error as Error).message, JSON.stringify(item.record));
        continue;
      }
      batch.push({ record: item.record, ...configured });
      batchInputs.push({ id: item.id, attributes: configured.attributes });
      if (batch.length >= config.batchSize) await dispatch();
    }
    await dispatch();
    while (inFlight.length > 0) await drainOldest();
    writer ??= await openWriter();
    await writer.flush();
    await rejectedWriter?.flush();
    await outputFile?.commit();
    await rejectedFile?.commit();
  } catch (error) {
    await outputFile?.abort();
    await rejectedFile?.abort();
    throw error;
  } finally {
    progress.stop();
  }
  // The rejected file of an earlier run would tell of lines this run read fine.
  if (!rejectedFile && rejectedPath !== STDIO) await unlink(rejectedPath).catch(() => undefined);
  return { records: tally.records, rejected, rejectedPath: rejectedFile ? rejectedPath : undefined, tally };
}
