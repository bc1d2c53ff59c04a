import type { Command } from 'commander';
import { DEFAULT_DATA_DIR, startLocalEnvironment } from '#infra/local/local-runtime.ts';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { openOutputFile } from '#shared/io/output-file.ts';
import { formatOfPath } from '#shared/io/record-reader.ts';
import { STDIO } from '#shared/io/text-source.ts';
import { isPipelineOwned } from '#shared/config/pipeline-owned-attributes.ts';
import { checkDataDir } from './data-dir.ts';
import { exportLeads } from './lead-export.ts';
import { readOptionsOf } from './read-options.ts';
import { registerDuplicatesCommand } from './duplicates-command.ts';
import { registerForgetCommand } from './forget-command.ts';
import { registerLeadsListCommand } from './leads-list-command.ts';
import { localStores } from './local-stores.ts';


export function registerLeadsCommand(program: Command): void {
  const leads = program.command('leads').description('look at the leads table: list by facet, find duplicates, show, export, forget');
  registerLeadsListCommand(leads);
  registerDuplicatesCommand(leads);
  registerForgetCommand(leads);

  leads
    .command('show <id>')
    .description('original and normalized values of one lead, side by side')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .action(async (id: string, options: { dataDir: string }) => {
      await checkDataDir(options.dataDir);
      const local = await startLocalEnvironment({ dataDir: options.dataDir });
      try {
        const item = (await localStores(local).leads.getMany([id])).get(id);
        if (!item) throw new UsageError(`no lead "${id}" in the local table`);
        const normalized = (item.normalizedData ?? {}) as Record<string, unknown>;
        const meta = (item.normalizationMeta ?? {}) as Record<string, { source?: string; flags?: string[] }>;
        const fields = [...new Set([...Object.keys(item).filter((key) => !isPipelineOwned(key)), ...Object.keys(normalized)])];
        const width = Math.max(...fields.map((field) => field.length), 5);
        console.log(`${'field'.padEnd(width)}  ${'original'.padEnd(40)}  normalized`);
        for (const field of fields) {
          const original = field in item ? JSON.stringify(item[field]) : '';
          const after = field in normalized ? JSON.stringify(normalized[field]) : '';
          const info = meta[field] ? `  (${meta[field].source}${meta[field].flags?.length ? `; ${meta[field].flags.join(', ')}` : ''})` : '';
          console.log(`${field.padEnd(width)}  ${original.padEnd(40)}  ${after}${info}`);
        }
        console.log(`normalizedAt: ${String(item.normalizedAt ?? 'never')}`);
      } finally {
        await local.close();
      }
    });

  leads
    .command('export')
    .description('write every lead (originals, normalizedData, normalizationMeta, normalizedAt) to a file, sorted by id')
    .requiredOption('--output <file>', 'where to write (.jsonl, .json or .csv; - for standard output)')
    .option('--format <format>', 'jsonl | json (one array) | csv (default: from the file name; jsonl on standard output)')
    .option('--delimiter <char>', 'CSV delimiter: , ; | or tab', ',')
    .option('--no-neutralize-formulas', 'write CSV cells starting with = + - @ as they are (by default they get a leading \')')
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .action(async (options: { output: string; format?: string; delimiter: string; neutralizeFormulas: boolean; dataDir: string }) => {
      const format = options.format ?? (options.output === STDIO ? 'jsonl' : formatOfPath(options.output));
      if (format !== 'jsonl' && format !== 'csv' && format !== 'json') throw new UsageError(`--format must be jsonl, json or csv (got "${format}")`);
      const { delimiter } = readOptionsOf({ delimiter: options.delimiter });
      await checkDataDir(options.dataDir);
      const local = await startLocalEnvironment({ dataDir: options.dataDir });
      try {
        const output = await openOutputFile(options.output);
        try {
          const { exported } = await exportLeads(localStores(local).leads, output, format, { ...(delimiter ? { delimiter } : {}), neutralizeFormulas: options.neutralizeFormulas });
          await output.commit();
          (options.output === STDIO ? console.error : console.log)(`exported ${exported} leads to ${output.name}`);
        } catch (error) {
          await output.abort();
          throw error;
        }
      } finally {
        await local.close();
      }
    });
}
