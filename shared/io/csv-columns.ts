/**
 * The columns normflow adds when it writes records as CSV, named so that reading such a file back
 * recognises them: normalizing an exported or normalized file again never duplicates them.
 *
 *   <attribute>, normalizedData.<attribute>[, normalizedData.<derived>…], normalizationMeta.<attribute>.flags
 *   … every attribute in turn …, normalizationMeta, _extra
 */
const NORMALIZED_PREFIX = 'normalizedData.';
export const META_COLUMN = 'normalizationMeta';
export const EXTRA_COLUMN = '_extra';

export const normalizedColumn = (key: string): string => `${NORMALIZED_PREFIX}${key}`;
export const flagsColumn = (attribute: string): string => `${META_COLUMN}.${attribute}.flags`;

/** Whether a column is one normflow computes (dropped on reading: it is computed again). */
export const isComputedColumn = (column: string): boolean =>
  column.startsWith(NORMALIZED_PREFIX) || column === META_COLUMN || column.startsWith(`${META_COLUMN}.`);
