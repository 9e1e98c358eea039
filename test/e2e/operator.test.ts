import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { request, waitFor } from '../helpers/http.ts';
import { KLAVIYO_KEY, type Stack, startStack, waitForRun } from '../helpers/stack.ts';

type R = Record<string, any>;
let stack: Stack;
const customers = [...generateDataset({ size: 'tiny' })]
  .filter((r) => r.typeId === 'customer')
  .map((r) => r.resource as R);
const post = (path: string, body?: unknown) =>
  request<any>(
    'POST',
    `${stack.service.url}${path}`,
    body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body },
  );

beforeAll(async () => {
  stack = await startStack({ env: { PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}' } });
});
afterAll(async () => stack.close());

describe('dry run', () => {
  it('reads and maps everything, writes nothing to Klaviyo, and counts what a real run counts', async () => {
    await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
    expect((await post('/sync/orders', { dryRun: true })).status).toBe(202);
    const dry = await waitForRun(stack.service.url, 'orders');
    expect(dry.status).toBe('completed');
    expect(dry.samples.length).toBeGreaterThan(0);
    expect(dry.samples[0].events[0].metric.data.attributes.name).toBe('Placed Order');
    const log = await request<any>('GET', `${stack.klaviyo.url}/__emulator/requests`);
    expect(log.body.total).toBe(0);
    expect((await post('/sync/orders')).status).toBe(202);
    const real = await waitForRun(stack.service.url, 'orders');
    expect(real.counts).toEqual(dry.counts);
  });
});

describe('failure reports', () => {
  it('lists failed records with reason, code and pointer (JSON lines or CSV), and retry-failed re-runs exactly those', async () => {
    await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
    const broken = customers.slice(0, 2).map((c) => ({ ...c }));
    const originals = await Promise.all(broken.map((c) => stack.ct.storage.get('demo', 'customer', c.id)));
    for (const c of broken) {
      stack.ct.storage.put('demo', 'customer', {
        ...(originals[0] as object),
        ...c,
        email: 'not-an-email@@x',
      } as never);
    }
    try {
      await post('/sync/customers');
      const report = await waitForRun(stack.service.url, 'customers');
      expect(report.counts.failed).toBe(2);
      const ndjson = await request<string>('GET', `${stack.service.url}/sync/customers/failures`);
      expect(ndjson.headers.get('content-type')).toContain('application/x-ndjson');
      const rows = String(ndjson.body)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(rows.map((r) => r.id).sort()).toEqual(broken.map((c) => c.id).sort());
      expect(rows[0]).toMatchObject({
        outcome: 'failed',
        code: 'invalid',
        pointer: expect.stringMatching(/\/data\/attributes\/profiles\/data\/\d+\/attributes\/email/),
        reason: expect.stringContaining('Invalid email'),
        at: expect.any(String),
      });
      expect(JSON.stringify(rows)).not.toContain('not-an-email');
      const csv = await request<string>('GET', `${stack.service.url}/sync/customers/failures?format=csv`);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      expect(String(csv.body).split('\n')[0]).toBe('id,outcome,reason,code,pointer,at,consent');
      expect(String(csv.body).trim().split('\n')).toHaveLength(3);

      for (const o of originals) stack.ct.storage.put('demo', 'customer', o as never);
      const retry = await post('/sync/customers/retry-failed');
      expect(retry.status).toBe(202);
      expect(retry.body).toMatchObject({ retried: 2, notRetried: 0 });
      const second = await waitForRun(stack.service.url, 'customers');
      expect(second.options.ids.sort()).toEqual(broken.map((c) => c.id).sort());
      expect(second.counts).toEqual({ read: 2, succeeded: 2, failed: 0, skipped: 0 });
      const profiles = (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/profiles?key=${KLAVIYO_KEY}`)).body;
      expect(profiles).toHaveLength(customers.length);
      expect((await post('/sync/customers/retry-failed')).status).toBe(400);
    } finally {
      for (const o of originals) stack.ct.storage.put('demo', 'customer', o as never);
    }
  });
});

/** Parses Prometheus text exposition into `name{labels}` → value. */
function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

describe('metrics', () => {
  it('GET /metrics is Prometheus text whose numbers match the run report', async () => {
    await post('/sync/customers');
    const report = await waitForRun(stack.service.url, 'customers');
    const res = await request<string>('GET', `${stack.service.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const m = parsePrometheus(String(res.body));
    for (const outcome of ['read', 'succeeded', 'failed', 'skipped'])
      expect(m.get(`ctk_sync_records{type="customers",outcome="${outcome}"}`)).toBe(report.counts[outcome]);
    expect(m.get('ctk_klaviyo_requests{operation="bulk_import_profiles",status="202"}')).toBeGreaterThanOrEqual(1);
    expect(m.has('ctk_klaviyo_throttled')).toBe(true);
    expect(m.has('ctk_realtime_notifications{status="applied"}')).toBe(true);
  });
});

describe('scheduled import', () => {
  it('POST /job runs the configured types one after another', async () => {
    const before = (await request<Record<string, any>>('GET', `${stack.service.url}/sync/status`)).body.orders?.jobId;
    const r = await post('/job');
    expect(r.status).toBe(202);
    expect(r.body.types).toEqual(['categories', 'products', 'customers', 'orders']);
    const status = await waitFor(
      async () => {
        const s = (await request<Record<string, any>>('GET', `${stack.service.url}/sync/status`)).body;
        return s.orders && s.orders.jobId !== before && s.orders.status !== 'running' ? s : undefined;
      },
      60_000,
      'the scheduled orders import',
    );
    for (const kind of ['categories', 'products', 'customers', 'orders'])
      expect(status[kind].status, kind).toBe('completed');
    expect(Date.parse(status.categories.endedAt)).toBeLessThanOrEqual(Date.parse(status.products.startedAt));
    expect(Date.parse(status.customers.endedAt)).toBeLessThanOrEqual(Date.parse(status.orders.startedAt));
  });
});
