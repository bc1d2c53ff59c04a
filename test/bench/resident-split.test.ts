import { describe, expect, it } from 'vitest';
import { sampleResidentSplit } from '#bench/bench-child.ts';

describe.runIf(process.platform === 'linux')('the benches’ split of peak RSS', () => {
  it('sees memory this process fills as its own, not file-backed', async () => {
    const stop = sampleResidentSplit(10);
    const first = stop();
    const again = sampleResidentSplit(10);
    const filled = Buffer.alloc(96 * 1024 * 1024, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = again();
    expect(filled.at(-1)).toBe(1);
    expect(first?.peakFileBackedMiB).toBeGreaterThan(0);
    expect((after?.peakAnonymousMiB ?? 0) - (first?.peakAnonymousMiB ?? 0)).toBeGreaterThanOrEqual(80);
    expect(Math.abs((after?.peakFileBackedMiB ?? 0) - (first?.peakFileBackedMiB ?? 0))).toBeLessThan(40);
  });
});
