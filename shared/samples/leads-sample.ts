import { readFileSync } from 'node:fs';
import type { LeadItem } from '#shared/stores/store-ports.ts';

const SAMPLE = new URL('../../data/samples/leads.sample.jsonl', import.meta.url);

let sample: readonly LeadItem[] | undefined;

/** The bundled sample (data/samples/leads.sample.jsonl: 1,000 messy leads as users typed them), in file order, read once. */
export function leadsSample(): readonly LeadItem[] {
  sample ??= readFileSync(SAMPLE, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as LeadItem);
  return sample;
}
