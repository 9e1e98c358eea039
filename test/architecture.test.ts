import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sourceFiles(dir: string): string[] {
  if (dir.endsWith('.ts')) return [dir];
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
  {
    from: 'emulators',
    mustNotImport: ['src', 'test', 'bench'],
    why: "emulators are built from the APIs' specs, not from our client's types",
  },
  {
    from: 'src/mapping',
    mustNotImport: [
      'src/commercetools',
      'src/klaviyo/http.ts',
      'src/sync',
      'src/realtime',
      'src/http',
      'src/cli',
      'src/config',
    ],
    why: 'mapping is pure',
  },
  {
    from: 'src/sync',
    mustNotImport: ['src/realtime', 'src/http', 'src/cli'],
    why: 'use cases never import each other or the drivers',
  },
  {
    from: 'src/realtime',
    mustNotImport: ['src/sync', 'src/http', 'src/cli'],
    why: 'use cases never import each other or the drivers',
  },
  {
    from: 'src/consent',
    mustNotImport: ['src/commercetools', 'src/sync', 'src/realtime', 'src/http', 'src/cli', 'src/config'],
    why: 'consent rules serve both use cases (bulk and real time) and know nothing of them',
  },
  {
    from: 'src/commercetools',
    mustNotImport: ['src/klaviyo', 'src/mapping', 'src/sync', 'src/realtime'],
    why: 'adapters know one system only',
  },
  {
    from: 'src/klaviyo',
    mustNotImport: ['src/commercetools', 'src/mapping', 'src/sync', 'src/realtime'],
    why: 'adapters know one system only',
  },
  {
    from: 'src/lambda.ts',
    mustNotImport: ['src/main.ts', 'src/http'],
    why: 'the Lambda handlers share the real-time intake, not the HTTP service',
  },
  ...['src/sync', 'src/realtime', 'src/http', 'src/cli', 'src/main.ts', 'src/lambda.ts'].map((from) => ({
    from,
    mustNotImport: ['src/klaviyo/operations.ts'],
    why: 'only the Klaviyo adapter knows Klaviyo operations: call one of its functions',
  })),
];

/** Source files of the product outside `dir`. */
const outside = (dir: string) => sourceFiles('src').filter((f) => !f.startsWith(`${dir}/`));

/** Lines of `files` matching `pattern`, as "file:line: text". */
function linesMatching(files: string[], pattern: RegExp): string[] {
  return files.flatMap((file) =>
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
  );
}

describe('architecture', () => {
  it.each(RULES.map((r) => [r.from, r]))('%s respects its import rules', (_from, rule) => {
    const violations: string[] = [];
    for (const file of sourceFiles(rule.from)) {
      for (const target of imports(file)) {
        if (rule.mustNotImport.some((forbidden) => target === forbidden || target.startsWith(`${forbidden}/`)))
          violations.push(`${file} imports ${target} (${rule.why})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('finds the imports it checks', () => {
    expect(imports('emulators/klaviyo/build-emulator.ts')).toContain('emulators/klaviyo/jsonapi.ts');
    expect(sourceFiles('src/lambda.ts')).toEqual(['src/lambda.ts']);
  });

  it('every Klaviyo request is made in src/klaviyo/', () => {
    expect(linesMatching(outside('src/klaviyo'), /\.request\s*[<(]|\bfetch\([^)]*klaviyo/i)).toEqual([]);
  });

  it('every commercetools SDK call is made in src/commercetools/', () => {
    expect(
      linesMatching(
        outside('src/commercetools'),
        /\.execute\(\)|createApiBuilderFromCtpClient|@commercetools\/ts-client/,
      ),
    ).toEqual([]);
  });

  it('no error in src/ is a bare Error: each says what to do (core/errors.ts)', () => {
    expect(
      linesMatching(
        sourceFiles('src').filter((f) => !f.endsWith('.test.ts')),
        /new Error\(|extends Error\b/,
      ).filter((l) => !l.startsWith('src/core/errors.ts')),
    ).toEqual([]);
  });

  it('no relative path in the code leads outside the repository (a clone has nothing beside it)', () => {
    const escapes = ['src', 'emulators', 'test', 'bench', 'scripts'].flatMap(sourceFiles).flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/['"`](\.\.?\/[^'"`$]*)['"`]/g)]
        .map((m) => m[1])
        .filter((path) => relative(ROOT, resolve(ROOT, dirname(file), path)).startsWith('..'))
        .map((path) => `${file}: ${path}`),
    );
    expect(escapes).toEqual([]);
  });
});
