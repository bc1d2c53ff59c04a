import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/normflow.mjs', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `normflow` bin; resolves with its exit code and output instead of throwing. */
export function normflowProcess(
  args: readonly string[],
  options: { cwd?: string; stdin?: string | Buffer; nodeOptions?: readonly string[]; env?: Record<string, string> } = {},
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [...(options.nodeOptions ?? []), BIN, ...args],
      { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, FORCE_COLOR: '0', ...options.env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.stdin ?? '');
  });
}
