import type { LeadItem } from '#shared/stores/store-ports.ts';
import { leadsSample } from './leads-sample.ts';
import { seededDraws } from './seeded-random.ts';

const FIELDS = ['nombres', 'apellidos', 'direccion', 'ciudad', 'nivelEducativo', 'ocupacionActual', 'empresa'] as const;

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
  const { random, pick } = seededDraws(seed);
  const values = fieldPools();
  return Array.from({ length: count }, (_, index) => {
    const lead: LeadItem = { leadId: `${idPrefix}-${String(index).padStart(7, '0')}` };
    for (const field of FIELDS) {
      const value = pick(values[field] ?? []);
      if (value === undefined) continue;
      lead[field] = typeof value === 'string' ? perturb(value, random) : value;
    }
    lead.email = `lead${index}@example.com`;
    return lead;
  });
}
