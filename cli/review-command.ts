import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import { foldedDecisionKey } from '#shared/engine/steward-decisions.ts';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { normalizeCity } from '#shared/rules/city.ts';
import { municipalityByCode } from '#shared/rules/divipola.ts';
import type { FieldKind } from '#shared/rules/rule-result.ts';
import { decisionToUndo, describeDecision, makeDecision, requestRenormalizationFor } from '#shared/steward/decisions.ts';
import { ReviewQueueBuilder, type ReviewGroup } from '#shared/steward/review-queue.ts';
import type { StewardDecision } from '#shared/stores/store-ports.ts';
import { parseRowFormat, withRowOutputOptions, writeRows } from './row-output.ts';
import { configuredField, stewardConfig, withStewardStores, withStoreTargetOptions, type StewardStores, type StoreTargetOptions } from './steward-stores.ts';

interface ReviewOptions extends StoreTargetOptions {
  field?: string;
  by: string;
}

const defaultDecider = (): string => {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
};

/** The field `--field` names and its kind. */
function kindOf(config: NormalizationConfig, options: { field?: string }): { field: string; kind: FieldKind } {
  if (options.field !== undefined) {
    const field = configuredField(config, options.field);
    return { field, kind: config.fields[field] ?? 'text' };
  }
  throw new UsageError('give --field F (a configured field; the decision covers every field of its kind)');
}

/** Saves checked decisions and asks the next run to re-normalize the leads they cover. */
async function saveDecisions(stores: StewardStores, config: NormalizationConfig, decisions: StewardDecision[]): Promise<number> {
  for (const decision of decisions) await stores.decisions.put(decision);
  return renormalizeCovered(stores, config, decisions);
}

/** Asks the next run to re-normalize the leads these decisions cover (taken or undone); how many. */
function renormalizeCovered(stores: StewardStores, config: NormalizationConfig, decisions: readonly StewardDecision[]): Promise<number> {
  return requestRenormalizationFor({
    leads: stores.leads,
    config,
    keys: new Set(decisions.map((decision) => foldedDecisionKey(decision.kind, decision.foldedInput))),
    requestedAt: new Date().toISOString(),
  });
}

async function buildQueue(stores: StewardStores, config: NormalizationConfig, field: string | undefined): Promise<ReviewGroup[]> {
  const decided = new Set((await stores.decisions.list()).map((decision) => foldedDecisionKey(decision.kind, decision.foldedInput)));
  const builder = new ReviewQueueBuilder(config, { decided, ...(field !== undefined ? { field } : {}) });
  for await (const item of stores.leads.scanAll()) builder.add(item);
  return builder.build();
}

const quoted = (value: string | null) => (value === null ? 'null' : `"${value}"`);

/**
 * What a steward can pick by number: the municipalities an ambiguous city could be, written as a
 * decision takes them (`Florencia, Caquetá`), with their DANE codes.
 */
export function cityChoices(group: ReviewGroup): Array<{ value: string; code: string }> {
  const typed = group.inputs[0]?.text;
  if (group.kind !== 'city' || typed === undefined) return [];
  const candidates = normalizeCity(typed).cityResolution?.candidates ?? [];
  return candidates.flatMap((code) => {
    const municipality = municipalityByCode(code);
    return municipality ? [{ value: `${municipality.name}, ${municipality.department}`, code }] : [];
  });
}

function describeGroup(group: ReviewGroup, position: string, refusal: string | undefined, choices: ReadonlyArray<{ value: string; code: string }>): string[] {
  const proposal = group.proposals[0];
  const proposed = proposal ? `${quoted(proposal.value)} (${proposal.source ?? 'not normalized'})${refusal ? ` — cannot be kept as is: ${refusal}` : ''}` : '-';
  return [
    '',
    `[${position}] ${group.fields.join(', ')} (${group.kind}) · ${group.leadIds.length} lead(s)${group.flags.length > 0 ? ` · ${group.flags.map(({ flag, count }) => `${flag}×${count}`).join(' ')}` : ''}`,
    `  typed:    ${group.inputs.slice(0, 5).map(({ text, count }) => `${quoted(text)} ×${count}`).join(', ')}${group.inputs.length > 5 ? ', …' : ''}`,
    `  proposed: ${proposed}`,
    ...(choices.length > 0 ? [`  could be: ${choices.map((choice, index) => `${index + 1} = ${choice.value} (${choice.code})`).join(' · ')}`] : []),
  ];
}

