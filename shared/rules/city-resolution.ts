/**
 * How the `city` rule read a value (issue 11): a small, stable record kept in
 * `normalizationMeta.<cityField>.resolution`, so a steward can audit a city and a review queue can
 * sort by `risk`. Every key is always present (`null` or `[]` when it does not apply).
 */
export interface CityResolution {
  /** `resolved` to one municipality, `ambiguous` between several, or `unknown`. */
  outcome: 'resolved' | 'ambiguous' | 'unknown';
  /** What the name matched: an official name, an alternate name or alias, a misspelling of one, or nothing. */
  match: 'exact' | 'alias' | 'misspelling' | 'none';
  /** The data's name that matched (`Retiro`, `b manga`, `Villa Rica`), or null. */
  matchedName: string | null;
  /** Edits between the typed name and `matchedName`; misspellings only. */
  distance: number | null;
  /** A department hint typed after the city; `applied: false` when the name alone decided against it. */
  hint: { departmentCode: string; department: string; applied: boolean } | null;
  /** A leading `el`/`la`/`los`/`las` was dropped to find the name (`El Retiro` → Retiro). */
  articleDropped: boolean;
  /** `pto`, `sta`, `sn` or `stgo` was expanded (`Pto Boyacá` → Puerto Boyacá). */
  abbreviationExpanded: boolean;
  /** A trailing country or district suffix was dropped (`Colombia`, `D.T. y C.`). */
  suffixDropped: boolean;
  /** DANE codes of the municipalities an ambiguous value could be, sorted; empty otherwise. */
  candidates: string[];
  /**
   * Review priority, higher first: 0 an official name; 1 an alias, alternate name, dropped
   * article, expanded abbreviation or ignored hint; 2 a misspelling at distance 1; 3 at distance 2;
   * 4 not decided (ambiguous or unknown).
   */
  risk: CityRisk;
}

export type CityRisk = 0 | 1 | 2 | 3 | 4;
