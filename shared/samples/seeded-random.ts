/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same samples on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The draws the sample generators make, all from one seeded stream, in the order they are asked for. */
export function seededDraws(seed: number) {
  const random = seededRandom(seed);
  /** One of `values` (undefined when there are none). */
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const hex = (length: number) => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');
  /** A random (version 4) UUID's shape, as Cognito user ids have it. */
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  return { random, pick, uuid };
}
