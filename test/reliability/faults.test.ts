import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { request } from '../helpers/http.ts';
import { KLAVIYO_KEY, specViolations, startStack, waitForRun, type Stack } from '../helpers/stack.ts';

/** Frequent faults on both sides at once: every record still lands exactly once. */
let stack: Stack;
const addFaults = (url: string, body: unknown) => request('POST', `${url}/__emulator/faults`, { headers: { 'content-type': 'application/json' }, body });

beforeAll(async () => {
  stack = await startStack({ ct: { dataset: 'small', faultSeed: 3 }, klaviyo: { faultSeed: 5 }, service: { profileBatchSize: 200 } });
});
afterAll(async () => stack.close());
afterEach(async () => {
  await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
  await request('DELETE', `${stack.ct.url}/__emulator/faults`);
});

describe('fault matrix', () => {
  it('customers and orders: commercetools 429/502/503/slow and Klaviyo 429/500/503/slow/drop together lose and duplicate nothing', async () => {
    await addFaults(stack.ct.url, [
      { target: 'customers', kind: 'status', status: 429, probability: 0.15, retryAfterSeconds: 1 },
      { target: 'orders', kind: 'status', status: 502, probability: 0.15 },
      { target: 'products', kind: 'status', status: 503, probability: 0.15 },
      { target: '*', kind: 'slow', delayMs: 30, probability: 0.2 },
    ]);
    await addFaults(stack.klaviyo.url, [
      { target: 'bulk_import_profiles', kind: 'status', status: 429, probability: 0.2, retryAfterSeconds: 1 },
      { target: 'get_bulk_import_profiles_job', kind: 'status', status: 503, probability: 0.2 },
      { target: 'bulk_create_events', kind: 'status', status: 500, probability: 0.2 },
      { target: 'bulk_create_events', kind: 'drop', probability: 0.05 },
      { target: '*', kind: 'slow', delayMs: 50, probability: 0.1 },
    ]);
    for (const type of ['customers', 'orders']) {
      expect((await request('POST', `${stack.service.url}/sync/${type}`)).status).toBe(202);
      const report = await waitForRun(stack.service.url, type, 180_000);
      expect(report.status, JSON.stringify(report.error)).toBe('completed');
      expect(report.counts.failed).toBe(0);
      expect(report.counts.read).toBe(report.counts.succeeded + report.counts.skipped);
    }
    const summary = await request<any>('GET', `${stack.klaviyo.url}/__emulator/summary?key=${KLAVIYO_KEY}`);
    const importable = [...generateDataset({ size: 'small' })].filter((r) => r.typeId === 'order' && (r.resource.customerId || r.resource.customerEmail)).length;
    expect(summary.body.events.byMetric['Placed Order']).toBe(importable);
    const log = await request<any>('GET', `${stack.klaviyo.url}/__emulator/requests`);
    expect(log.body.byOperation.bulk_create_events.byStatus['500']).toBeGreaterThan(0);
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  });
});
