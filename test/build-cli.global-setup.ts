import { ensureCliBuild } from '../bin/cli-build.mjs';

export default async function setup(): Promise<void> {
  await ensureCliBuild();
}
