import type { NormalizationConfig } from '#shared/config/normalization-config.ts';
import { valueDigest, type PersistentValueCache } from '#shared/engine/value-cache.ts';
import type { LeadStore, RunStore } from '#shared/stores/store-ports.ts';

export interface ErasureReport {
  leadFound: boolean;
  /** Batches whose working data (ids, answers, normalized records) named the lead, in any run. */
  batchTraces: number;
  /** Value-cache entries made from the lead's values, under any model. */
  cacheEntries: number;
}

/**
 * Erases a lead (Ley 1581 / GDPR): its value-cache entries (found by the digest of each configured
 * value, whatever model answered), every batch trace that names it, then the lead itself, last, so
 * an interrupted erasure can be run again and still find the values. Run records and batch results
 * hold counts only and stay.
 */
export async function forgetLead(
  stores: { leads: Pick<LeadStore, 'getMany' | 'deleteLead'>; runs: Pick<RunStore, 'forgetLead'>; valueCache: Pick<PersistentValueCache, 'forgetValues'> },
  config: NormalizationConfig,
  leadId: string,
): Promise<ErasureReport> {
  const lead = (await stores.leads.getMany([leadId])).get(leadId);
  const digests = lead
    ? Object.entries(config.fields).flatMap(([field, kind]) => (typeof lead[field] === 'string' ? [valueDigest(kind, lead[field])] : []))
    : [];
  const cacheEntries = await stores.valueCache.forgetValues(digests);
  const batchTraces = await stores.runs.forgetLead(leadId);
  const leadFound = await stores.leads.deleteLead(leadId);
  return { leadFound: leadFound || lead !== undefined, batchTraces, cacheEntries };
}
