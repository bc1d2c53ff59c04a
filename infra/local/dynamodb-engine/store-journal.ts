import { closeSync, createReadStream, fsyncSync, openSync, readFileSync, realpathSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStoreInUseError } from '#shared/errors/normflow-errors.ts';
import { holdsBytes } from './attribute-values.ts';
import { base64Of, withLeavesReplaced } from './json-forms.ts';
import type { Change } from './dynamodb-engine.ts';

/**
 * The embedded store on disk: one file of changes, a JSON line each, appended as the engine makes
 * them and read back in order when the store opens. Lines are written together once per turn of
 * the event loop (a process that dies loses at most the changes of its last few milliseconds, as
 * with any local database that does not sync each write); a line cut short by a crash is the last
 * one and is dropped on reading (and cut from the file, so the next line appended starts a line of
 * its own). When the file has grown to several times what it holds, closing
 * rewrites it as a snapshot (to a temporary file, synced, then renamed over it).
 */
const JOURNAL_FILE = 'tables.jsonl';
const LOCK_FILE = 'LOCK';
/** Compact when the file is this many times the size of a snapshot's estimate. */
const COMPACT_RATIO = 3;
const FLUSH_BYTES = 4 * 1024 * 1024;

/** Byte values travel in JSON as `{"$bytes": "<base64>"}`. */
const BYTES_TAG = '$bytes';

/** The value with its byte arrays as `{"$bytes": …}`. */
const taggedBytes = (value: unknown): unknown => withLeavesReplaced(value, (leaf) => (leaf instanceof Uint8Array ? { [BYTES_TAG]: base64Of(leaf) } : undefined));

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const tagged = (value as Record<string, unknown>)[BYTES_TAG];
    if (typeof tagged === 'string' && Object.keys(value).length === 1) return new Uint8Array(Buffer.from(tagged, 'base64'));
  }
  return value;
}

const changeHoldsBytes = (change: Change): boolean =>
  (change.kind === 'put' && holdsBytes({ M: change.item })) || (change.kind === 'remove' && holdsBytes({ M: change.key }));

/** One change as a JSON line (copied with its bytes tagged only when it has bytes). */
const changeLine = (change: Change): string => JSON.stringify(changeHoldsBytes(change) ? taggedBytes(change) : change) + '\n';

const parseChangeLine = (line: string): Change => (line.includes(`"${BYTES_TAG}"`) ? JSON.parse(line, reviver) : JSON.parse(line)) as Change;

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Directories whose lock this process holds. A lock file naming this very process is in use only
 * when listed here: otherwise an earlier process with the same pid left it (a container's normflow
 * is pid 1 every time it starts), and waiting for it would wait forever.
 */
const heldHere = new Set<string>();

/** Takes the directory's lock file, or says which live process holds it; a lock left by a dead process is taken over. */
function takeLock(directory: string): () => void {
  const path = join(directory, LOCK_FILE);
  const held = realpathSync(directory);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      heldHere.add(held);
      return () => {
        heldHere.delete(held);
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      // This very process holding it counts as another user too: a second store opened on the same directory would lose writes.
      const inUse = holder === process.pid ? heldHere.has(held) : Number.isInteger(holder) && holder > 0 && processAlive(holder);
      if (inUse) throw new LocalStoreInUseError(`another normflow process is using ${directory} (pid ${holder}); wait for it to finish`);
      unlinkSync(path);
    }
  }
  throw new LocalStoreInUseError(`another normflow process is using ${directory}; wait for it to finish`);
}

export interface StoreJournal {
  record(change: Change): void;
  /** Replaces the whole file with these changes, at once (written to a temporary file, synced, renamed over it). */
  rewrite(changes: Iterable<Change>): void;
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
  let descriptor: number;
  try {
    const { tornAt, unterminated } = await replayFile(path, replay);
    // Appending after a cut or unterminated last line would glue the next change onto it: one damaged line.
    if (tornAt !== undefined) truncateSync(path, tornAt);
    descriptor = openSync(path, 'a');
    if (tornAt === undefined && unterminated) writeSync(descriptor, '\n');
  } catch (error) {
    release();
    throw error;
  }
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
    rewrite(changes) {
      flush();
      closeSync(descriptor);
      compact(path, changes);
      descriptor = openSync(path, 'a');
    },
    close(snapshot, liveBytes) {
      // Unlocked even when writing fails (a full disk): the file is still whole (compaction renames
      // over it only once its copy is complete), and a later open must not find it held.
      try {
        flush();
        fsyncSync(descriptor);
        closeSync(descriptor);
        descriptor = -1;
        if (statSync(path).size > COMPACT_RATIO * liveBytes + FLUSH_BYTES) compact(path, snapshot());
      } finally {
        release();
      }
    },
  };
}

/** The file's lines (without their '\n'), each with the byte offset where it starts; `terminated` is false for a last line without '\n'. */
async function* linesOf(path: string): AsyncGenerator<{ text: string; start: number; terminated: boolean }> {
  let start = 0;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let from = 0;
    for (let at = data.indexOf(0x0a); at >= 0; at = data.indexOf(0x0a, from)) {
      yield { text: data.toString('utf8', from, at), start: start + from, terminated: true };
      from = at + 1;
    }
    start += from;
    rest = data.subarray(from);
  }
  if (rest.length > 0) yield { text: rest.toString('utf8'), start, terminated: false };
}

/**
 * Replays every change of the file. Returns where a last line cut short starts (`tornAt`), and
 * whether the last line, complete, lacks its '\n'; a damaged line before the last is an error.
 */
async function replayFile(path: string, replay: (change: Change) => void): Promise<{ tornAt: number | undefined; unterminated: boolean }> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { tornAt: undefined, unterminated: false };
    throw error;
  }
  if (size === 0) return { tornAt: undefined, unterminated: false };
  let number = 0;
  let damaged: { number: number; start: number } | undefined;
  const damage = (at: number, cause?: unknown) => new Error(`the local store file ${path} is damaged at line ${at}; move it away to start an empty store`, { cause });
  let unterminated = false;
  for await (const line of linesOf(path)) {
    number += 1;
    unterminated = !line.terminated;
    if (line.text === '') continue;
    if (damaged !== undefined) throw damage(damaged.number);
    let change: Change;
    try {
      change = parseChangeLine(line.text);
    } catch {
      // Only the last line may be cut short (a crash while appending); one in the middle is damage.
      damaged = { number, start: line.start };
      continue;
    }
    try {
      replay(change);
    } catch (error) {
      // JSON, but not a change the engine made (no table key, not an object): damage wherever it is.
      throw damage(number, error);
    }
  }
  return { tornAt: damaged?.start, unterminated };
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
