import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { request } from '../helpers/http.ts';
import { type Stack, serviceEnv, startStack, waitForRun } from '../helpers/stack.ts';

type R = Record<string, any>;
let stack: Stack;
const customers = [...generateDataset({ size: 'tiny' })]
  .filter((r) => r.typeId === 'customer')
  .map((r) => r.resource as R);

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/ct-klaviyo.js', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack.close());

const env = () => ({
  ...serviceEnv(stack.ct, stack.klaviyo.url),
  PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
  LOG_LEVEL: 'silent',
});

describe('ct-klaviyo', () => {
  it('--help everywhere', async () => {
    const main = await cli(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('sync <type|all>');
    const commands = ['sync', 'status', 'serve', 'emulators', 'demo', 'failures', 'retry-failed'];
    const [unknown, ...helps] = await Promise.all([
      cli(['frobnicate']),
      ...commands.map((command) => cli([command, '--help'])),
    ]);
    commands.forEach((command, i) => {
      expect(helps[i].code, command).toBe(0);
      expect(helps[i].stdout).toContain(`Usage: ct-klaviyo ${command}`);
    });
    expect(unknown.code).toBe(1);
  });

  it('sync all runs the four imports in the seed order and exits 0 with a summary table', async () => {
    const r = await cli(['sync', 'all'], env());
    expect(r.code, r.stderr).toBe(0);
    const table = r.stdout.slice(r.stdout.indexOf('type '));
    expect(
      table
        .split('\n')
        .slice(2, 6)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['categories', 'products', 'customers', 'orders']);
    expect(table).toMatch(/customers\s+completed\s+30\s+30\s+0\s+0/);
  });

  it('exits 2 when some records failed, naming them; --dry-run writes nothing', async () => {
    const bad = customers[0];
    const original = await stack.ct.storage.get('demo', 'customer', bad.id);
    stack.ct.storage.put('demo', 'customer', { ...(original as object), id: bad.id, email: 'broken@@x' } as never);
    try {
      const r = await cli(['sync', 'customers', '--ids', `${bad.id},${customers[1].id}`], env());
      expect(r.code).toBe(2);
      expect(r.stdout).toContain(`${bad.id}: Klaviyo rejected the profile`);
    } finally {
      stack.ct.storage.put('demo', 'customer', original as never);
    }
    await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
    const dry = await cli(['sync', 'orders', '--dry-run'], env());
    expect(dry.code).toBe(0);
    expect((await request<R>('GET', `${stack.klaviyo.url}/__emulator/requests`)).body.total).toBe(0);
  });

  it('status shows a running service’s imports; a configuration error exits 1 with the problems', async () => {
    await request('POST', `${stack.service.url}/sync/customers`);
    await waitForRun(stack.service.url, 'customers');
    const s = await cli(['status', '--url', stack.service.url]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/customers\s+completed/);
    expect(
      s.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['customers', 'orders', 'categories', 'products']);
    const failures = await cli(['failures', 'customers', '--url', stack.service.url, '--csv']);
    expect(failures.code).toBe(0);
    expect(failures.stdout.split('\n')[0]).toBe('id,outcome,reason,code,pointer,at,consent');
    const retry = await cli(['retry-failed', 'customers', '--url', stack.service.url]);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toContain('no failed records to retry');
    const broken = await cli(['sync', 'customers'], { ...env(), KLAVIYO_AUTH_KEY: '' });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('KLAVIYO_AUTH_KEY is required');
  });
});
