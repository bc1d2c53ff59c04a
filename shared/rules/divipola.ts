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
 * Where a looked-up name comes from: an official name (of a municipality or of a non-municipal
 * area), one of the data's `altNames`, or `aliases.json`. When one key names several codes, the
 * lowest rank wins: an official name beats an alternate one or an alias (contract §2: `Manaure`),
 * and a municipality's official name beats a non-municipal area's (`Puerto Colombia` is the
 * Atlántico municipality).
 */
export type NameSource = 'official' | 'non-municipal-area' | 'alternate' | 'alias';

export const NAME_SOURCE_RANK: Readonly<Record<NameSource, number>> = {
  official: 0,
  'non-municipal-area': 1,
  alternate: 2,
  alias: 2,
};

export interface NameMatch {
  code: string;
  source: NameSource;
  /** The name as the data writes it (`Cúcuta`, `b manga`): what an explanation shows. */
  name: string;
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
} {
  const byAccentedOfficialName = new Map<string, NameMatch[]>();
  const byFoldedName = new Map<string, NameMatch[]>();
  for (const municipality of MUNICIPALITIES) {
    const official: NameMatch = {
      code: municipality.code,
      source: municipality.nonMunicipalArea ? 'non-municipal-area' : 'official',
      name: municipality.name,
    };
    addMatch(byAccentedOfficialName, accentedKey(municipality.name), official);
    addMatch(byFoldedName, foldKey(municipality.name), official);
    for (const altName of municipality.altNames) {
      addMatch(byFoldedName, foldKey(altName), { code: municipality.code, source: 'alternate', name: altName });
    }
  }
  for (const alias of aliasesData as AliasRecord[]) {
    addMatch(byFoldedName, alias.alias, { code: alias.code, source: 'alias', name: alias.alias });
  }
  return { byAccentedOfficialName, byFoldedName };
}

const INDEXES = buildIndexes();

/** Step (1): official names by {@link accentedKey} (accents tell `Chimá` from `Chima`). */
export const NAMES_BY_ACCENTED_OFFICIAL_NAME: ReadonlyMap<string, readonly NameMatch[]> =
  INDEXES.byAccentedOfficialName;

/** Steps (2)–(4): official names, `altNames` and aliases by `foldKey` (single spaces kept). */
export const NAMES_BY_FOLDED_NAME: ReadonlyMap<string, readonly NameMatch[]> = INDEXES.byFoldedName;
