/**
 * `npm run bench -- <name>`: runs one benchmark; without a name, lists them. Never part of `npm test`.
 * `*harness.ts` files are what benchmarks share, not benchmarks.
 */

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('harness.ts'))
  .map((f) => f.replace(/\.ts$/, ''));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  process.stdout.write(`Usage: npm run bench -- <name> [options]\nBenchmarks: ${available.join(', ')}\n`);
  process.exit(name ? 1 : 0);
}
const r = spawnSync(
  process.execPath,
  ['--max-old-space-size=12288', '--import', 'tsx', `${dir}${name}.ts`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