/**
 * The interactive walk through the queue: per group, Enter accepts the proposed value (offered only
 * when a decision can keep it), a number picks one of the group's choices (an ambiguous city's
 * municipalities), `n` decides the input means empty (null), `s` skips, `q` (or the end of input)
 * stops, anything else is the value. A value the kind's checks refuse is explained and asked again.
 */
export async function reviewSession(options: {
  groups: readonly ReviewGroup[];
  nextLine: () => Promise<string | undefined>;
  print: (text: string) => void;
  decide: (group: ReviewGroup, value: string | null) => { decision: StewardDecision } | { refused: string };
  choices?: (group: ReviewGroup) => ReadonlyArray<{ value: string; code: string }>;
}): Promise<{ decisions: StewardDecision[]; skipped: number }> {
  const decisions: StewardDecision[] = [];
  let skipped = 0;
  for (const [index, group] of options.groups.entries()) {
    const proposal = group.proposals[0];
    const proposalOutcome = proposal ? options.decide(group, proposal.value) : undefined;
    const refusal = proposalOutcome && 'refused' in proposalOutcome ? proposalOutcome.refused : undefined;
    const acceptable = proposal !== undefined && refusal === undefined;
    const choices = options.choices?.(group) ?? [];
    for (const line of describeGroup(group, `${index + 1}/${options.groups.length}`, refusal, choices)) options.print(line);
    const keys = [
      ...(acceptable ? [`Enter = accept ${quoted(proposal.value)}`] : []),
      ...(choices.length > 0 ? [`1${choices.length > 1 ? `–${choices.length}` : ''} = pick`] : []),
      'n = empty (null)',
      's = skip',
      'q = quit',
      'or type the value',
    ].join(' · ');
    for (;;) {
      options.print(`  ${keys}`);
      const answer = (await options.nextLine())?.trim();
      if (answer === undefined || answer === 'q') return { decisions, skipped: skipped + options.groups.length - index };
      if (answer === 's') {
        skipped += 1;
        break;
      }
      if (answer === '' && !acceptable) continue;
      const picked = /^\d+$/.test(answer) ? choices[Number(answer) - 1] : undefined;
      const value = answer === '' ? (proposal?.value ?? null) : answer === 'n' ? null : (picked?.value ?? answer);
      const outcome = options.decide(group, value);
      if ('refused' in outcome) {
        options.print(`  refused: ${outcome.refused}`);
        continue;
      }
      decisions.push(outcome.decision);
      options.print(`  decided: ${describeDecision(outcome.decision)}`);
      break;
    }
  }
  return { decisions, skipped };
}

