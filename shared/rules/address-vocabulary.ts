/**
 * Word tables of the `address` kind (contract §4). Keys are lower case without diacritics and
 * without a trailing period, as produced by the address tokenizer.
 */

export const CARRERA = 'Cra.';
export const CALLE = 'Cl.';
export const AVENIDA = 'Av.';

/** Via words of the contract table → canonical abbreviation. */
export const VIA_WORDS: ReadonlyMap<string, string> = new Map([
  ...['carrera', 'cra', 'cr', 'kra', 'kr', 'k'].map((key): [string, string] => [key, CARRERA]),
  ...['calle', 'cl', 'cll', 'clle'].map((key): [string, string] => [key, CALLE]),
  ...['avenida', 'av', 'avda'].map((key): [string, string] => [key, AVENIDA]),
  ['ak', 'Av. Cra.'],
  ['ac', 'Av. Cl.'],
  ...['transversal', 'tr', 'tv', 'trans', 'transv'].map((key): [string, string] => [key, 'Tr.']),
  ...['diagonal', 'dg', 'diag'].map((key): [string, string] => [key, 'Dg.']),
]);

/** Via words outside the table: kept as typed, in title case. */
export const OTHER_VIA_WORDS: ReadonlySet<string> = new Set(['autopista', 'circular', 'via']);

/** Written as `Km` in an unparsed address. */
export const KILOMETRE_WORDS: ReadonlySet<string> = new Set(['km', 'kms', 'kilometro', 'kilometros']);

export const KILOMETRE = 'Km';

/** Words of the number sign; `n` and the degree signs count only right before the cross number. */
export const NUMBER_SIGN_WORDS: ReadonlySet<string> = new Set([
  'no',
  'nro',
  'num',
  'numero',
  'n°',
  'nº',
  'n',
  '°',
  'º',
]);

export const NUMBER_SIGN = '#';

export const CARDINALS: ReadonlyMap<string, string> = new Map([
  ['sur', 'Sur'],
  ['este', 'Este'],
  ['norte', 'Norte'],
  ['oeste', 'Oeste'],
]);

export const BIS = 'Bis';

export const BARRIO_INITIAL = 'b';

/** `B/ San Fernando`: the tokenizer splits `b/` off the word typed after it. */
export const BARRIO_SLASH = 'b/';

/**
 * Complement words → canonical form. `b` means barrio only when typed with its period (`B.`).
 * The rural words (`vereda`, `finca`, `km` …) are complements too: after an urban part they add
 * to it, and a value made only of complements is canonical but flagged (contract §4).
 */
export const COMPLEMENT_WORDS: ReadonlyMap<string, string> = new Map([
  ...['apartamento', 'apto', 'apt', 'ap'].map((key): [string, string] => [key, 'Apto']),
  ...['oficina', 'of', 'ofi'].map((key): [string, string] => [key, 'Of.']),
  ...['interior', 'int'].map((key): [string, string] => [key, 'Int.']),
  ...['torre', 't'].map((key): [string, string] => [key, 'Torre']),
  ...['bloque', 'bl'].map((key): [string, string] => [key, 'Bloque']),
  ...['casa', 'cs'].map((key): [string, string] => [key, 'Casa']),
  ...['local', 'loc'].map((key): [string, string] => [key, 'Local']),
  ['piso', 'Piso'],
  ...['manzana', 'mz'].map((key): [string, string] => [key, 'Manzana']),
  ...['lote', 'lt'].map((key): [string, string] => [key, 'Lote']),
  ['etapa', 'Etapa'],
  ...['conjunto', 'conj'].map((key): [string, string] => [key, 'Conjunto']),
  ...['edificio', 'edif', 'ed'].map((key): [string, string] => [key, 'Edificio']),
  ...['urbanizacion', 'urb'].map((key): [string, string] => [key, 'Urbanización']),
  ...['barrio', 'b', BARRIO_SLASH].map((key): [string, string] => [key, 'Barrio']),
  ['corregimiento', 'Corregimiento'],
  ['vereda', 'Vereda'],
  ['sector', 'Sector'],
  ['finca', 'Finca'],
  ...[...KILOMETRE_WORDS].map((key): [string, string] => [key, KILOMETRE]),
]);

