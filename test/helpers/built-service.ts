import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The compiled service entry point that production runs (`npm start`, the Docker image). */
export const BUILT_MAIN = 'dist/src/main.js';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The path of the built service, after checking that the build is there and newer than every source file:
 * tests of separate service processes run what production runs, never a stale copy of it.
 */
export function builtService(): string {
  if (!existsSync(BUILT_MAIN))
    throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` (npm test does) before this test.`);
  if (newestSource('src') > statSync(BUILT_MAIN).mtimeMs)
    throw new Error(`${BUILT_MAIN} is older than src/: run \`npm run build\` (npm test does) before this test.`);
  return BUILT_MAIN;
}
