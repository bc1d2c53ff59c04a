import fc from 'fast-check';
import { normalizeAddress } from '#shared/rules/address.ts';
const F = ['cra','Cl.','calle','AV','av.','ak','ac','tv','Diag','autopista','vía','circular','no','No.','N°','nº','n','N.','#','-','–','bis','sur','NORTE','este',
 'a','B','b.','B.','apto','of.','Of.','int','Int.','t','T','torre','barrio','el','la','de','los','y','vereda','finca','km','Peñón','José','ii','12','07','4','130','5.5','3,2',
 ',','.','..',' . ',' ','  ','\t','\u00A0','\u200B',"'",'/','(','ß','ﬁ','casa','mz','ed.','0','n/a','x','°','º'];
const messy = fc.array(fc.constantFrom(...F), { maxLength: 16 }).chain((p) => fc.constantFrom(' ', '', ' ').map((j) => p.join(j)));
let fails = 0; const seen = new Set<string>();
fc.assert(fc.property(messy, (s) => {
  const r = normalizeAddress(s);
  if (r.value === null) return true;
  const again = normalizeAddress(r.value);
  const ok = again.value === r.value && again.flags.join() === r.flags.join() && again.confident === r.confident && !/\.\.|\. \.|  |^ | $/.test(r.value) && r.value !== '';
  const unflaggedBad = !r.flags.length && !/^(?:Cra\.|Cl\.|Av\.|Tr\.|Dg\.|Autopista|Circular|V[ií]a)(?: |$)/u.test(r.value);
  if ((!ok || unflaggedBad) && fails++ < 15) console.error(JSON.stringify(s), JSON.stringify(r), JSON.stringify(again));
  return true;
}), { numRuns: 1000000 });
console.error('fails', fails);
