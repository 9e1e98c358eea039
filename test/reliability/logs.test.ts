import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.ts';
import { badInputCorpus, tinyDataset } from '../helpers/bad-input-corpus.ts';
import { addFaults } from '../helpers/faults.ts';
import { request, waitFor } from '../helpers/http.ts';
import { message, pubsub } from '../helpers/notifications.ts';
import { KLAVIYO_KEY, type Stack, startStack } from '../helpers/stack.ts';

/**
 * Logs never carry personal data or secrets: full imports of every type (tiny dataset plus the bad-input
 * corpus, with faults so retry paths log) and a real-time burst, all at debug level; then no email, phone,
 * name, street, token or key of the dataset or config may appear anywhere in the output.
 */
type R = Record<string, any>;
const API_TOKEN = 'sync-api-token-0123456789abcdef';
const PUSH_TOKEN = 'push-token-0123456789abcdef';
const CT_SECRET = 'local-emulator-secret';
const PERSONAL_KEYS = new Set([
  'email',
  'customerEmail',
  'firstName',
  'lastName',
  'middleName',
  'streetName',
  'additionalStreetInfo',
  'phone',
  'mobile',
  'fax',
  'companyName',
]);
let stack: Stack;
const lines: string[] = [];
const records = [...tinyDataset, ...badInputCorpus()];

/** Every personal value in the data the service reads (at least 4 characters, so it cannot match by chance). */
function personalValues(value: unknown, into: Set<string>, key = ''): Set<string> {
  if (typeof value === 'string') {
    if (PERSONAL_KEYS.has(key) && value.length >= 4) into.add(value);
  } else if (Array.isArray(value)) for (const v of value) personalValues(v, into, key);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) personalValues(v, into, k);
  return into;
}

const api = (method: string, path: string, body?: unknown) =>
  request<R>(method, `${stack.service.url}${path}`, {
    headers: {
      authorization: `Bearer ${API_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body,
  });
const push = (payload: unknown, viaQuery = false) =>
  request<R>('POST', `${stack.service.url}/events/pubsub${viaQuery ? `?token=${PUSH_TOKEN}` : ''}`, {
    headers: { 'content-type': 'application/json', ...(viaQuery ? {} : { authorization: `Bearer ${PUSH_TOKEN}` }) },
    body: pubsub(payload),
  });

beforeAll(async () => {
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  stack = await startStack({
    env: {
      SYNC_API_TOKEN: API_TOKEN,
      PUSH_AUTH_TOKEN: PUSH_TOKEN,
      PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
      REALTIME_RETRY_BUDGET_SECONDS: '1',
      LOG_LEVEL: 'debug',
    },
    service: { logger: createLogger({ level: 'debug', destination }), progressEveryMs: 50 },
  });
  stack.ct.load(badInputCorpus());
});
afterAll(async () => stack.close());

describe('logs at debug level', () => {
  it('carry no email, phone, name, street, token or key through full imports and a real-time burst', async () => {
    await addFaults(stack.klaviyo.url, [
      { target: 'bulk_import_profiles', kind: 'status', status: 503, count: 1 },
      { target: 'bulk_create_events', kind: 'status', status: 429, count: 1, retryAfterSeconds: 1 },
      { target: 'bulk_create_catalog_items', kind: 'lose-response', count: 1 },
    ]);
    await addFaults(stack.ct.url, { target: 'customers', kind: 'status', status: 502, count: 2 });
    let unsuccessful = 0;
    for (const type of ['categories', 'products', 'customers', 'orders']) {
      expect((await api('POST', `/sync/${type}`)).status).toBe(202);
      const report = await waitFor(
        async () => {
          const s = await api('GET', `/sync/${type}`);
          return s.body.status !== 'running' ? s.body : undefined;
        },
        120_000,
        `the ${type} run`,
      );
      expect(report.status).toBe('completed');
      unsuccessful += report.counts.failed + report.counts.skipped;
    }
    expect(unsuccessful).toBeGreaterThan(5);
    // Management API misuse is logged too: a wrong token and a bad request.
    expect(
      (
        await request('GET', `${stack.service.url}/sync/customers`, {
          headers: { authorization: 'Bearer wrong-token-wrong-token' },
        })
      ).status,
    ).toBe(401);
    expect((await api('POST', '/sync/customers', { ids: ['x'], emailLike: 'anna@example.com' })).status).toBe(400);

    // The burst: every record as a notification, some with the token in the query, a permanent failure
    // (dead-lettered with its payload) and an unreadable push.
    await addFaults(stack.klaviyo.url, { target: 'create_or_update_profile', kind: 'status', status: 400, count: 1 });
    const typeOf: Record<string, [string, string]> = {
      customer: ['customer', 'CustomerCreated'],
      order: ['order', 'OrderCreated'],
      category: ['category', 'CategoryCreated'],
      product: ['product', 'ProductPublished'],
    };
    const statuses: Record<string, number> = {};
    let i = 0;
    // (A product runs catalog jobs of about a second each: a handful is enough to cover its log lines.)
    const burst = [
      ...records.filter((r) => r.typeId !== 'product'),
      ...records.filter((r) => r.typeId === 'product').slice(0, 4),
    ];
    for (const r of burst) {
      const t = typeOf[r.typeId];
      if (!t) continue;
      const answer = await push(
        message(
          t[0],
          r.resource.id,
          t[1],
          t[0] === 'customer' ? { customer: r.resource } : t[0] === 'order' ? { order: r.resource } : {},
        ),
        i++ % 2 === 0,
      );
      statuses[answer.body?.status ?? answer.status] = (statuses[answer.body?.status ?? answer.status] ?? 0) + 1;
    }
    expect(statuses.applied).toBeGreaterThan(50);
    expect(statuses['dead-lettered']).toBeGreaterThan(0);
    expect(
      (
        await request('POST', `${stack.service.url}/events/pubsub`, {
          headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` },
          rawBody: '{"message":{"data":"bm90IGpzb24="}}',
        })
      ).status,
    ).toBeLessThan(500);

    const text = lines.join('');
    // The log really went through the paths that could leak: debug retries, failures, dead letters, 401s.
    for (const expected of [
      '"level":20',
      'retrying Klaviyo request',
      'customers import completed',
      'notification dead-lettered',
    ])
      expect(text).toContain(expected);
    const secrets = [KLAVIYO_KEY, CT_SECRET, API_TOKEN, PUSH_TOKEN];
    const personal = [
      ...personalValues(
        records.map((r) => r.resource),
        new Set<string>(),
      ),
      'anna@example.com',
    ];
    expect(personal.length).toBeGreaterThan(100);
    console.info(
      `log checked against ${secrets.length} secrets and ${personal.length} personal values, ${lines.length} lines`,
    );
    const leaks = [...secrets, ...personal].filter((v) => text.includes(v));
    expect(leaks, `found in the log: ${leaks.slice(0, 5).join(', ')}`).toEqual([]);
  });
});
