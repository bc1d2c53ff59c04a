import { readFileSync } from 'node:fs';
import { normalizeAddress } from '#shared/rules/address.ts';
const values = readFileSync('data/samples/leads.sample.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => String(JSON.parse(l).direccion ?? ''));
for (let w = 0; w < 20; w++) for (const v of values) normalizeAddress(v);
const t = performance.now(); let n = 0;
for (let r = 0; r < 200; r++) for (const v of values) { normalizeAddress(v); n++; }
const ms = performance.now() - t;
console.log(`${n} in ${ms.toFixed(0)} ms = ${(n / ms * 1000).toFixed(0)}/s`);
