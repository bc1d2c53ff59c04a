/**
 * How a failure reaches the user: one line on stderr, `normflow: …`, exit 2 when the command line
 * was wrong (flags, config, files named) and 1 when the work itself failed. Kept free of heavy
 * imports: `main.ts` loads it before knowing which command runs.
 */
import type { ErrorName } from '#shared/errors/normflow-errors.ts';

const EXIT_RUNTIME_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Errors named as the pipeline's contract whose message is already written for the user (and every `Model.*`). */
const USAGE_ERROR_NAMES = new Set<string>(['UsageError', 'RollbackRefused', 'Config.Invalid', 'Athena.QueryFailed', 'Input.Invalid', 'Input.AmbiguousField'] satisfies ErrorName[]);
/** Expected failures of the work itself (a lock held by another process, a local store out of memory). */
const RUNTIME_ERROR_NAMES = new Set<string>(['Local.StoreInUse', 'Local.StoreFull'] satisfies ErrorName[]);

const FILE_ERROR_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  EBUSY: 'resource busy',
  EIO: 'input/output error',
  EFBIG: 'file too large',
};

const SYSCALL_VERB: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  rename: 'replace',
  mkdir: 'create the folder',
  stat: 'read',
  lstat: 'read',
  unlink: 'remove',
  scandir: 'list',
  realpath: 'find',
};

/** `cannot write out.csv: no space left on device (ENOSPC)` for a Node file-system error, else undefined. */
export function describeFileError(error: unknown): string | undefined {
  const failure = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || typeof failure.code !== 'string' || !(failure.code in FILE_ERROR_TEXT)) return undefined;
  const verb = SYSCALL_VERB[failure.syscall ?? ''] ?? 'use';
  const target = failure.path ? ` ${failure.path}` : '';
  return `cannot ${verb}${target}: ${FILE_ERROR_TEXT[failure.code]} (${failure.code})`;
}

export interface FailureReport {
  line: string;
  exitCode: number;
  /** Whether the failure is a bug (unexpected), for which `--debug` shows the stack. */
  unexpected: boolean;
}

const isUsageErrorName = (name: string): boolean => USAGE_ERROR_NAMES.has(name) || name.startsWith('Model.');

/** The exit code of a failure known only by its error name (a local execution's: `Config.Invalid` is a usage error). */
export const exitCodeOfErrorName = (name: string | undefined): number => (name !== undefined && isUsageErrorName(name) ? EXIT_USAGE : EXIT_RUNTIME_FAILURE);

/** The one line and exit code a failure is reported with. */
export function describeFailure(error: unknown): FailureReport {
  if (error instanceof Error) {
    if (isUsageErrorName(error.name)) {
      return { line: `normflow: ${oneLine(error.message)}`, exitCode: EXIT_USAGE, unexpected: false };
    }
    if (RUNTIME_ERROR_NAMES.has(error.name)) {
      return { line: `normflow: ${oneLine(error.message)}`, exitCode: EXIT_RUNTIME_FAILURE, unexpected: false };
    }
    const fileError = describeFileError(error) ?? describeFileError(error.cause);
    if (fileError) return { line: `normflow: ${fileError}`, exitCode: EXIT_RUNTIME_FAILURE, unexpected: false };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    line: `normflow: unexpected error: ${oneLine(message)} (run again with --debug for the stack trace)`,
    exitCode: EXIT_RUNTIME_FAILURE,
    unexpected: true,
  };
}

const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