export function registerReviewCommand(program: Command): void {
  const review = withStoreTargetOptions(
    program
      .command('review')
      .description('walk the review queue in the terminal: per distinct input, accept the proposed value, type one, or skip'),
  )
    .option('--field <field>', 'only this configured field (decide: the field the decision is taken on)')
    .option('--by <name>', 'who decides (kept with each decision)', defaultDecider())
    .action(async (options: ReviewOptions) => {
      await withStewardStores(options, async (stores) => {
        const config = await stewardConfig(stores, options);
        const groups = await buildQueue(stores, config, options.field === undefined ? undefined : configuredField(config, options.field));
        console.log(`review queue: ${groups.length} distinct input(s) covering ${new Set(groups.flatMap((group) => group.leadIds)).size} lead(s)`);
        const lines = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false })[Symbol.asyncIterator]();
        const decidedAt = new Date().toISOString();
        const result = await reviewSession({
          groups,
          nextLine: async () => {
            process.stdout.write('> ');
            const next = await lines.next();
            return next.done ? undefined : String(next.value);
          },
          print: (text) => console.log(text),
          decide: (group, value) =>
            makeDecision({ field: group.fields[0] ?? '', kind: group.kind, input: group.inputs[0]?.text ?? group.foldedInput, value, decidedAt, decidedBy: options.by }),
          choices: cityChoices,
        });
        process.stdin.destroy();
        const due = await saveDecisions(stores, config, result.decisions);
        console.log(`\n${result.decisions.length} decision(s) saved, ${result.skipped} skipped; ${due} lead(s) will be normalized again at the next run`);
      });
    });

  review
    .command('decide')
    .description('one decision without a terminal: every input of the field\'s kind that folds to TEXT means VALUE')
    .requiredOption('--input <text>', 'the input as typed (case, accents and punctuation do not matter)')
    .option('--value <value>', 'what it means, in any spelling the kind\'s checks accept (a city must resolve, an education level must be canonical)')
    .option('--null', 'the input means no value')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ReviewOptions & { input: string; value?: string; null?: boolean }>();
      if ((options.value === undefined) === !options.null) throw new UsageError('give exactly one of --value VALUE and --null');
      await withStewardStores(options, async (stores) => {
        const config = await stewardConfig(stores, options);
        const { field, kind } = kindOf(config, options);
        const made = makeDecision({ field, kind, input: options.input, value: options.null ? null : (options.value ?? null), decidedAt: new Date().toISOString(), decidedBy: options.by });
        if ('refused' in made) throw new UsageError(`refused: ${made.refused}`);
        const due = await saveDecisions(stores, config, [made.decision]);
        console.log(`decided: ${describeDecision(made.decision)}; ${due} lead(s) will be normalized again at the next run`);
      });
    });

  withRowOutputOptions(review.command('list').description('the decisions taken, oldest first')).action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ReviewOptions & { format: string; neutralizeFormulas: boolean }>();
      const format = parseRowFormat(options.format);
      await withStewardStores(options, async (stores) => {
        const decisions = await stores.decisions.list();
        const columns = ['kind', 'input', 'value', 'codigoDane', 'field', 'decidedAt', 'decidedBy'];
        await writeRows({ format, columns, neutralizeFormulas: options.neutralizeFormulas }, async (sink) => {
          for (const decision of decisions) await sink.write({ ...decision, input: decision.foldedInput, codigoDane: decision.city?.codigoDane ?? null });
        });
      });
    });

  review
    .command('undo')
    .description('remove the latest decision (or the one on --field F --input TEXT); the leads it covered are normalized again at the next run')
    .option('--input <text>', 'the decided input (with --field)')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ReviewOptions & { input?: string }>();
      await withStewardStores(options, async (stores) => {
        const config = await stewardConfig(stores, options);
        const target = options.input === undefined ? undefined : { kind: kindOf(config, options).kind, input: options.input };
        const decision = await decisionToUndo(stores.decisions, target);
        if (!decision) throw new UsageError(target ? `no decision on ${target.kind} "${options.input}"` : 'no decision to undo');
        await stores.decisions.remove(decision.kind, decision.foldedInput);
        const due = await renormalizeCovered(stores, config, [decision]);
        console.log(`undone: ${describeDecision(decision)}; ${due} lead(s) will be normalized again at the next run`);
      });
    });

  withRowOutputOptions(
    review.command('queue').description('the review queue without a terminal: distinct inputs in doubt (or decided by the model), most leads first'),
  ).action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ReviewOptions & { format: string; neutralizeFormulas: boolean }>();
      const format = parseRowFormat(options.format);
      await withStewardStores(options, async (stores) => {
        const config = await stewardConfig(stores, options);
        const groups = await buildQueue(stores, config, options.field === undefined ? undefined : configuredField(config, options.field));
        const columns = ['kind', 'input', 'fields', 'leads', 'typed', 'proposed', 'flags'];
        await writeRows({ format, columns, neutralizeFormulas: options.neutralizeFormulas }, async (sink) => {
          for (const group of groups) {
            await sink.write({
              kind: group.kind,
              input: group.foldedInput,
              fields: group.fields,
              leads: group.leadIds.length,
              typed: group.inputs.map(({ text }) => text),
              proposed: group.proposals[0]?.value ?? null,
              flags: group.flags.map(({ flag }) => flag),
            });
          }
        });
      });
    });
}
