import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ObjectStore } from './object-store.ts';

/** The bucket as a local folder (the embedded default): key `a/b.csv` is `<root>/a/b.csv`. */
export function createFolderObjectStore(root: string): ObjectStore {
  const base = resolve(root);
  const pathOf = (key: string) => {
    const path = resolve(base, key);
    if (path !== base && !path.startsWith(base + sep)) throw new Error(`object key escapes the bucket folder: ${key}`);
    return path;
  };
  const ensureParent = (path: string) => mkdir(dirname(path), { recursive: true });

  async function walk(folder: string): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return [];
    }
    const files = await Promise.all(
      entries.map((entry) => (entry.isDirectory() ? walk(join(folder, entry.name)) : Promise.resolve([join(folder, entry.name)]))),
    );
    return files.flat();
  }

  return {
    async putFile(key, localPath) {
      const path = pathOf(key);
      await ensureParent(path);
      await copyFile(localPath, path);
    },
    async getFile(key, localPath) {
      try {
        await ensureParent(localPath);
        await copyFile(pathOf(key), localPath);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },
    async putText(key, text) {
      const path = pathOf(key);
      await ensureParent(path);
      await writeFile(path, text);
    },
    async getText(key) {
      try {
        return await readFile(pathOf(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async list(prefix) {
      const files = await walk(base);
      return files
        .map((file) => relative(base, file).split(sep).join('/'))
        .filter((key) => key.startsWith(prefix))
        .sort();
    },
    locationOf: (key) => pathOf(key),
  };
}
