import type { Command } from 'commander';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { leadFieldRows, matchesFilter, VALUE_SOURCES, type LeadFilter } from '#shared/steward/lead-fields.ts';
import type { ValueSource } from '#shared/engine/batch-normalizer.ts';
import { FLAGS } from '#shared/rules/rule-result.ts';
import { parseRowFormat, withRowOutputOptions, writeRows } from './row-output.ts';
import { configuredField, stewardConfig, withStewardStores, withStoreTargetOptions, type StoreTargetOptions } from './steward-stores.ts';

interface ListOptions extends StoreTargetOptions {
  flag?: string;
  field?: string;
  changed?: boolean;
  source?: string;
  run?: string;
  format: string;
  neutralizeFormulas: boolean;
  limit?: string;
}

const COLUMNS = ['leadId', 'field', 'original', 'normalized', 'source', 'changed', 'flags', 'runId', 'normalizedAt'] as const;

function parseLimit(value: string | undefined): number {
  if (value === undefined) return Infinity;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number ≥ 1 (got "${value}")`);
  return limit;
}

/** `normflow leads list`: one row per (lead, configured field) that passes every facet given. */
export function registerLeadsListCommand(leads: Command): void {
  withStoreTargetOptions(
    withRowOutputOptions(
      leads
        .command('list')
        .description('list lead fields by facet: a flag, a field, changed values, a source, the run that wrote them')
        .option('--flag <flag>', `only fields carrying this flag: ${FLAGS.join(' | ')}`)
        .option('--field <field>', 'only this configured field')
        .option('--changed', 'only values normalization changed')
        .option('--source <source>', `only values from this source: ${VALUE_SOURCES.join(' | ')}`)
        .option('--run <runId>', 'only leads whose current values that run wrote'),
    ).option('--limit <n>', 'stop after n rows'),
  ).action(async (options: ListOptions) => {
    const format = parseRowFormat(options.format);
    const limit = parseLimit(options.limit);
    if (options.flag !== undefined && !(FLAGS as readonly string[]).includes(options.flag)) {
      throw new UsageError(`--flag must be one of ${FLAGS.join(', ')} (got "${options.flag}")`);
    }
    if (options.source !== undefined && !(VALUE_SOURCES as readonly string[]).includes(options.source)) {
      throw new UsageError(`--source must be one of ${VALUE_SOURCES.join(', ')} (got "${options.source}")`);
    }
    await withStewardStores(options, async (stores) => {
      const config = await stewardConfig(stores, options);
      const filter: LeadFilter = {
        ...(options.field !== undefined ? { field: configuredField(config, options.field) } : {}),
        ...(options.flag !== undefined ? { flag: options.flag } : {}),
        ...(options.changed ? { changed: true } : {}),
        ...(options.source !== undefined ? { source: options.source as ValueSource } : {}),
        ...(options.run !== undefined ? { runId: options.run } : {}),
      };
      const leads = new Set<string>();
      let listed = 0;
      await writeRows({ format, columns: COLUMNS, neutralizeFormulas: options.neutralizeFormulas }, async (sink) => {
        scan: for await (const item of stores.leads.scanAll()) {
          for (const row of leadFieldRows(item, config)) {
            if (!matchesFilter(row, filter)) continue;
            await sink.write({ ...row });
            leads.add(row.leadId);
            listed += 1;
            if (listed >= limit) break scan;
          }
        }
      });
      // The count goes to stderr so jsonl and csv stay clean for a pipe.
      console.error(`${listed} field(s) of ${leads.size} lead(s)`);
    });
  });
}
