import { FieldNameMatcher, matchFieldNames } from './field-names.ts';
import { cityDerivedFields, cityFieldOf, type NormalizationConfig } from './normalization-config.ts';

/**
 * The configured fields as a file names them. The engine looks attributes up by the configured
 * names exactly; a file's columns are matched to them as field-names.ts says (`Ciudad de
 * residencia`, `NOMBRES`), and the results go back under the file's own names, so the output
 * keeps the original header text.
 */
export class ConfiguredFields {
  private readonly matcher: FieldNameMatcher;
  private readonly cityField: string | undefined;
  private readonly renames = new WeakMap<ReadonlyMap<string, string>, ReadonlyMap<string, string>>();

  constructor(config: NormalizationConfig) {
    this.matcher = new FieldNameMatcher(Object.keys(config.fields));
    this.cityField = cityFieldOf(config);
  }

  /** Configured fields no column matches (said once for a CSV file: they will never be normalized). Throws on an ambiguous header. */
  missingFrom(columns: readonly string[]): string[] {
    const matched = matchFieldNames(this.matcher.wanted, columns);
    return this.matcher.wanted.filter((field) => !matched.has(field));
  }

  /**
   * A record's attributes with each configured field under its configured name (the record
   * itself when its names already are), and which attribute each configured name came from.
   * Throws AmbiguousFieldError when two attributes match one field.
   */
  toConfigured(record: Readonly<Record<string, unknown>>): { attributes: Readonly<Record<string, unknown>>; names: ReadonlyMap<string, string> } {
    const names = this.matcher.match(Object.keys(record));
    let attributes: Record<string, unknown> | undefined;
    for (const [configured, own] of names) {
      if (configured === own) continue;
      attributes ??= { ...record };
      attributes[configured] = record[own];
    }
    return { attributes: attributes ?? record, names };
  }

  /** `normalizedData` or `normalizationMeta` keyed by the record's own names (a city's derived fields too), in the same order. */
  toOwnNames<Value>(values: Readonly<Record<string, Value>>, names: ReadonlyMap<string, string>): Readonly<Record<string, Value>> {
    const renamed = this.renamesOf(names);
    if (renamed.size === 0) return values;
    return Object.fromEntries(Object.entries(values).map(([key, value]) => [renamed.get(key) ?? key, value]));
  }

  /** Configured name → own name, where they differ; worked out once per `names` (the matcher gives one map per set of keys). */
  private renamesOf(names: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
    const known = this.renames.get(names);
    if (known) return known;
    const renamed = new Map<string, string>();
    for (const [configured, own] of names) {
      if (configured === own) continue;
      renamed.set(configured, own);
      if (configured === this.cityField) {
        const from = cityDerivedFields(configured);
        const to = cityDerivedFields(own);
        renamed.set(from.departamento, to.departamento);
        renamed.set(from.codigoDane, to.codigoDane);
      }
    }
    this.renames.set(names, renamed);
    return renamed;
  }
}
