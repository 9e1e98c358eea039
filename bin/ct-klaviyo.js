#!/usr/bin/env node
// The ct-klaviyo command: runs the compiled service (`npm run build` writes dist/; `npm ci` builds it).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('ct-klaviyo is not built yet: run `npm run build` (npm ci does it) in the repository.\n');
  process.exit(1);
}
await import(entry.href);
