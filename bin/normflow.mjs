#!/usr/bin/env node
// Started by whatever `node` is on PATH, so this file must parse on old Node versions too.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `normflow: needs Node.js 22 or newer, but ${process.execPath} is ${process.version}; ` +
      'run it through npm (npx normflow …, npm start), which uses the Node 22 the project installs, or install Node 22',
  );
  process.exit(1);
}

const { CLI_ENTRY, ensureCliBuild } = await import('./cli-build.mjs');
await ensureCliBuild();
await import(CLI_ENTRY.href);
