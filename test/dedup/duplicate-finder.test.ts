import { describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { blockingKeys, findDuplicates } from '#shared/dedup/duplicate-finder.ts';
import { normalizeEmail, normalizePhone, personProfile } from '#shared/dedup/person-profile.ts';
import { generateDuplicateSample, truePairs } from '#shared/samples/duplicate-generator.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';

const config = parseConfig({});
const profilesOf = (leads: LeadItem[], phone?: string) => leads.map((lead) => personProfile(lead, config, { email: 'email', ...(phone ? { phone } : {}) }));

/** Background population, so that value frequencies mean something. */
const background = generateDuplicateSample({ people: 1_500, reRegistrationShare: 0, seed: 99 }).leads;

describe('person profiles', () => {
  it('normalize and fold what they compare; the lead\'s normalizedData wins over the rules', () => {
    const profile = personProfile(
      { leadId: 'a', nombres: 'PÉREZ', apellidos: 'ana maría', ciudad: 'medellin', direccion: 'CRA 15 NO 100 25', email: ' Ana.Perez+news@Example.com ', nivelEducativo: 'bachillerato' },
      config,
      { email: 'email' },
    );
    expect(profile).toEqual({
      leadId: 'a',
      nameTokens: ['ana', 'maria', 'perez'],
      name: 'ana maria perez',
      email: 'ana.perez@example.com',
      address: 'cra 15 100 25',
      addressNumbers: '15 100 25',
      city: '05001',
      educationLevel: 'bachiller',
    });
    expect(personProfile({ leadId: 'b', ciudad: 'x', normalizedData: { ciudad: 'Bello', ciudadCodigoDane: '05088' } }, config).city).toBe('05088');
    expect(normalizeEmail('not an e-mail')).toBeUndefined();
    expect(normalizePhone('+57 300 123 4567')).toBe('3001234567');
    expect(normalizePhone('12-34')).toBeUndefined();
  });

  it('block on e-mail, phone, address numbers in the city, the exact name, and name-word pairs in the city', () => {
    const [profile] = profilesOf([{ leadId: 'a', nombres: 'Diana', apellidos: 'Rodríguez Rodríguez', ciudad: 'Cali', direccion: 'Cl 5 # 10-20', email: 'd@x.co', tel: '3001234567' }], 'tel');
    expect(blockingKeys(profile!).sort()).toEqual(
      ['a:76001|5 10 20', 'e:d@x.co', 'l:d', 'n:diana rodriguez rodriguez', 'p:3001234567', 't:76001|dian|rodr', 't:76001|rodr|rodr'].sort(),
    );
  });
});

describe('duplicate pairs', () => {
  it('pairs a re-registration with a new e-mail, in capitals, the city and address typed another way; says why, by attribute only', () => {
    const first = { leadId: 'first', nombres: 'Gustavo Adolfo', apellidos: 'Villamizar Tobón', ciudad: 'Bucaramanga', direccion: 'Carrera 27 # 45-12', email: 'gavt@example.com' };
    const again = { leadId: 'again', nombres: 'GUSTAVO ADOLFO', apellidos: 'VILLAMIZAR TOBON', ciudad: 'BUCARAMANGA, Santander', direccion: 'cra 27 no 45 12', email: 'gustavo.villamizar@yahoo.com' };
    const { pairs } = findDuplicates(profilesOf([...background, first, again]));
    const pair = pairs.find((candidate) => candidate.leadIds.includes('first'));
    expect(pair?.leadIds).toEqual(['again', 'first']);
    expect(pair?.score).toBeGreaterThan(0.95);
    expect(pair?.reasons).toEqual(expect.arrayContaining(['same name', 'same address', 'same city', 'different e-mail']));
    expect(JSON.stringify(pair)).not.toMatch(/villamizar|gustavo|45/i);
  });

  it('pairs one without any e-mail, by a rare name typed with a typo and the same address', () => {
    const first = { leadId: 'x1', nombres: 'Ximena', apellidos: 'Buitrago Chaparro', ciudad: 'Tunja', direccion: 'Calle 19 # 9-40', email: 'xb@example.com' };
    const again = { leadId: 'x2', nombres: 'Ximena', apellidos: 'Buitrago Chaparo', ciudad: 'tunja', direccion: 'CL 19 9 40' };
    expect(findDuplicates(profilesOf([...background, first, again])).pairs.map((pair) => pair.leadIds)).toContainEqual(['x1', 'x2']);
  });

  it('does not pair different people who merely share a common name and city', () => {
    const namesakes = Array.from({ length: 12 }, (_, index) => ({
      leadId: `maria-${index}`,
      nombres: 'María',
      apellidos: 'Rodríguez Gómez',
      ciudad: 'Bogotá',
      direccion: `Calle ${20 + index} # ${index + 3}-${10 + index}`,
      email: `maria.rodriguez${index}@example.com`,
      nivelEducativo: 'Bachiller',
    }));
    const { pairs } = findDuplicates(profilesOf([...background, ...namesakes]));
    expect(pairs.filter((pair) => pair.leadIds.some((id) => id.startsWith('maria-')))).toEqual([]);
  });

  it('finds the generated re-registrations with high precision and recall, and no namesake pair; the same every time', () => {
    const sample = generateDuplicateSample({ people: 1_500, namesakes: 40, seed: 5 });
    const truth = truePairs(sample);
    const { pairs, stats } = findDuplicates(profilesOf(sample.leads));
    const correct = pairs.filter((pair) => truth.has(pair.leadIds.join('|'))).length;
    expect(correct / pairs.length).toBeGreaterThanOrEqual(0.98);
    expect(correct / truth.size).toBeGreaterThanOrEqual(0.88);
    expect(pairs.filter((pair) => pair.leadIds.every((id) => sample.personOf.get(id)?.startsWith('N')))).toEqual([]);
    // Blocking keeps the comparisons near-linear: a few dozen per lead, not thousands.
    expect(stats.candidatePairs / stats.profiles).toBeLessThan(40);
    expect(findDuplicates(profilesOf(sample.leads)).pairs).toEqual(pairs);
  });
});
