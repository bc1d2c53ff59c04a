import type { Command } from 'commander';
import { ContactFieldFinder } from '#shared/dedup/contact-fields.ts';
import { DEFAULT_MIN_SCORE, findDuplicates } from '#shared/dedup/duplicate-finder.ts';
import { personProfile, type PersonProfile } from '#shared/dedup/person-profile.ts';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { formatOfPath } from '#shared/io/record-reader.ts';
import { STDIO } from '#shared/io/text-source.ts';
import { writeRows } from './row-output.ts';
import { stewardConfig, withStewardStores, withStoreTargetOptions, type StoreTargetOptions } from './steward-stores.ts';

interface DuplicatesOptions extends StoreTargetOptions {
  output: string;
  format?: string;
  neutralizeFormulas: boolean;
  emailField?: string;
  phoneField?: string;
  minScore: string;
}

/** `normflow leads duplicates`: people who registered more than once, as pairs with a score and the evidence. */
export function registerDuplicatesCommand(leads: Command): void {
  withStoreTargetOptions(
    leads
      .command('duplicates')
      .description('find people who registered more than once (names, address, city, e-mail, phone), even when the e-mail differs or is missing')
      .requiredOption('--output <file>', 'where to write the pairs (.jsonl or .csv; - for standard output)')
      .option('--format <format>', 'jsonl | csv (default: from the file name; jsonl on standard output)')
      .option('--no-neutralize-formulas', 'CSV: write cells starting with = + - @ as they are (by default they get a leading \')')
      .option('--email-field <field>', 'attribute holding the e-mail (default: found by its name: email, correo, correo electrónico, e-mail …)')
      .option('--phone-field <field>', 'attribute holding a phone number (default: found by its name: teléfono, celular, móvil, whatsapp, phone …)')
      .option('--min-score <p>', 'report pairs at least this likely to be one person (0–1)', String(DEFAULT_MIN_SCORE)),
  ).action(async (options: DuplicatesOptions) => {
    // The pairs are rows (row-output.ts): a `.json` name gets JSON lines, as it always has.
    const byName = options.output === STDIO ? 'jsonl' : formatOfPath(options.output);
    const format = options.format ?? (byName === 'json' ? 'jsonl' : byName);
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format must be jsonl or csv (got "${format}")`);
    const minScore = Number(options.minScore);
    if (!(minScore >= 0 && minScore <= 1)) throw new UsageError(`--min-score must be a number between 0 and 1 (got "${options.minScore}")`);
    await withStewardStores(options, async (stores) => {
      const config = await stewardConfig(stores, options);
      const contact = new ContactFieldFinder({
        ...(options.emailField === undefined ? {} : { email: options.emailField }),
        ...(options.phoneField === undefined ? {} : { phone: options.phoneField }),
      });
      const profiles: PersonProfile[] = [];
      for await (const item of stores.leads.scanAll()) profiles.push(personProfile(item, config, contact.fieldsFor(Object.keys(item))));
      // Which columns were read as contact details, so a wrong guess is seen (and overridden with the flags).
      const { email, phone } = contact.used();
      const described = (label: string, used: { field: string; found: boolean } | undefined, flag: string) =>
        used ? `${label} from "${used.field}"${used.found ? ` (found by its name; ${flag} to choose)` : ''}` : `no ${label} column (${flag} to name one)`;
      console.error(`normflow: note: ${described('e-mail', email, '--email-field')}, ${described('phone', phone, '--phone-field')}`);
      const { pairs, stats } = findDuplicates(profiles, { minScore });

      const columns = ['leadIdA', 'leadIdB', 'score', 'reasons'];
      const { name } = await writeRows({ format, columns, output: options.output, neutralizeFormulas: options.neutralizeFormulas }, async (sink) => {
        for (const pair of pairs) {
          await sink.write(format === 'jsonl' ? { ...pair } : { leadIdA: pair.leadIds[0], leadIdB: pair.leadIds[1], score: pair.score, reasons: pair.reasons.join('; ') });
        }
      });
      // On standard output the pairs stay alone: the summary goes to stderr.
      (options.output === STDIO ? console.error : console.log)(
        `${pairs.length} likely duplicate pair(s) among ${stats.profiles} leads (${stats.candidatePairs} pairs compared) → ${name}`,
      );
    });
  });
}
