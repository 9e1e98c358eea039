import { type ChildProcess, spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog, DEFAULT_REFERENCE_TIME, generateCustomer } from '../../emulators/data/generate.ts';
import { builtService } from '../helpers/built-service.ts';
import { request, waitFor } from '../helpers/http.ts';
import { startServiceProcess } from '../helpers/service-process.ts';
import { emulatorProfiles, type Stack, serviceEnv, specViolations, startStack, waitForRun } from '../helpers/stack.ts';

const EXTRA = 2_000;
let stack: Stack;
let total = 0;
const children: ChildProcess[] = [];

function loadExtraCustomers(s: Stack, seed: number): void {
  const refMs = Date.parse(DEFAULT_REFERENCE_TIME);
  const catalog = buildCatalog(seed, { customers: EXTRA, products: 1, orders: 0 }, refMs);
  s.ct.load(
    Array.from({ length: EXTRA }, (_v, i) => ({
      typeId: 'customer' as const,
      resource: generateCustomer(seed, i, refMs, catalog.customerGroupId, 'type'),
    })),
  );
}

const fault = (url: string, body: unknown) =>
  request('POST', `${url}/__emulator/faults`, { headers: { 'content-type': 'application/json' }, body });

beforeAll(async () => {
  stack = await startStack({ service: { profileBatchSize: 100 } });
  loadExtraCustomers(stack, 11);
  total = 30 + EXTRA;
});
afterAll(async () => stack.close());
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
  await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
});

