/**
 * `npm run bench:duplicates [-- --people 10000 --json]`
 *
 * Precision and recall of `normflow leads duplicates` on generated leads with known
 * re-registrations (shared/samples/duplicate-generator.ts, fixed seeds), with and without a phone
 * field, plus the namesakes wrongly paired, candidate pairs compared and time. Every figure is
 * computed here, now.
 */
import { parseArgs } from 'node:util';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { findDuplicates } from '#shared/dedup/duplicate-finder.ts';
import { personProfile } from '#shared/dedup/person-profile.ts';
import { generateDuplicateSample, truePairs } from '#shared/samples/duplicate-generator.ts';

export interface DuplicateFigures {
  scenario: string;
  leads: number;
  truePairs: number;
  reported: number;
  precision: number;
  recall: number;
  namesakePairs: number;
  candidatePairs: number;
  seconds: number;
}

export function measureDuplicates(options: { people: number; namesakes: number; seed: number; phone: boolean; minScore?: number }): DuplicateFigures {
  const sample = generateDuplicateSample({ people: options.people, namesakes: options.namesakes, seed: options.seed, ...(options.phone ? { phoneField: 'telefono' } : {}) });
  const config = parseConfig({});
  const started = performance.now();
  const profiles = sample.leads.map((lead) => personProfile(lead, config, { email: 'email', ...(options.phone ? { phone: 'telefono' } : {}) }));
  const { pairs, stats } = findDuplicates(profiles, options.minScore === undefined ? {} : { minScore: options.minScore });
  const seconds = (performance.now() - started) / 1000;
  const truth = truePairs(sample);
  const reported = pairs.map((pair) => pair.leadIds.join('|'));
  const correct = reported.filter((pair) => truth.has(pair)).length;
  const namesakePairs = pairs.filter((pair) => pair.leadIds.every((id) => sample.personOf.get(id)?.startsWith('N'))).length;
  return {
    scenario: options.phone ? 'names, address, city, e-mail, phone' : 'names, address, city, e-mail',
    leads: sample.leads.length,
    truePairs: truth.size,
    reported: pairs.length,
    precision: pairs.length === 0 ? 1 : correct / pairs.length,
    recall: truth.size === 0 ? 1 : correct / truth.size,
    namesakePairs,
    candidatePairs: stats.candidatePairs,
    seconds: Math.round(seconds * 100) / 100,
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '');
if (isMain) {
  const { values } = parseArgs({ options: { people: { type: 'string', default: '10000' }, json: { type: 'boolean', default: false } } });
  const people = Number(values.people);
  const figures = [false, true].map((phone) => measureDuplicates({ people, namesakes: Math.round(people / 50), seed: 2026, phone }));
  if (values.json) {
    console.log(JSON.stringify(figures, null, 2));
  } else {
    const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
    for (const figure of figures) {
      console.log(`${figure.scenario}: ${figure.leads} leads, ${figure.truePairs} true pairs`);
      console.log(`  reported ${figure.reported}: precision ${percent(figure.precision)}, recall ${percent(figure.recall)}; namesakes paired: ${figure.namesakePairs}; candidate pairs ${figure.candidatePairs} (${(figure.candidatePairs / figure.leads).toFixed(1)} per lead); ${figure.seconds} s`);
    }
  }
}
