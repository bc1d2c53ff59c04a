import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, unlinkSync, type WriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { STDIO } from './text-source.ts';

/**
 * A file being written. Until `commit`, the bytes go to a temporary file beside it, renamed over
 * it at the end: a crash, a full disk or a failure half-way never leaves a truncated file in its
 * place, and `abort` removes the temporary file. `-` is standard output (written as it goes).
 */
export interface OutputFile {
  /** The path, or `standard output`. */
  readonly name: string;
  readonly stream: Writable;
  /** Writes a chunk, waiting while the stream is full so memory stays flat. */
  write(chunk: string): Promise<void>;
  /** Flushes (to disk), then puts the file in place. */
  commit(): Promise<void>;
  /** Drops what was written: the temporary file is removed, the target left as it was. */
  abort(): Promise<void>;
}

/** Temporary files not yet committed or removed: removed, too, if the process exits first (Ctrl-C). */
const pendingTemporaryFiles = new Set<string>();
let exitHookInstalled = false;

function removePendingOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const path of pendingTemporaryFiles) {
      try {
        unlinkSync(path);
      } catch {
        // Already gone.
      }
    }
  });
}

export async function openOutputFile(path: string): Promise<OutputFile> {
  if (path === STDIO) return standardOutput();
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  // A device or a pipe (`/dev/null`, `>(gzip > f)`) cannot be replaced by a rename: written to directly.
  if (existing && !existing.isFile()) return direct(path, await openStream(path, { flags: 'w' }));

  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  // A failure to create the temporary file (a read-only folder) is reported for the file asked for.
  const stream = await openStream(temporary, { flags: 'wx', mode: existing ? existing.mode & 0o777 : 0o666, flush: true }).catch((error: NodeJS.ErrnoException) => {
    throw naming(error, path);
  });
  pendingTemporaryFiles.add(temporary);
  removePendingOnExit();
  const file = direct(path, stream);
  return {
    ...file,
    async commit() {
      await file.commit();
      await rename(temporary, path);
      pendingTemporaryFiles.delete(temporary);
    },
    async abort() {
      await file.abort();
      await unlink(temporary).catch(() => undefined);
      pendingTemporaryFiles.delete(temporary);
    },
  };
}

/**
 * Bytes a file stream buffers before `write` waits for the disk: the default 16 KiB makes a large
 * output wait on the thread pool every dozen records; 1 MiB keeps memory flat all the same.
 */
const WRITE_BUFFER_BYTES = 1 << 20;

async function openStream(path: string, options: { flags: string; mode?: number; flush?: boolean }): Promise<WriteStream> {
  const stream = createWriteStream(path, { ...options, highWaterMark: WRITE_BUFFER_BYTES });
  await once(stream, 'open');
  return stream;
}

function direct(name: string, stream: WriteStream): OutputFile {
  let failure: Error | undefined;
  // A failed write (ENOSPC) may come when nothing waits on the stream; it is kept and thrown by the next call.
  stream.on('error', (error) => (failure ??= naming(error, name)));
  const check = () => {
    if (failure) throw failure;
  };
  return {
    name,
    stream,
    async write(chunk) {
      check();
      if (!stream.write(chunk)) await once(stream, 'drain').catch((error: Error) => Promise.reject(naming(error, name)));
    },
    async commit() {
      check();
      stream.end();
      await once(stream, 'close').catch((error: Error) => Promise.reject(naming(error, name)));
      check();
    },
    async abort() {
      stream.destroy();
      if (!stream.closed) await once(stream, 'close').catch(() => undefined);
    },
  };
}

/** The error with the path of the file asked for (a write error has none; an open error names the temporary file). */
function naming(error: NodeJS.ErrnoException, path: string): NodeJS.ErrnoException {
  error.path = path;
  return error;
}

function standardOutput(): OutputFile {
  const stream = process.stdout;
  return {
    name: 'standard output',
    stream,
    async write(chunk) {
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
    // Standard output stays open (the summary and other output may follow); everything is flushed.
    async commit() {
      if (stream.writableNeedDrain) await once(stream, 'drain');
    },
    async abort() {
      if (stream.writableNeedDrain) await once(stream, 'drain');
    },
  };
}
