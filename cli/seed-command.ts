import { rm, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR, startLocalEnvironment, type LocalEnvironment } from '#infra/local/local-runtime.ts';
import { ConfiguredFields } from '#shared/config/configured-fields.ts';
import { foldFieldName } from '#shared/config/field-names.ts';
import { mergeConfigLayers, parseConfig, type NormalizationConfig } from '#shared/config/normalization-config.ts';
import { isPipelineOwned } from '#shared/config/pipeline-owned-attributes.ts';
import type { CsvDelimiter } from '#shared/io/csv-records.ts';
import { readRecords } from '#shared/io/record-reader.ts';
import type { TextEncodingName } from '#shared/io/text-decoding.ts';
import { CONFIG_ID } from '#shared/pipeline/pipeline-types.ts';
import type { LeadItem, SeedOutcome, SeedRecord } from '#shared/stores/store-ports.ts';
import { loadCliConfig, readJsonConfigFile } from './cli-config.ts';
import { adoptSeedConfig } from './config-command.ts';
import { checkInputFile } from './file-arguments.ts';
import { addReadOptions, readOptionsOf, unmatchedFieldsNotice, type ReadFlags } from './read-options.ts';
import { localStores } from './local-stores.ts';

/** Records read, checked against the table and written per round (one BatchGetItem of 100 keys). */
const SEED_CHUNK = 100;
/** Rejected lines listed in the result; the count covers them all. */
const MAX_LISTED_REJECTIONS = 1_000;

export interface SeedCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Existing leads left alone because of `insertOnly`. */
  kept: number;
  rejected: number;
}

export interface SeedResult {
  counts: SeedCounts;
  /** The first rejected lines, in file order. */
  rejected: Array<{ line: number; reason: string }>;
}

export interface SeedOptions {
  insertOnly?: boolean;
  /**
   * Where the id and the configured fields are found (`idField`, then `id`; `fields`). Without it,
   * the config `run` would use: the store's config item over the defaults.
   */
  config?: NormalizationConfig;
  /** Forced text encoding and CSV delimiter (detected and sniffed when absent). */
  encoding?: TextEncodingName;
  delimiter?: CsvDelimiter;
  /** How the input is being read, when worth saying (an encoding other than UTF-8). */
  onNotice?: (message: string) => void;
}

/** How the CSV reader names a column whose header is empty. */
const UNNAMED_COLUMN = /^_column\d+$/;

/** Each configured field by its folded name, worked out once per config (not once per line). */
const foldedFields = new WeakMap<NormalizationConfig, ReadonlyMap<string, string>>();

function configuredByFoldedName(config: NormalizationConfig): ReadonlyMap<string, string> {
  let configured = foldedFields.get(config);
  if (!configured) {
    configured = new Map(Object.keys(config.fields).map((field) => [foldFieldName(field), field]));
    foldedFields.set(config, configured);
  }
  return configured;
}

/**
 * The record as a lead item: the id under `leadId` (the table's key), configured fields under
 * their configured spelling however the header writes them (case, accents, spacing: field-names.ts).
 * A column without a header (Excel's trailing `;`, named `_column<N>` by the reader) is dropped
 * where it is empty and kept under that name where it holds a value: nothing typed is lost.
 * Returns a reason instead when the line cannot be a lead.
 */
export function leadItemOf(record: Record<string, unknown>, id: string, config: NormalizationConfig): LeadItem | string {
  const configured = configuredByFoldedName(config);
  const item: LeadItem = {};
  const sourceOf = new Map<string, string>();
  for (const [name, value] of Object.entries(record)) {
    const unnamed = name.trim() === '' || UNNAMED_COLUMN.test(name);
    if (unnamed && (value === '' || value === null || value === undefined)) continue;
    if (name.trim() === '') return 'a value under an empty attribute name (DynamoDB refuses empty names)';
    const field = configured.get(foldFieldName(name)) ?? name;
    const earlier = sourceOf.get(field);
    if (earlier !== undefined) return `columns "${earlier}" and "${name}" both name the field "${field}"`;
    sourceOf.set(field, name);
    item[field] = value;
  }
  if (item.leadId !== undefined && String(item.leadId).trim() !== id) {
    return `"leadId" (the table's key) differs from the id in "${config.idField}"`;
  }
  item.leadId = id;
  return item;
}

/**
 * A record normflow wrote (an export of a store, a normalize output) without the pipeline's own
 * attributes: they are the old store's or the file's, and a run writes them again. So a steward can
 * export, correct originals in a spreadsheet and seed the file back. (In any other file such an
 * attribute is the user's own, and the line is rejected, saying so: it would be overwritten.)
 */
function originalsOf(record: Record<string, unknown>, dropped: Set<string>): Record<string, unknown> {
  const originals: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) {
    if (isPipelineOwned(name)) dropped.add(name);
    else originals[name] = value;
  }
  return originals;
}

/**
 * Loads CSV, JSON lines or JSON array records into the local leads table without destroying anything (see
 * LeadStore.seed): counts inserted / updated / unchanged / kept / rejected. A line is rejected on
 * its own — not a record, no id, an id already used by an earlier line, an attribute the pipeline
 * owns, or an item DynamoDB would refuse — and every other line loads.
 */
