import { readFileSync } from 'node:fs';
import { applyRule } from '#shared/rules/index.ts';
import { DEFAULT_FIELDS } from '#shared/config/normalization-config.ts';
const recs = readFileSync('data/samples/leads.sample.jsonl','utf8').trim().split('\n').map(l=>JSON.parse(l));
let total=0;
for (const [f,k] of Object.entries(DEFAULT_FIELDS)) {
  const vals = recs.map(r=>r[f]).filter(v=>v!==undefined);
  for (let w=0;w<3;w++) for (const v of vals) applyRule(k, v);
  const t=performance.now(); const N=20;
  for (let i=0;i<N;i++) for (const v of vals) applyRule(k, v);
  const us=(performance.now()-t)*1000/(N*vals.length); total+=us;
  console.log(f, us.toFixed(2),'µs');
}
console.log('total', total.toFixed(1));
