import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless, offline, with a profile of its own (`profile`: a fresh folder per call). */
const chromiumFlags = (profile: string) => [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--user-data-dir=${profile}`,
  // Time for the page's scripts (the charts) to run before the DOM is read or the shot taken.
  '--virtual-time-budget=5000',
];

/** The DOM of a local page after its scripts ran. */
export async function renderedDom(page: string, profile: string): Promise<string> {
  const { stdout } = await run(CHROMIUM, [...chromiumFlags(profile), '--dump-dom', `file://${page}`], { maxBuffer: 16 << 20 });
  return stdout;
}

/** A PNG screenshot of a local page at `width`×`height`. */
export async function screenshot(page: string, profile: string, output: string, size: { width: number; height: number }): Promise<void> {
  await run(CHROMIUM, [...chromiumFlags(profile), `--window-size=${size.width},${size.height}`, `--screenshot=${output}`, `file://${page}`]);
}
