import { stat } from 'node:fs/promises';
import { UsageError } from '#shared/errors/normflow-errors.ts';

/**
 * A command that reads the local store needs it to exist: a mistyped `--data-dir` would
 * otherwise quietly create an empty store and report that nothing is there. Only the commands
 * that load data (`seed`, `analytics seed`, `run --seed-if-empty`, `analytics run` with its
 * sample data) create it.
 */
export async function checkDataDir(dataDir: string): Promise<void> {
  const found = await stat(dataDir).catch(() => undefined);
  if (found?.isDirectory()) return;
  throw new UsageError(
    found
      ? `--data-dir ${dataDir} is not a folder`
      : `no local store in ${dataDir}: load records first (npx normflow seed --input F), or run npm start; --data-dir names another folder`,
  );
}