describe('stop and resume', () => {
  it('stops cooperatively at a checkpoint, then resume lands everything exactly once', async () => {
    await fault(stack.klaviyo.url, { target: 'bulk_import_profiles', kind: 'slow', delayMs: 120, count: 1000 });
    const started = await request<any>('POST', `${stack.service.url}/sync/customers`);
    expect(started.status).toBe(202);
    await waitFor(
      async () => (await request<any>('GET', `${stack.service.url}/sync/customers`)).body.counts.succeeded >= 300,
      30_000,
      'some progress',
    );
    const stopped = await request<any>('POST', `${stack.service.url}/sync/customers/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('stopped');
    const c = stopped.body.counts;
    expect(c.read).toBe(c.succeeded + c.failed + c.skipped);
    // The counts cover what the cursor passed; batches done beyond it (jobs finish out of order) are carried in
    // the checkpoint's inFlight segments, which the resume takes over.
    const carried = (stopped.body.inFlight ?? []).reduce((n: number, s: any) => n + s.counts.succeeded, 0);
    expect(c.succeeded + carried).toBeGreaterThanOrEqual(300);
    expect(c.succeeded).toBeLessThan(total);
    expect(stopped.body.cursor).toBeDefined();
    // The lock is free again: a status read shows the stopped run, and resume may start.
    expect((await request<any>('GET', `${stack.service.url}/sync/customers`)).body.status).toBe('stopped');
    await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
    const resumed = await request<any>('POST', `${stack.service.url}/sync/customers`, {
      headers: { 'content-type': 'application/json' },
      body: { resume: true },
    });
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({ resumedFrom: started.body.jobId, cursor: stopped.body.cursor });
    const report = await waitForRun(stack.service.url, 'customers');
    expect(report).toMatchObject({
      status: 'completed',
      counts: { read: total, succeeded: total, failed: 0, skipped: 0 },
    });
    const profiles = await emulatorProfiles(stack.klaviyo.url);
    expect(profiles).toHaveLength(total);
    expect(new Set(profiles.map((p) => p.external_id)).size).toBe(total);
  });
});

describe('faults', () => {
  it('Klaviyo 429 storms, 5xx and dropped connections lose nothing', async () => {
    await fault(stack.klaviyo.url, [
      { target: 'bulk_import_profiles', kind: 'status', status: 429, count: 4, retryAfterSeconds: 1 },
      { target: 'bulk_import_profiles', kind: 'status', status: 503, probability: 0.3 },
      { target: 'get_bulk_import_profiles_job', kind: 'status', status: 500, probability: 0.3 },
      { target: 'get_bulk_import_profiles_job', kind: 'drop', probability: 0.1 },
    ]);
    await request('POST', `${stack.service.url}/sync/customers`);
    const report = await waitForRun(stack.service.url, 'customers', 120_000);
    expect(report).toMatchObject({
      status: 'completed',
      counts: { read: total, succeeded: total, failed: 0, skipped: 0 },
    });
    expect(await emulatorProfiles(stack.klaviyo.url)).toHaveLength(total);
    const log = await request<any>('GET', `${stack.klaviyo.url}/__emulator/requests`);
    expect(log.body.byOperation.bulk_import_profiles.byStatus['429']).toBe(4);
    expect(log.body.byOperation.bulk_import_profiles.byStatus['503']).toBeGreaterThan(0);
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  });

  it('commercetools 503s while paging lose nothing', async () => {
    await fault(stack.ct.url, { target: 'customers', kind: 'status', status: 503, count: 3 });
    await request('POST', `${stack.service.url}/sync/customers`);
    const report = await waitForRun(stack.service.url, 'customers', 120_000);
    expect(report.counts.succeeded).toBe(total);
  });

  it('an invalid Klaviyo key stops the run at once with a clear error', async () => {
    await fault(stack.klaviyo.url, { target: 'bulk_import_profiles', kind: 'status', status: 401, count: 1 });
    await request('POST', `${stack.service.url}/sync/customers`);
    const report = await waitForRun(stack.service.url, 'customers');
    expect(report.status).toBe('failed');
    expect(report.error).toMatchObject({ code: 'KLAVIYO_AUTH_FAILED' });
  });
});

describe('crash', () => {
  it('a process killed mid-run leaves a lease that expires; then resume completes the import exactly once', async () => {
    await fault(stack.klaviyo.url, { target: 'bulk_import_profiles', kind: 'slow', delayMs: 150, count: 1000 });
    const { url, child } = await startServiceProcess(
      serviceEnv(stack.ct, stack.klaviyo.url, { PROFILE_BATCH_SIZE: '100' }),
      children,
    );
    expect((await request('POST', `${url}/sync/customers`)).status).toBe(202);
    await waitFor(
      async () => (await request<any>('GET', `${url}/sync/customers`)).body.counts.succeeded >= 200,
      30_000,
      'some progress in the child',
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // The dead holder's lease is still valid for a moment: a start is refused, status says running.
    const refused = await request<any>('POST', `${stack.service.url}/sync/customers`, {
      headers: { 'content-type': 'application/json' },
      body: { resume: true },
    });
    expect([400, 409]).toContain(refused.status);
    const interrupted = await waitFor(
      async () => {
        const s = await request<any>('GET', `${stack.service.url}/sync/customers`);
        return s.body.status === 'interrupted' ? s.body : undefined;
      },
      15_000,
      'the lease to expire',
    );
    expect(interrupted.counts.succeeded).toBeGreaterThan(0);
    await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
    const resumed = await request<any>('POST', `${stack.service.url}/sync/customers`, {
      headers: { 'content-type': 'application/json' },
      body: { resume: true },
    });
    expect(resumed.status).toBe(202);
    const report = await waitForRun(stack.service.url, 'customers');
    expect(report).toMatchObject({
      status: 'completed',
      counts: { read: total, succeeded: total, failed: 0, skipped: 0 },
    });
    const profiles = await emulatorProfiles(stack.klaviyo.url);
    expect(new Set(profiles.map((p) => p.external_id)).size).toBe(total);
    expect(profiles).toHaveLength(total);
  });
});

describe('startup', () => {
  it('a missing or malformed variable fails startup with one message listing each problem', () => {
    const env = {
      ...serviceEnv({ url: 'http://127.0.0.1:1', projectKey: 'demo' }, 'http://127.0.0.1:2'),
      KLAVIYO_AUTH_KEY: '',
      CT_API_CLIENT: 'not-json',
    };
    const r = spawnSync(process.execPath, [builtService()], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      cwd: process.cwd(),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('KLAVIYO_AUTH_KEY is required');
    expect(r.stderr).toContain('CT_API_CLIENT must be JSON');
    expect(r.stderr).not.toContain('local-emulator-secret');
  });
});
