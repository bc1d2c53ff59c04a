/**
 * DANE DIVIPOLA municipalities (shared/data/divipola, see SOURCE.md) and the name indexes the
 * `city` rule looks names up in. Everything is built once, at module load.
 */
import aliasesData from '../data/divipola/aliases.json' with { type: 'json' };
import municipiosData from '../data/divipola/municipios.json' with { type: 'json' };
import { foldKey } from './text-basics.ts';

export interface Municipality {
  /** 5-digit DANE code, e.g. `05001`. */
  code: string;
  /** Official name as in the data, e.g. `Medellín`, `Bogotá, D.C.`. */
  name: string;
  departmentCode: string;
  /** Department exactly as in the data, e.g. `Antioquia`, `Bogotá, D.C.`. */
  department: string;
  /** True for the 18 `Área no municipalizada` entries (San Andrés, an `Isla`, counts as a municipality). */
  nonMunicipalArea: boolean;
  altNames: readonly string[];
}

export interface Department {
  code: string;
  name: string;
}

/**
 * Where a looked-up name comes from. When one key names several codes, the lowest rank wins:
 * an official name beats an alternate one (contract §2: `Manaure`), and a municipality's official
 * name beats a non-municipal area's (`Puerto Colombia` is the Atlántico municipality).
 */
export type NameSource = 'official' | 'non-municipal-area' | 'alternate';

export const NAME_SOURCE_RANK: Readonly<Record<NameSource, number>> = {
  official: 0,
  'non-municipal-area': 1,
  alternate: 2,
};

export interface NameMatch {
  code: string;
  source: NameSource;
}

interface MunicipioRecord {
  departmentCode: string;
  department: string;
  code: string;
  name: string;
  type?: string;
  altNames?: string[];
}

interface AliasRecord {
  alias: string;
  code: string;
}

export const MUNICIPALITIES: readonly Municipality[] = (municipiosData as MunicipioRecord[]).map((record) => ({
  code: record.code,
  name: record.name,
  departmentCode: record.departmentCode,
  department: record.department,
  nonMunicipalArea: record.type === 'Área no municipalizada',
  altNames: record.altNames ?? [],
}));

const MUNICIPALITY_BY_CODE: ReadonlyMap<string, Municipality> = new Map(
  MUNICIPALITIES.map((municipality) => [municipality.code, municipality]),
);

export function municipalityByCode(code: string): Municipality | undefined {
  return MUNICIPALITY_BY_CODE.get(code);
}

export const DEPARTMENTS: readonly Department[] = [
  ...new Map(MUNICIPALITIES.map((m) => [m.departmentCode, { code: m.departmentCode, name: m.department }])).values(),
];

export const DEPARTMENT_NAMES: readonly string[] = DEPARTMENTS.map((department) => department.name);

/** The words of a text in lower case, NFC, accents kept; anything but letters, marks and digits separates words. */
export function accentedWords(text: string): string[] {
  return (text.normalize('NFC').toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? []).filter((word) =>
    /[\p{L}\p{N}]/u.test(word),
  );
}

/** The key of lookup step (1): {@link accentedWords} joined by one space. */
export function accentedKey(text: string): string {
  return accentedWords(text).join(' ');
}

/** Folded key without spaces: what misspellings are compared on (`santamarta` is `Santa Marta`). */
export function letterKey(folded: string): string {
  return folded.replace(/ /g, '');
}

function addMatch(index: Map<string, NameMatch[]>, key: string, match: NameMatch): void {
  const matches = index.get(key);
  if (!matches) {
    index.set(key, [match]);
  } else if (!matches.some((m) => m.code === match.code && m.source === match.source)) {
    matches.push(match);
  }
}

function buildIndexes(): {
  byAccentedOfficialName: Map<string, NameMatch[]>;
  byFoldedName: Map<string, NameMatch[]>;
  byLetterKey: Map<string, NameMatch[]>;
} {
  const byAccentedOfficialName = new Map<string, NameMatch[]>();
  const byFoldedName = new Map<string, NameMatch[]>();
  const byLetterKey = new Map<string, NameMatch[]>();
  const addFolded = (folded: string, match: NameMatch): void => {
    addMatch(byFoldedName, folded, match);
    addMatch(byLetterKey, letterKey(folded), match);
  };
  for (const municipality of MUNICIPALITIES) {
    const official: NameMatch = {
      code: municipality.code,
      source: municipality.nonMunicipalArea ? 'non-municipal-area' : 'official',
    };
    addMatch(byAccentedOfficialName, accentedKey(municipality.name), official);
    addFolded(foldKey(municipality.name), official);
    for (const altName of municipality.altNames) {
      addFolded(foldKey(altName), { code: municipality.code, source: 'alternate' });
    }
  }
  for (const alias of aliasesData as AliasRecord[]) {
    addFolded(alias.alias, { code: alias.code, source: 'alternate' });
  }
  return { byAccentedOfficialName, byFoldedName, byLetterKey };
}

const INDEXES = buildIndexes();

/** Step (1): official names by {@link accentedKey} (accents tell `Chimá` from `Chima`). */
export const NAMES_BY_ACCENTED_OFFICIAL_NAME: ReadonlyMap<string, readonly NameMatch[]> =
  INDEXES.byAccentedOfficialName;

/** Step (2): official names, `altNames` and aliases by `foldKey`. */
export const NAMES_BY_FOLDED_NAME: ReadonlyMap<string, readonly NameMatch[]> = INDEXES.byFoldedName;

/** Step (4): the same names by {@link letterKey}. */
export const NAMES_BY_LETTER_KEY: ReadonlyMap<string, readonly NameMatch[]> = INDEXES.byLetterKey;
