import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGTERM');
});

/** Starts a CLI and resolves with the URL it prints once it listens. */
function startCli(script: string, args: string[]): Promise<{ url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed by ${script} within 20 s:\n${out}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], output: () => out });
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${out}`)));
  });
}

describe('emulator command lines', () => {
  it('the Klaviyo emulator starts on loopback, prints its URL and serves the API', async () => {
    const { url, output } = await startCli('emulators/klaviyo/cli.ts', ['--port', '0', '--jobs', 'polls']);
    expect(output()).toContain('validation: on');
    const health = await request<any>('GET', `${url}/__emulator/health`);
    expect(health.body.spec.version).toBe('2026-07-15');
    expect(health.body.validation).toEqual({ isOn: true, specVersion: '2026-07-15' });
    const r = await request('GET', `${url}/api/profiles`, {
      headers: { Authorization: 'Klaviyo-API-Key pk_cli', revision: '2026-07-15' },
    });
    expect(r.status).toBe(200);
  });

  it('the Klaviyo emulator refuses to start without its OpenAPI file, and says how to proceed', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'emulators/klaviyo/cli.ts', '--port', '0', '--spec', '/nonexistent/openapi.json'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Klaviyo's OpenAPI file could not be read from /nonexistent/openapi.json");
    expect(r.stderr).toContain('--no-validation');
  });

  it('--no-validation is said loudly in the banner and in the inspection endpoints', async () => {
    const { url, output } = await startCli('emulators/klaviyo/cli.ts', ['--port', '0', '--no-validation']);
    expect(output()).toContain('VALIDATION OFF');
    expect(output()).not.toContain('validation: on');
    const health = await request<any>('GET', `${url}/__emulator/health`);
    expect(health.body.validation).toMatchObject({ isOn: false, warning: expect.stringContaining('NOT checked') });
    const requests = await request<any>('GET', `${url}/__emulator/requests`);
    expect(requests.body.validation.isOn).toBe(false);
  });

  it('the commercetools stand-in starts with a dataset and prints the env to use', async () => {
    const { url, output } = await startCli('emulators/commercetools/cli.ts', [
      '--port',
      '0',
      '--dataset',
      'tiny',
      '--project',
      'cli-project',
    ]);
    expect(output()).toContain(`CT_API_URL=${url}`);
    expect(output()).toContain('CT_PROJECT_ID=cli-project');
    const summary = await request<any>('GET', `${url}/__emulator/summary`);
    expect(summary.body.counts.customer).toBe(30);
    expect(summary.body.counts.cart).toBe(20);
  });

  it.each([
    ['emulators/klaviyo/cli.ts', ['--speed-up', '0'], '--speed-up must be a number >= 1'],
    ['emulators/klaviyo/cli.ts', ['--faults', '{"target":"x","kind":"boom"}'], "'kind' must be one of"],
    ['emulators/commercetools/cli.ts', ['--dataset', 'huge'], '--dataset must be one of tiny, small, large'],
  ])('%s %j fails with a message that says what to fix', (script, args, message) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
  });

  it('exports a dataset as NDJSON, one file per resource type', () => {
    const dir = mkdtempSync(join(tmpdir(), 'data-export-'));
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'emulators/data/cli.ts', '--dataset', 'tiny', '--out', dir],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const customers = readFileSync(join(dir, 'customer.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(customers).toHaveLength(30);
    expect(customers[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(readFileSync(join(dir, 'order.ndjson'), 'utf8').trim().split('\n')).toHaveLength(80);
    expect(readFileSync(join(dir, 'cart.ndjson'), 'utf8').trim().split('\n')).toHaveLength(20);
  });

  it('--help describes the options', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'emulators/commercetools/cli.ts', '--help'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--dataset');
  });
});
