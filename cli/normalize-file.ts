import { stat } from 'node:fs/promises';
import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import type { InputRecord, NormalizedRecord } from '#shared/engine/batch-normalizer.ts';
import type { BatchRunner } from '#shared/engine/batch-runner.ts';
import { RunTally } from '#shared/eval/run-tally.ts';
import { formatOfPath, readRecords, type ReadItem } from '#shared/io/record-reader.ts';
import { createJsonLinesWriter, createRecordWriter, type RecordWriter } from '#shared/io/record-writer.ts';
import { createProgress } from './progress.ts';

export interface NormalizeFileResult {
  records: number;
  rejected: number;
  rejectedPath: string | undefined;
  tally: RunTally;
}

interface PendingBatch {
  originals: Array<Record<string, unknown>>;
  result: Promise<NormalizedRecord[]>;
}

/** The rejected lines of `output` go beside it. */
export const rejectedPathOf = (output: string): string => `${output}.rejected.jsonl`;

/**
 * Streams `input` to `output` in batches, with up to `maxConcurrency` batches in flight and the
 * output in input order. Bad lines go to `<output>.rejected.jsonl` with their line number and
 * reason; every good record is still written.
 */
export async function normalizeFile(options: {
  input: string;
  output: string;
  config: NormalizationConfig;
  runner: BatchRunner;
}): Promise<NormalizeFileResult> {
  const { input, output, config, runner } = options;
  const size = (await stat(input)).size;
  const progress = createProgress(size, 'bytes');
  const writer = createRecordWriter(output, formatOfPath(output));
  const tally = new RunTally(config);
  let rejectedWriter: RecordWriter | undefined;
  let rejected = 0;
  let bytesRead = 0;

  const inFlight: PendingBatch[] = [];
  let batch: ReadItem[] = [];

  const drainOldest = async () => {
    const oldest = inFlight.shift();
    if (!oldest) return;
    const normalized = await oldest.result;
    for (const [index, record] of normalized.entries()) {
      const original = oldest.originals[index] ?? {};
      tally.add(original, record);
      await writer.write({ ...original, normalizedData: record.normalizedData, normalizationMeta: record.normalizationMeta });
    }
    progress.update(bytesRead, { records: tally.records });
  };

  const dispatch = async () => {
    const records = batch.filter((item) => item.kind === 'record');
    batch = [];
    if (records.length === 0) return;
    const inputs: InputRecord[] = records.map((item) => ({ id: item.id, attributes: item.record }));
    const result = runner.normalize(inputs);
    // Awaited in order by drainOldest; this keeps a later batch's failure from going unhandled meanwhile.
    result.catch(() => undefined);
    inFlight.push({ originals: records.map((item) => item.record), result });
    if (inFlight.length >= config.maxConcurrency) await drainOldest();
  };

  try {
    for await (const item of readRecords(input, {
      format: formatOfPath(input),
      idFields: [config.idField, 'id'],
      onBytes: (bytes) => (bytesRead = bytes),
    })) {
      if (item.kind === 'rejected') {
        rejected += 1;
        rejectedWriter ??= createJsonLinesWriter(rejectedPathOf(output));
        await rejectedWriter.write({ line: item.line, reason: item.reason, raw: item.raw });
        continue;
      }
      batch.push(item);
      if (batch.length >= config.batchSize) await dispatch();
    }
    await dispatch();
    while (inFlight.length > 0) await drainOldest();
  } finally {
    progress.stop();
    await writer.close();
    await rejectedWriter?.close();
  }
  return { records: tally.records, rejected, rejectedPath: rejectedWriter ? rejectedPathOf(output) : undefined, tally };
}
