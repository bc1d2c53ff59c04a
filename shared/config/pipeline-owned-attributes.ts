/**
 * Attributes the pipeline writes on a lead beside its originals. An original of the same name
 * would be overwritten, so seeding refuses them, WriteResults never takes one for an original,
 * `leads show` / `leads export` do not list them as originals, and a config may not name one as a
 * field. Here, beside the config, so that the config's check and the stores read the one list.
 */
export const PIPELINE_OWNED_ATTRIBUTES: readonly string[] = [
  'normalizedData',
  'normalizationMeta',
  'normalizedAt',
  'updatedAt',
  'normalizationVersion',
  'normalizationSourceHash',
  'normalizationRunId',
  'normalizationHistory',
  'renormalizeRequestedAt',
  // A lead that failed on its own (its poison stamp), and its entry in the index of due leads.
  'normalizationFailure',
  'dueShard',
  'dueAt',
];

const OWNED: ReadonlySet<string> = new Set(PIPELINE_OWNED_ATTRIBUTES);

/** Whether an attribute is one the pipeline writes (not an original). */
export const isPipelineOwned = (attribute: string): boolean => OWNED.has(attribute);
