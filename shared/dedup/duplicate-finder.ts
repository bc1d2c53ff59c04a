import { seededRandom } from '#shared/samples/seeded-random.ts';
import { COMPARISONS, type Comparison } from './comparisons.ts';
import type { PersonProfile } from './person-profile.ts';

export interface DuplicatePair {
  leadIds: [string, string];
  /** Probability that both leads are the same person, 0–1. */
  score: number;
  /** What agreed (and what notably differed), by attribute name: never a value. */
  reasons: string[];
}

export interface DuplicateOptions {
  /** Pairs scoring below this are not reported. */
  minScore?: number;
  /** Share of people expected to have registered more than once: the prior of the model. */
  expectedDuplicateShare?: number;
  /** A block with more leads than this is not compared (a very common value says little). */
  maxBlockSize?: number;
  /** Random pairs drawn to measure how often different people agree by chance. */
  sampleSize?: number;
  seed?: number;
}

export interface DuplicateStats {
  profiles: number;
  blocks: number;
  skippedBlocks: number;
  candidatePairs: number;
}

export const DEFAULT_MIN_SCORE = 0.9;
const DEFAULTS = { minScore: DEFAULT_MIN_SCORE, expectedDuplicateShare: 0.05, maxBlockSize: 50, sampleSize: 50_000, seed: 7 };

/**
 * Blocking keys: only leads sharing a key are compared, so the work grows with the number of leads,
 * not its square. A re-registration shares at least one key unless e-mail, phone, address numbers
 * and name all changed at once: the e-mail (whole, or its local part), the phone, the city with the
 * address numbers, the exact name, and the city with each pair of name words' first four letters
 * (a typo after the fourth letter, a dropped middle name or swapped surnames keep some pair).
 */
export function blockingKeys(profile: PersonProfile): string[] {
  const keys: string[] = [];
  if (profile.email) keys.push(`e:${profile.email}`, `l:${profile.email.split('@')[0]}`);
  if (profile.phone) keys.push(`p:${profile.phone}`);
  if (profile.addressNumbers) keys.push(`a:${profile.city ?? ''}|${profile.addressNumbers}`);
  if (profile.name) keys.push(`n:${profile.name}`);
  // Repeated words stay (`Rodríguez Rodríguez`): with a typo in the given name, that pair still matches.
  const prefixes = profile.nameTokens.filter((token) => token.length >= 2).map((token) => token.slice(0, 4)).sort();
  for (let i = 0; i < prefixes.length; i += 1) {
    for (let j = i + 1; j < prefixes.length; j += 1) keys.push(`t:${profile.city ?? ''}|${prefixes[i]}|${prefixes[j]}`);
  }
  return [...new Set(keys)];
}

interface LevelWeights {
  /** log2(m/u) per level that has no per-value frequency. */
  weights: Map<string, number>;
  /** Per value of the exact level: log2(m/u) with u its frequency. */
  exactWeights: Map<string, number>;
  defaultExactWeight: number;
}

/** u of every level from random pairs, and per-value frequencies for the exact levels. */
function estimateWeights(profiles: readonly PersonProfile[], sampleSize: number, seed: number): Map<string, LevelWeights> {
  const random = seededRandom(seed);
  const result = new Map<string, LevelWeights>();
  for (const comparison of COMPARISONS) {
    const counts = new Map<string, number>(Object.keys(comparison.levels).map((level) => [level, 0]));
    let compared = 0;
    if (profiles.length >= 2) {
      for (let draw = 0; draw < sampleSize; draw += 1) {
        const a = profiles[Math.floor(random() * profiles.length)];
        const b = profiles[Math.floor(random() * profiles.length)];
        if (!a || !b || a === b) continue;
        const level = comparison.compare(a, b);
        if (level === null) continue;
        counts.set(level, (counts.get(level) ?? 0) + 1);
        compared += 1;
      }
    }
    const levelCount = Object.keys(comparison.levels).length;
    const weights = new Map<string, number>();
    for (const [level, { m }] of Object.entries(comparison.levels)) {
      // Add-one smoothing: a level never seen between random pairs is rare, not impossible.
      const u = ((counts.get(level) ?? 0) + 1) / (compared + levelCount);
      weights.set(level, Math.log2(m / u));
    }
    result.set(comparison.name, { weights, ...exactWeights(comparison, profiles) });
  }
  return result;
}

