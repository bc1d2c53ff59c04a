import type { Command } from 'commander';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import type { CityResolution } from '#shared/rules/city-resolution.ts';
import { municipalityByCode } from '#shared/rules/divipola.ts';
import { applyRule } from '#shared/rules/index.ts';
import { FIELD_KINDS, type FieldKind, type Flag, type RuleResult } from '#shared/rules/rule-result.ts';
import { loadCliConfig } from './cli-config.ts';

interface ExplainOptions {
  field?: string;
  kind?: string;
  config?: string;
  json?: boolean;
}

/** What the rules did with one typed value: the rule result, named by field and kind. */
export interface Explanation {
  field: string | null;
  kind: FieldKind;
  input: string;
  result: RuleResult;
}

const FLAG_MEANINGS: Partial<Record<Flag, string>> = {
  'ambiguous-city': 'more than one municipality fits equally well',
  'unknown-city': 'no Colombian municipality matched',
  'unparsed-address': 'not urban grid nomenclature',
  'unrecognized-education': 'no level word the rules know',
  'incomplete-education': 'the input says the level was not completed',
  'not-text': 'not a text value',
};

const RISK_MEANINGS: Readonly<Record<CityResolution['risk'], string>> = {
  0: 'an official name',
  1: 'an alias or alternate name, a dropped article, an expanded abbreviation or an overruled hint',
  2: 'a misspelling at one edit',
  3: 'a misspelling at two edits',
  4: 'not decided',
};

const municipalityLabel = (code: string): string => {
  const municipality = municipalityByCode(code);
  return municipality ? `${code} ${municipality.name} (${municipality.department})` : code;
};

/** One sentence on how a city was read, from its `CityResolution`. */
export function describeCityResolution(resolution: CityResolution): string {
  const parts: string[] = [];
  if (resolution.outcome === 'ambiguous') {
    parts.push(`ambiguous between ${resolution.candidates.map(municipalityLabel).join(' and ')}`);
  } else if (resolution.match === 'exact') {
    parts.push(`official name "${resolution.matchedName}"`);
  } else if (resolution.match === 'alias') {
    parts.push(`alias or alternate name "${resolution.matchedName}"`);
  } else if (resolution.match === 'misspelling') {
    parts.push(`misspelling of "${resolution.matchedName}" at distance ${resolution.distance}`);
  } else {
    parts.push('no municipality matched');
  }
  if (resolution.articleDropped) parts.push('after dropping the leading article');
  if (resolution.abbreviationExpanded) parts.push('after expanding a prefix abbreviation (pto, sta, sn, stgo)');
  if (resolution.suffixDropped) parts.push('after dropping a country or district suffix');
  if (resolution.hint) {
    const hint = `department hint ${resolution.hint.department} (${resolution.hint.departmentCode})`;
    parts.push(resolution.hint.applied ? `${hint} restricted the lookup` : `${hint} ignored: the name alone decided`);
  }
  return parts.join('; ');
}

export function explainValue(kind: FieldKind, field: string | null, input: string): Explanation {
  return { field, kind, input, result: applyRule(kind, input) };
}

export function formatExplanation({ field, kind, input, result }: Explanation): string {
  const flags = result.flags.map((flag) => (FLAG_MEANINGS[flag] ? `${flag} (${FLAG_MEANINGS[flag]})` : flag));
  const decided = result.confident ? 'yes' : 'no, the model may answer it';
  const lines = [
    `${field ?? kind}${field ? ` (${kind})` : ''} ${JSON.stringify(input)}`,
    `  value      ${result.value === null ? 'null' : result.value}`,
  ];
  if (result.city) lines.push(`  municipio  ${municipalityLabel(result.city.codigoDane)}`);
  lines.push(`  decided    ${decided}`, `  flags      ${flags.length > 0 ? flags.join(', ') : 'none'}`);
  const resolution = result.cityResolution;
  if (resolution) {
    lines.push(`  how        ${describeCityResolution(resolution)}`);
    lines.push(`  risk       ${resolution.risk} of 4: ${RISK_MEANINGS[resolution.risk]}`);
  }
  return lines.join('\n');
}

function kindOf(options: ExplainOptions, fields: Readonly<Record<string, FieldKind>>): FieldKind {
  if (options.kind !== undefined) {
    if (!(FIELD_KINDS as readonly string[]).includes(options.kind)) {
      throw new UsageError(`--kind must be one of ${FIELD_KINDS.join(', ')} (got "${options.kind}")`);
    }
    return options.kind as FieldKind;
  }
  if (options.field === undefined) throw new UsageError('explain needs --field <name> or --kind <kind>');
  const kind = fields[options.field];
  if (kind === undefined) {
    throw new UsageError(`field "${options.field}" is not configured (fields: ${Object.keys(fields).join(', ')})`);
  }
  return kind;
}

export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description('show what the rules make of typed values and why (for a city: how it resolved, and its review risk)')
    .argument('<values...>', 'values as a person typed them')
    .option('--field <name>', 'a configured field (its kind decides the rules), e.g. ciudad')
    .option('--kind <kind>', `a field kind instead of a field: ${FIELD_KINDS.join(', ')}`)
    .option('--config <file>', 'JSON config merged over the defaults (its fields map names to kinds)')
    .option('--json', 'print the explanations as JSON')
    .action(async (values: string[], options: ExplainOptions) => {
      const config = await loadCliConfig(options);
      const kind = kindOf(options, config.fields);
      const explanations = values.map((value) => explainValue(kind, options.kind === undefined ? (options.field ?? null) : null, value));
      console.log(
        options.json ? JSON.stringify(explanations, null, 2) : explanations.map(formatExplanation).join('\n\n'),
      );
    });
}
