import { boundedEditDistance } from '#shared/rules/city.ts';
import type { PersonProfile } from './person-profile.ts';

/**
 * Fellegi–Sunter comparisons (the model Splink uses): each compares one attribute of two profiles
 * and answers a level, or null when either side has no value (no evidence either way). Each level
 * has `m`, the chance of that level when both records are the same person, set here from what
 * re-registrations look like (a new e-mail is common, a new name is not); `u`, the chance between
 * two different people, is measured on the data itself (see duplicate-finder.ts).
 */
export interface Comparison {
  name: string;
  levels: Readonly<Record<string, { m: number; reason?: string }>>;
  /** The level that means "the same value": its `u` is that value's frequency in the data (term-frequency adjustment). */
  exactLevel?: string;
  /** The value whose frequency counts for `exactLevel`. */
  value?: (profile: PersonProfile) => string | undefined;
  compare(a: PersonProfile, b: PersonProfile): string | null;
}

/** At least 85% alike: edits (Damerau–Levenshtein) at most 15% of the longer text; a bounded distance, so cheap. */
function alike(a: string, b: string): boolean {
  const limit = Math.floor(0.15 * Math.max(a.length, b.length));
  return boundedEditDistance(a, b, limit) <= limit;
}

const oneEditApart = (a: string, b: string): boolean => boundedEditDistance(a, b, 1) <= 1;

/** Every word of the shorter name equals, or is one typo from, a word of the longer one (at least two words). */
function wordsCovered(a: readonly string[], b: readonly string[]): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length < 2) return false;
  return short.every((word) => long.some((other) => other === word || (word.length >= 4 && other.length >= 4 && oneEditApart(word, other))));
}

const sameOrDifferent = (name: string, m: number, reason: string, pick: (profile: PersonProfile) => string | undefined): Comparison => ({
  name,
  levels: { same: { m, reason: `same ${reason}` }, different: { m: 1 - m } },
  exactLevel: 'same',
  value: pick,
  compare(a, b) {
    const x = pick(a);
    const y = pick(b);
    if (x === undefined || y === undefined) return null;
    return x === y ? 'same' : 'different';
  },
});

export const COMPARISONS: readonly Comparison[] = [
  {
    name: 'name',
    levels: {
      exact: { m: 0.75, reason: 'same name' },
      close: { m: 0.22, reason: 'similar name' },
      different: { m: 0.03 },
    },
    exactLevel: 'exact',
    value: (profile) => profile.name || undefined,
    compare(a, b) {
      if (!a.name || !b.name) return null;
      if (a.name === b.name) return 'exact';
      return alike(a.name, b.name) || wordsCovered(a.nameTokens, b.nameTokens) ? 'close' : 'different';
    },
  },
  {
    name: 'email',
    levels: {
      exact: { m: 0.55, reason: 'same e-mail' },
      close: { m: 0.1, reason: 'similar e-mail' },
      different: { m: 0.35, reason: 'different e-mail' },
    },
    exactLevel: 'exact',
    value: (profile) => profile.email,
    compare(a, b) {
      if (!a.email || !b.email) return null;
      if (a.email === b.email) return 'exact';
      const [localA = '', domainA] = a.email.split('@');
      const [localB = '', domainB] = b.email.split('@');
      if (localA === localB && localA.length >= 5) return 'close';
      if (domainA === domainB && Math.min(localA.length, localB.length) >= 5 && oneEditApart(localA, localB)) return 'close';
      return 'different';
    },
  },
  {
    name: 'phone',
    levels: {
      exact: { m: 0.8, reason: 'same phone' },
      close: { m: 0.05, reason: 'similar phone' },
      different: { m: 0.15, reason: 'different phone' },
    },
    exactLevel: 'exact',
    value: (profile) => profile.phone,
    compare(a, b) {
      if (!a.phone || !b.phone) return null;
      if (a.phone === b.phone) return 'exact';
      return a.phone.slice(-7) === b.phone.slice(-7) ? 'close' : 'different';
    },
  },
  {
    name: 'address',
    levels: {
      exact: { m: 0.55, reason: 'same address' },
      numbers: { m: 0.3, reason: 'same address numbers' },
      different: { m: 0.15, reason: 'different address' },
    },
    exactLevel: 'exact',
    value: (profile) => profile.address,
    compare(a, b) {
      if (!a.address || !b.address) return null;
      if (a.address === b.address) return 'exact';
      return a.addressNumbers !== undefined && a.addressNumbers === b.addressNumbers ? 'numbers' : 'different';
    },
  },
  {
    ...sameOrDifferent('city', 0.88, 'city', (profile) => profile.city),
    levels: { same: { m: 0.88, reason: 'same city' }, different: { m: 0.12, reason: 'different city' } },
  },
  sameOrDifferent('educationLevel', 0.8, 'education level', (profile) => profile.educationLevel),
  sameOrDifferent('occupation', 0.6, 'occupation', (profile) => profile.occupation),
  sameOrDifferent('organization', 0.6, 'organization', (profile) => profile.organization),
];
