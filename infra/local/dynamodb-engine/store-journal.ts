import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LocalStoreInUseError } from '#shared/errors/normflow-errors.ts';
import { holdsBytes } from './attribute-values.ts';
import type { Change } from './dynamodb-engine.ts';

/**
 * The embedded store on disk: one file of changes, a JSON line each, appended as the engine makes
 * them and read back in order when the store opens. Lines are written together once per turn of
 * the event loop (a process that dies loses at most the changes of its last few milliseconds, as
 * with any local database that does not sync each write); a line cut short by a crash is the last
 * one and is dropped on reading. When the file has grown to several times what it holds, closing
 * rewrites it as a snapshot (to a temporary file, synced, then renamed over it).
 */
const JOURNAL_FILE = 'tables.jsonl';
const LOCK_FILE = 'LOCK';
/** Compact when the file is this many times the size of a snapshot's estimate. */
const COMPACT_RATIO = 3;
const FLUSH_BYTES = 4 * 1024 * 1024;

/** Byte values travel in JSON as `{"$bytes": "<base64>"}`. */
const BYTES_TAG = '$bytes';

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  return original instanceof Uint8Array ? { [BYTES_TAG]: Buffer.from(original).toString('base64') } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const tagged = (value as Record<string, unknown>)[BYTES_TAG];
    if (typeof tagged === 'string' && Object.keys(value).length === 1) return new Uint8Array(Buffer.from(tagged, 'base64'));
  }
  return value;
}

const changeHoldsBytes = (change: Change): boolean =>
  (change.kind === 'put' && holdsBytes({ M: change.item })) || (change.kind === 'remove' && holdsBytes({ M: change.key }));

/** One change as a JSON line (the byte-value replacer only when there are bytes: it slows every other line). */
export const changeLine = (change: Change): string => (changeHoldsBytes(change) ? JSON.stringify(change, replacer) : JSON.stringify(change)) + '\n';

export const parseChangeLine = (line: string): Change => (line.includes(`"${BYTES_TAG}"`) ? JSON.parse(line, reviver) : JSON.parse(line)) as Change;

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Takes the directory's lock file, or says which live process holds it; a lock left by a dead process is taken over. */
function takeLock(directory: string): () => void {
  const path = join(directory, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      // This very process counts as another user too: a second store opened on the same directory would lose writes.
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new LocalStoreInUseError(`another normflow process is using ${directory} (pid ${holder}); wait for it to finish`);
      }
      unlinkSync(path);
    }
  }
  throw new LocalStoreInUseError(`another normflow process is using ${directory}; wait for it to finish`);
}

export interface StoreJournal {
  record(change: Change): void;
  /** Writes what is pending, compacts when worthwhile (from `snapshot`), syncs and releases the lock. */
  close(snapshot: () => Iterable<Change>, liveBytes: number): void;
}

/**
 * Opens (or creates) the journal in `directory`, hands every change it holds to `replay`, and
 * returns the journal to append to.
 */
export async function openStoreJournal(directory: string, replay: (change: Change) => void): Promise<StoreJournal> {
  const release = takeLock(directory);
  const path = join(directory, JOURNAL_FILE);
  try {
    await replayFile(path, replay);
  } catch (error) {
    release();
    throw error;
  }
  let descriptor = openSync(path, 'a');
  let pending: string[] = [];
  let pendingBytes = 0;
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    writeSync(descriptor, pending.join(''));
    pending = [];
    pendingBytes = 0;
  };

  return {
    record(change) {
      const line = changeLine(change);
      pending.push(line);
      pendingBytes += line.length;
      if (pendingBytes >= FLUSH_BYTES) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    close(snapshot, liveBytes) {
      flush();
      fsyncSync(descriptor);
      closeSync(descriptor);
      descriptor = -1;
      if (statSync(path).size > COMPACT_RATIO * liveBytes + FLUSH_BYTES) compact(path, snapshot());
      release();
    },
  };
}

async function replayFile(path: string, replay: (change: Change) => void): Promise<void> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (size === 0) return;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let number = 0;
  let damaged: number | undefined;
  for await (const line of lines) {
    number += 1;
    if (line === '') continue;
    if (damaged !== undefined) throw new Error(`the local store file ${path} is damaged at line ${damaged}; move it away to start an empty store`);
    try {
      replay(parseChangeLine(line));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      // Only the last line may be cut short (a crash while appending); one in the middle is damage.
      damaged = number;
    }
  }
}

function compact(path: string, changes: Iterable<Change>): void {
  const temporary = `${path}.compacting`;
  const descriptor = openSync(temporary, 'w');
  try {
    let buffer: string[] = [];
    let bytes = 0;
    for (const change of changes) {
      const line = changeLine(change);
      buffer.push(line);
      bytes += line.length;
      if (bytes >= FLUSH_BYTES) {
        writeSync(descriptor, buffer.join(''));
        buffer = [];
        bytes = 0;
      }
    }
    if (buffer.length > 0) writeSync(descriptor, buffer.join(''));
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, path);
}