export async function seedLeads(local: LocalEnvironment, input: string, options: SeedOptions = {}): Promise<SeedResult> {
  const { leads } = localStores(local);
  const counts: SeedCounts = { inserted: 0, updated: 0, unchanged: 0, kept: 0, rejected: 0 };
  const rejected: SeedResult['rejected'] = [];
  const reject = (line: number, reason: string) => {
    counts.rejected += 1;
    if (rejected.length < MAX_LISTED_REJECTIONS) rejected.push({ line, reason });
  };
  const record = (outcome: SeedOutcome) => {
    if (outcome.outcome === 'rejected') reject(outcome.line, outcome.reason);
    else counts[outcome.outcome] += 1;
  };
  /** Pipeline attributes left out of the records normflow wrote. */
  const ownDropped = new Set<string>();
  /** Line of the first record of each id, whatever became of it: a later one is a duplicate. */
  const firstLineOf = new Map<string, number>();
  let chunk: SeedRecord[] = [];
  const flush = async () => {
    // Rejections by the store come back with their lines; the report sorts everything by line.
    for (const outcome of await leads.seed(chunk, { insertOnly: options.insertOnly ?? false })) record(outcome);
    chunk = [];
  };

  // Headers are matched to the fields the pipeline will read, or a spreadsheet's `Nombres` would be
  // stored as typed and `run` would find none of the configured fields on it.
  const config = options.config ?? parseConfig(mergeConfigLayers(await localStores(local).config.getConfig(CONFIG_ID)));
  const readOptions = {
    idFields: [...new Set([config.idField, 'id'])],
    ...(options.encoding ? { encoding: options.encoding } : {}),
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    onColumns: (columns: readonly string[]) => {
      const missing = new ConfiguredFields(config).missingFrom(columns);
      if (missing.length > 0) options.onNotice?.(unmatchedFieldsNotice(input, missing, 'run will not normalize them on these leads'));
    },
  };
  for await (const read of readRecords(input, readOptions)) {
    if (read.kind === 'rejected') {
      reject(read.line, read.reason);
      continue;
    }
    const firstLine = firstLineOf.get(read.id);
    if (firstLine !== undefined) {
      reject(read.line, `id "${read.id}" already on line ${firstLine}`);
      continue;
    }
    firstLineOf.set(read.id, read.line);
    const item = leadItemOf(read.writtenByNormflow ? originalsOf(read.record, ownDropped) : read.record, read.id, config);
    if (typeof item === 'string') {
      reject(read.line, item);
      continue;
    }
    chunk.push({ line: read.line, item });
    if (chunk.length >= SEED_CHUNK) await flush();
  }
  if (chunk.length > 0) await flush();
  if (ownDropped.size > 0) {
    options.onNotice?.(`${input} was written by normflow (an export or a normalize output): its pipeline attributes (${[...ownDropped].join(', ')}) were not loaded; runs write them again`);
  }
  rejected.sort((a, b) => a.line - b.line);
  return { counts, rejected };
}

export function formatSeedCounts(counts: SeedCounts, insertOnly: boolean): string {
  const parts = [`inserted ${counts.inserted}`, `updated ${counts.updated}`, `unchanged ${counts.unchanged}`];
  if (insertOnly || counts.kept > 0) parts.push(`kept ${counts.kept} (already there, --insert-only)`);
  parts.push(`rejected ${counts.rejected}`);
  return parts.join(', ');
}

export function reportRejectedLines(result: SeedResult, label = ''): void {
  for (const { line, reason } of result.rejected.slice(0, 20)) console.error(`${label}line ${line}: ${reason}`);
  if (result.counts.rejected > 20) console.error(`… and ${result.counts.rejected - 20} more`);
}

export function registerSeedCommand(program: Command): void {
  const command = program
    .command('seed')
    .description('load records (CSV, JSON lines or a JSON array, each with leadId or id) into the local leads table; nothing is overwritten blindly')
    .requiredOption('--input <file>', 'records to load (.csv, .jsonl or .json; - for standard input)');
  addReadOptions(command)
    .option('--insert-only', 'add new leads only; never touch one that exists')
    .option('--config <file>', 'normalization config: its idField names the id column, its fields match headers whatever their case')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .action(async (options: ReadFlags & { input: string; insertOnly?: boolean; config?: string; dataDir: string }) => {
      // A mistyped file must not leave a new, empty store behind.
      await checkInputFile(options.input);
      // Read once: it configures this seed, and a new store keeps it (adoptSeedConfig).
      const configFile = options.config ? await readJsonConfigFile(options.config) : undefined;
      const config = configFile ? await loadCliConfig({}, [configFile]) : undefined;
      const read = { ...readOptionsOf(options), onNotice: (notice: string) => console.error(`normflow: note: ${notice}`) };
      const newStore = !(await pathExists(options.dataDir));
      const local = await startLocalEnvironment({ dataDir: options.dataDir });
      try {
        const insertOnly = options.insertOnly ?? false;
        const result = await seedLeads(local, options.input, { insertOnly, ...read, ...(config ? { config } : {}) });
        console.log(`${formatSeedCounts(result.counts, insertOnly)} — ${local.env.LEADS_TABLE}`);
        if (result.counts.updated > 0) console.log(`${result.counts.updated} updated lead(s) had other originals: they are due for normalization again.`);
        const loaded = result.counts.inserted + result.counts.updated + result.counts.unchanged;
        if (options.config && configFile && loaded > 0) {
          const note = await adoptSeedConfig(localStores(local).config, configFile, options.config);
          if (note) console.error(`normflow: note: ${note}`);
        }
        if (result.counts.rejected > 0) {
          reportRejectedLines(result);
          console.error(`${result.counts.rejected} line(s) rejected; every other record was loaded.`);
          process.exitCode = 1;
        }
      } finally {
        // A store this seed created and left without a lead (a file of the wrong kind, every line
        // rejected) is not left behind: the next command would find an empty store, not the cause.
        const leftEmpty = newStore && (await localStores(local).leads.count().catch(() => 1)) === 0;
        await local.close();
        if (leftEmpty) await rm(options.dataDir, { recursive: true, force: true });
      }
    });
}

const pathExists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );
