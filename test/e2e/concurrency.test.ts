import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitFor } from '../helpers/http.ts';
import { type Stack, startStack, waitForRun } from '../helpers/stack.ts';

let stack: Stack;
const fault = (body: unknown) =>
  request('POST', `${stack.klaviyo.url}/__emulator/faults`, { headers: { 'content-type': 'application/json' }, body });

beforeAll(async () => {
  stack = await startStack({ ct: { dataset: 'small' }, service: { profileBatchSize: 50 } });
});
afterAll(async () => stack.close());

describe('two instances sharing one commercetools project', () => {
  it('start the same import at the same moment: exactly one runs, the other gets 409', async () => {
    const other = await stack.startAnother({ profileBatchSize: 50 });
    await fault({ target: 'bulk_import_profiles', kind: 'slow', delayMs: 100, count: 1000 });
    const [a, b] = await Promise.all([
      request<any>('POST', `${stack.service.url}/sync/customers`),
      request<any>('POST', `${other.url}/sync/customers`),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const winner = a.status === 202 ? stack.service.url : other.url;
    const report = await waitForRun(winner, 'customers', 60_000);
    expect(report.counts.succeeded).toBe(1000);
    await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
    await other.close();
  });

  it('a stop sent to the other instance stops the run at its next heartbeat', async () => {
    const other = await stack.startAnother({ profileBatchSize: 50 });
    await fault({ target: 'bulk_import_profiles', kind: 'slow', delayMs: 300, count: 1000 });
    expect((await request('POST', `${stack.service.url}/sync/customers`)).status).toBe(202);
    await waitFor(
      async () => (await request<any>('GET', `${stack.service.url}/sync/customers`)).body.counts.succeeded > 0,
      30_000,
      'progress',
    );
    const stop = await request<any>('POST', `${other.url}/sync/customers/stop`);
    expect(stop.status).toBe(202);
    expect(stop.body.state).toBe('stopping');
    const report = await waitForRun(stack.service.url, 'customers', 30_000);
    expect(report.status).toBe('stopped');
    expect(report.counts.succeeded).toBeLessThan(1000);
    await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
    const resumed = await request<any>('POST', `${other.url}/sync/customers`, {
      headers: { 'content-type': 'application/json' },
      body: { resume: true },
    });
    expect(resumed.status).toBe(202);
    expect((await waitForRun(other.url, 'customers', 60_000)).counts.succeeded).toBe(1000);
    await other.close();
  });
});
