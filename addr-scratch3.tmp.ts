import fc from 'fast-check';
import { normalizeAddress } from '#shared/rules/address.ts';
const chars = fc.constantFrom(...'abcnosurteCRAKLVD#-.,; 0123456789áéíóúñÁÉ°º\u00a0\u200b\t\'/()–'.split(''));
const arb = fc.oneof(fc.string({ unit: chars, maxLength: 40 }), fc.string({ maxLength: 30 }), fc.string({unit:'grapheme-composite', maxLength: 20}), fc.string({unit:'binary', maxLength: 20}));
let fails = 0;
fc.assert(fc.property(arb, (s) => {
  const r = normalizeAddress(s);
  if (r.value === null) return true;
  const again = normalizeAddress(r.value);
  const ok = again.value === r.value && again.flags.join() === r.flags.join() && again.confident === r.confident && !/\.\.|\. \.|  |^ | $/.test(r.value) && r.value !== '';
  if (!ok && fails++ < 15) console.error(JSON.stringify(s), JSON.stringify(r), JSON.stringify(again));
  return true;
}), { numRuns: 200000 });
console.error('fails', fails);
