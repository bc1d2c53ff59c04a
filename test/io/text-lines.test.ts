import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textLines, type TextLine } from '#shared/io/text-lines.ts';

async function linesOf(chunks: string[], maxLineChars?: number): Promise<TextLine[]> {
  async function* source() {
    yield* chunks;
  }
  const lines: TextLine[] = [];
  for await (const line of textLines(source(), maxLineChars)) lines.push(line);
  return lines;
}

describe('textLines', () => {
  it('splits at LF, CRLF and a lone CR, keeping each break, whatever the chunk boundaries (property)', async () => {
    const text = fc.array(fc.constantFrom('a', 'ñ', ' ', '\n', '\r', '\r\n'), { maxLength: 40 }).map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(40), { maxLength: 5 }), async (whole, cuts) => {
        const points = [...new Set(cuts.filter((cut) => cut < whole.length))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((start, index) => whole.slice(start, points[index] ?? whole.length));
        const lines = await linesOf(chunks);
        expect(lines.map((line) => line.text + line.lineBreak).join('')).toBe(whole);
        expect(lines.map((line) => line.number)).toEqual(lines.map((_, index) => index + 1));
        const expected = whole === '' ? [] : whole.split(/\r\n|\n|\r/);
        if (whole.endsWith('\n') || whole.endsWith('\r')) expected.pop();
        expect(lines.map((line) => line.text)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('reports a line longer than the cap by its start only, and goes on with the next', async () => {
    const lines = await linesOf(['short\n', 'x'.repeat(300), 'y'.repeat(300), '\nafter'], 400);
    expect(lines).toEqual([
      { text: 'short', lineBreak: '\n', number: 1 },
      { text: 'x'.repeat(200), lineBreak: '\n', number: 2, tooLong: true },
      { text: 'after', lineBreak: '', number: 3 },
    ]);
  });
});