function exactWeights(comparison: Comparison, profiles: readonly PersonProfile[]): Pick<LevelWeights, 'exactWeights' | 'defaultExactWeight'> {
  const m = comparison.exactLevel ? (comparison.levels[comparison.exactLevel]?.m ?? 1) : 1;
  const frequencies = new Map<string, number>();
  let present = 0;
  for (const profile of profiles) {
    const value = comparison.value?.(profile);
    if (value === undefined) continue;
    present += 1;
    frequencies.set(value, (frequencies.get(value) ?? 0) + 1);
  }
  const total = Math.max(present, 1);
  return {
    exactWeights: new Map([...frequencies].map(([value, count]) => [value, Math.log2(m / (count / total))])),
    defaultExactWeight: Math.log2(m * total),
  };
}

/** Match weight of a pair (sum of log2 Bayes factors) and the evidence behind it. */
function scorePair(a: PersonProfile, b: PersonProfile, weights: Map<string, LevelWeights>): { weight: number; reasons: string[] } {
  let weight = 0;
  const reasons: string[] = [];
  for (const comparison of COMPARISONS) {
    const level = comparison.compare(a, b);
    if (level === null) continue;
    const table = weights.get(comparison.name);
    if (!table) continue;
    if (level === comparison.exactLevel) {
      const value = comparison.value?.(a);
      weight += (value !== undefined ? table.exactWeights.get(value) : undefined) ?? table.defaultExactWeight;
    } else {
      weight += table.weights.get(level) ?? 0;
    }
    const reason = comparison.levels[level]?.reason;
    if (reason) reasons.push(reason);
  }
  return { weight, reasons };
}

/**
 * Finds leads that are probably the same person registered more than once. Candidate pairs come
 * from blocking; each is scored with Fellegi–Sunter weights whose `u` are measured on these very
 * profiles (random pairs, and each value's own frequency, so a common name or a big city weighs
 * little); the score is the match probability under a prior of `expectedDuplicateShare`.
 */
export function findDuplicates(profiles: readonly PersonProfile[], options: DuplicateOptions = {}): { pairs: DuplicatePair[]; stats: DuplicateStats } {
  const settings = { ...DEFAULTS, ...options };
  const blocks = new Map<string, number[]>();
  profiles.forEach((profile, index) => {
    for (const key of blockingKeys(profile)) {
      let members = blocks.get(key);
      if (!members) blocks.set(key, (members = []));
      members.push(index);
    }
  });

  const weights = estimateWeights(profiles, settings.sampleSize, settings.seed);
  const pairCount = Math.max((profiles.length * (profiles.length - 1)) / 2, 1);
  const prior = Math.min((settings.expectedDuplicateShare * profiles.length) / pairCount, 0.5);
  const priorWeight = Math.log2(prior / (1 - prior));

  const seen = new Set<number>();
  const pairs: DuplicatePair[] = [];
  let skippedBlocks = 0;
  for (const members of blocks.values()) {
    if (members.length < 2) continue;
    if (members.length > settings.maxBlockSize) {
      skippedBlocks += 1;
      continue;
    }
    for (let i = 0; i < members.length; i += 1) {
      for (let j = i + 1; j < members.length; j += 1) {
        const [x, y] = [members[i] ?? 0, members[j] ?? 0].sort((p, q) => p - q) as [number, number];
        const pairKey = x * profiles.length + y;
        if (seen.has(pairKey)) continue;
        seen.add(pairKey);
        const a = profiles[x];
        const b = profiles[y];
        if (!a || !b || a.leadId === b.leadId) continue;
        const { weight, reasons } = scorePair(a, b, weights);
        const score = 1 / (1 + 2 ** -(weight + priorWeight));
        if (score < settings.minScore) continue;
        const leadIds = [a.leadId, b.leadId].sort() as [string, string];
        pairs.push({ leadIds, score: Math.round(score * 10_000) / 10_000, reasons });
      }
    }
  }
  pairs.sort((p, q) => q.score - p.score || p.leadIds[0].localeCompare(q.leadIds[0]) || p.leadIds[1].localeCompare(q.leadIds[1]));
  return { pairs, stats: { profiles: profiles.length, blocks: blocks.size, skippedBlocks, candidatePairs: seen.size } };
}
