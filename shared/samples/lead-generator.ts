import type { LeadItem } from '#shared/stores/store-ports.ts';
import { leadsSample } from './leads-sample.ts';

const FIELDS = ['nombres', 'apellidos', 'direccion', 'ciudad', 'nivelEducativo', 'ocupacionActual', 'empresa'] as const;

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same leads on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

let pools: Record<string, unknown[]> | undefined;

/** Each field's values as they occur in the bundled messy sample (absent fields included). */
function fieldPools(): Record<string, unknown[]> {
  if (pools) return pools;
  const records = leadsSample();
  pools = Object.fromEntries(FIELDS.map((field) => [field, records.map((record) => record[field])]));
  return pools;
}

function perturb(value: string, random: () => number): string {
  const roll = random();
  if (roll < 0.15) return value.toUpperCase();
  if (roll < 0.3) return value.toLowerCase();
  if (roll < 0.38) return `  ${value.replace(/ /g, '  ')} `;
  return value;
}

/**
 * `count` messy leads: each field drawn independently from the sample's own values (so the
 * shares of odd, repeated and missing values are the sample's), casing and spacing perturbed.
 */
export function generateLeads(count: number, seed = 42, idPrefix = 'G'): LeadItem[] {
  const random = seededRandom(seed);
  const values = fieldPools();
  return Array.from({ length: count }, (_, index) => {
    const lead: LeadItem = { leadId: `${idPrefix}-${String(index).padStart(7, '0')}` };
    for (const field of FIELDS) {
      const pool = values[field] ?? [];
      const value = pool[Math.floor(random() * pool.length)];
      if (value === undefined) continue;
      lead[field] = typeof value === 'string' ? perturb(value, random) : value;
    }
    lead.email = `lead${index}@example.com`;
    return lead;
  });
}
