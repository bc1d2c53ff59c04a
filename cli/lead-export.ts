import { PIPELINE_OWNED_ATTRIBUTES } from '#shared/config/pipeline-owned-attributes.ts';
import type { LeadStore } from '#shared/stores/store-ports.ts';
import type { OutputFile } from '#shared/io/output-file.ts';
import type { RecordFormat } from '#shared/io/record-reader.ts';
import { createRecordWriter, type CsvWriteOptions } from '#shared/io/record-writer.ts';

/** What the pipeline writes on a lead besides normalizedData and normalizationMeta: last in a CSV row. */
const BOOKKEEPING = ['normalizedAt', 'updatedAt', 'normalizationVersion', 'normalizationSourceHash', 'normalizationRunId'];
const NESTED = new Set(['normalizedData', 'normalizationMeta']);
/**
 * The rest of what the pipeline keeps on a lead (its earlier versions, a steward's pending request)
 * is the workbench's working data, not the lead: left out (`normflow runs rollback` uses it).
 */
const HIDDEN = new Set(PIPELINE_OWNED_ATTRIBUTES.filter((name) => !NESTED.has(name) && !BOOKKEEPING.includes(name)));
const LEAD_KEY = 'leadId';
const GET_CHUNK = 100;
const CHUNKS_IN_FLIGHT = 4;

/** Ids in natural order: `L-2` before `L-10`, whatever the locale. */
const byId = new Intl.Collator('en', { numeric: true }).compare;

/**
 * Writes every lead, sorted by id, in two passes over the table so memory holds ids and column
 * names, never the leads: the first collects them (a CSV then has one column per attribute any
 * lead has), the second reads the leads back in id order. A lead deleted in between is skipped.
 */
export async function exportLeads(
  leads: Pick<LeadStore, 'scanAll' | 'getMany'>,
  output: OutputFile,
  format: RecordFormat,
  options: Omit<CsvWriteOptions, 'columns'> = {},
): Promise<{ exported: number }> {
  const ids: string[] = [];
  const attributes = new Set<string>([LEAD_KEY]);
  const normalized = new Set<string>();
  for await (const item of leads.scanAll()) {
    ids.push(String(item[LEAD_KEY]));
    for (const key of Object.keys(item)) if (!NESTED.has(key) && !BOOKKEEPING.includes(key) && !HIDDEN.has(key)) attributes.add(key);
    for (const key of Object.keys((item.normalizedData ?? {}) as object)) normalized.add(key);
  }
  ids.sort(byId);
  const writer = createRecordWriter(output, format, {
    ...options,
    columns: { attributes: [...attributes, ...BOOKKEEPING], normalized: [...normalized] },
  });
  let exported = 0;
  const chunks: string[][] = [];
  for (let start = 0; start < ids.length; start += GET_CHUNK) chunks.push(ids.slice(start, start + GET_CHUNK));
  // A few chunks are fetched ahead while one is written, in order.
  const fetched = chunks.slice(0, CHUNKS_IN_FLIGHT).map((chunk) => leads.getMany(chunk));
  for (let index = 0; index < chunks.length; index += 1) {
    const found = await (fetched[index] as Promise<Map<string, Record<string, unknown>>>);
    const ahead = chunks[index + CHUNKS_IN_FLIGHT];
    if (ahead) fetched.push(leads.getMany(ahead));
    for (const id of chunks[index] ?? []) {
      const item = found.get(id);
      if (!item) continue;
      await writer.write(Object.fromEntries(Object.entries(item).filter(([key]) => !HIDDEN.has(key))));
      exported += 1;
    }
  }
  await writer.flush();
  return { exported };
}
