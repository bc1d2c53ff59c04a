/** 95% Wilson score interval of a proportion: honest for small samples and for rates near 0 or 1. */
export function wilsonInterval(successes: number, total: number, z = 1.959964): { low: number; high: number } {
  if (total === 0) return { low: 0, high: 1 };
  const p = successes / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denominator;
  const margin = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denominator;
  // Rounding can leave p a hair outside its own interval (10/10 gave high 0.9999999999999999).
  return { low: Math.min(p, Math.max(0, centre - margin)), high: Math.max(p, Math.min(1, centre + margin)) };
}
