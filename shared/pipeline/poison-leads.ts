import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import type { LeadFailureStamp, LeadItem } from '#shared/stores/store-ports.ts';
import { expectedOriginalsOf, hashOriginals } from '#shared/stores/original-expectations.ts';

/**
 * Poison leads: a lead that fails on its own (its batch was split and it was retried alone) is
 * stamped with the error name; after `poisonAfterFailures` failures of the same originals it is
 * poisoned, and scheduled runs pass it over until its originals change (or a forceAll, or a run
 * naming it, or a steward's request to normalize it again, which clears the stamp). A successful
 * normalization clears the stamp.
 */

/** Lead attribute holding the stamp (a map: error, failures, sourceHash, failedAt, poisonedAt). */
export const FAILURE_ATTRIBUTE = 'normalizationFailure';

/** The stamp a lead carries, if it is a well-formed one (anything else counts as none). */
export function failureStampOf(item: LeadItem): LeadFailureStamp | undefined {
  const stamp = item[FAILURE_ATTRIBUTE] as Partial<LeadFailureStamp> | undefined;
  if (!stamp || typeof stamp !== 'object') return undefined;
  if (typeof stamp.error !== 'string' || typeof stamp.failures !== 'number' || typeof stamp.sourceHash !== 'string' || typeof stamp.failedAt !== 'string') {
    return undefined;
  }
  return {
    error: stamp.error,
    failures: stamp.failures,
    sourceHash: stamp.sourceHash,
    failedAt: stamp.failedAt,
    ...(typeof stamp.poisonedAt === 'string' ? { poisonedAt: stamp.poisonedAt } : {}),
  };
}

/** The stamp after one more failure: the count goes on for the same originals and starts again for edited ones. */
export function nextFailureStamp(
  previous: LeadFailureStamp | undefined,
  failure: { error: string; sourceHash: string; failedAt: string },
  poisonAfterFailures: number,
): LeadFailureStamp {
  const same = previous !== undefined && previous.sourceHash === failure.sourceHash ? previous : undefined;
  const failures = (same?.failures ?? 0) + 1;
  if (failures < poisonAfterFailures) return { ...failure, failures };
  return { ...failure, failures, poisonedAt: same?.poisonedAt ?? failure.failedAt };
}

/** A scheduled run passes a lead over when it is poisoned and its originals are still the ones that failed. */
export function isPassedOver(item: LeadItem, config: NormalizationConfig): boolean {
  const stamp = failureStampOf(item);
  return stamp?.poisonedAt !== undefined && stamp.sourceHash === hashOriginals(expectedOriginalsOf(item, Object.keys(config.fields)));
}

/** What selection must read of each due lead to decide `isPassedOver`. */
export const poisonProjection = (config: NormalizationConfig): string[] => [...Object.keys(config.fields), FAILURE_ATTRIBUTE];
