import { readFileSync } from 'node:fs';
import { normalizeAddress } from '#shared/rules/address.ts';
const lines = readFileSync('data/samples/leads.sample.jsonl', 'utf8').split('\n').filter(Boolean);
let total = 0, unparsed = 0, unconfident = 0, nulls = 0;
const seen = new Set<string>();
for (const line of lines) {
  const r = JSON.parse(line);
  if (!('direccion' in r)) continue;
  total++;
  const res = normalizeAddress(String(r.direccion));
  if (res.value === null) nulls++;
  if (res.flags.includes('unparsed-address')) unparsed++;
  else if (!res.confident) unconfident++;
  const again = res.value === null ? null : normalizeAddress(res.value).value;
  const mark = again !== res.value ? ' !!NOT-IDEMPOTENT ' + again : '';
  const key = `${JSON.stringify(r.direccion)} => ${JSON.stringify(res.value)} ${res.confident ? '' : 'UNCONF'} ${res.flags.join(',')}${mark}`;
  if (!seen.has(key)) { seen.add(key); process.stdout.write(key + '\n'); }
}
process.stdout.write(`total ${total} null ${nulls} unparsed ${unparsed} (${(100*unparsed/total).toFixed(1)}%) unconfident-parsed ${unconfident}\n`);
