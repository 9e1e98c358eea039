import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sourceFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(join(ROOT, dir));
  } catch {
    return [];
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(join(ROOT, p)).isDirectory()) out = out.concat(sourceFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)]
    .map((m) => m[1] ?? m[2])
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

/** The dependency rules of DESIGN.md, enforced: a violation names the file and the import. */
const RULES: Array<{ from: string; mustNotImport: string[]; why: string }> = [
  { from: 'src', mustNotImport: ['emulators', 'test', 'bench'], why: 'the product never depends on its test bench' },
  { from: 'emulators', mustNotImport: ['src', 'test', 'bench'], why: "emulators are built from the APIs' specs, not from our client's types" },
  { from: 'src/mapping', mustNotImport: ['src/commercetools', 'src/klaviyo/http.ts', 'src/sync', 'src/realtime', 'src/http', 'src/cli', 'src/config'], why: 'mapping is pure' },
  { from: 'src/sync', mustNotImport: ['src/realtime', 'src/http', 'src/cli'], why: 'use cases never import each other or the drivers' },
  { from: 'src/realtime', mustNotImport: ['src/sync', 'src/http', 'src/cli'], why: 'use cases never import each other or the drivers' },
  { from: 'src/commercetools', mustNotImport: ['src/klaviyo', 'src/mapping', 'src/sync', 'src/realtime'], why: 'adapters know one system only' },
  { from: 'src/klaviyo', mustNotImport: ['src/commercetools', 'src/mapping', 'src/sync', 'src/realtime'], why: 'adapters know one system only' },
];

describe('architecture', () => {
  it.each(RULES.map((r) => [r.from, r]))('%s respects its import rules', (_from, rule) => {
    const violations: string[] = [];
    for (const file of sourceFiles(rule.from)) {
      for (const target of imports(file)) {
        if (rule.mustNotImport.some((forbidden) => target === forbidden || target.startsWith(`${forbidden}/`))) violations.push(`${file} imports ${target} (${rule.why})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('finds the imports it checks', () => {
    expect(imports('emulators/klaviyo/build-emulator.ts')).toContain('emulators/klaviyo/jsonapi.ts');
  });
});
