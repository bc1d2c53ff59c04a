import { vi } from 'vitest';

/**
 * Captures everything written to stdout and stderr (Powertools logs and EMF included) from now on,
 * so a test can check that no personal data was written. Undo with `vi.restoreAllMocks()`.
 */
export function captureOutput(): string[] {
  const lines: string[] = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return lines;
}
