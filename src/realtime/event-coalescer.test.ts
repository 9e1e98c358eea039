import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentRecordError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import type { ProfileEvents } from '../klaviyo/events.ts';
import { KlaviyoHttp } from '../klaviyo/http.ts';
import { KlaviyoRateLimiter } from '../klaviyo/rate-limiter.ts';
import { DEFAULT_COALESCER_OPTIONS, EventCoalescer } from './event-coalescer.ts';

interface Entry {
  attributes: { profile: { data: { attributes: { email?: string } } }; events: { data: unknown[] } };
}

/** A Klaviyo stand-in for bulk events: records each request; refuses one whose entry has `bad@example.com`. */
let server: Server;
let http: KlaviyoHttp;
let requests: Entry[][] = [];
let answer = 202;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => {
      raw += d.toString();
    });
    req.on('end', () => {
      const entries = (JSON.parse(raw) as { data: { attributes: { 'events-bulk-create': { data: Entry[] } } } }).data
        .attributes['events-bulk-create'].data;
      requests.push(entries);
      const bad = entries.findIndex((e) => e.attributes.profile.data.attributes.email === 'bad@example.com');
      if (bad >= 0) {
        res.writeHead(400, { 'content-type': 'application/vnd.api+json' });
        return void res.end(
          JSON.stringify({
            errors: [
              {
                code: 'invalid',
                detail: 'Invalid email address.',
                source: {
                  pointer: `/data/attributes/events-bulk-create/data/${bad}/attributes/profile/data/attributes/email`,
                },
              },
            ],
          }),
        );
      }
      res.writeHead(answer);
      res.end(answer === 202 ? '' : JSON.stringify({ errors: [{ code: 'error', detail: 'down' }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  http = new KlaviyoHttp({
    apiKey: 'pk_test_key',
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    limiter: new KlaviyoRateLimiter(),
    logger: silentLogger(),
    timeoutMs: 5_000,
    retryBudgetMs: 0,
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests = [];
  answer = 202;
});

const order = (id: string, events = 3, email = `${id}@example.com`): ProfileEvents => ({
  profile: { type: 'profile', attributes: { email } },
  events: Array.from({ length: events }, (_v, i) => ({
    metric: { data: { type: 'metric', attributes: { name: i === 0 ? 'Placed Order' : 'Ordered Product' } } },
    time: '2025-01-01T00:00:00.000Z',
    unique_id: i === 0 ? id : `${id}-line-${i}`,
    properties: {},
  })),
});
const eventsIn = (r: Entry[]) => r.reduce((n, e) => n + e.attributes.events.data.length, 0);

describe('EventCoalescer', () => {
  it('sends notifications arriving together in one request, and splits at 1,000 events', async () => {
    const c = new EventCoalescer(http);
    await Promise.all(Array.from({ length: 400 }, (_v, i) => c.send(order(`o${i}`))));
    // 1,200 events: a full request of 999 (333 orders; the next would not fit) and the rest.
    expect(requests.map(eventsIn).sort((a, b) => b - a)).toEqual([999, 201]);
    expect(c.stats).toMatchObject({ requests: 2, events: 1200, notifications: 400 });
  });

  it('sends an event two notifications carry once, and both settle with its request', async () => {
    const c = new EventCoalescer(http);
    await Promise.all([c.send(order('o1')), c.send(order('o1')), c.send(order('o2', 1))]);
    expect(requests).toHaveLength(1);
    expect(eventsIn(requests[0])).toBe(4);
  });

  it('fails only the notification whose events Klaviyo refuses; the rest go', async () => {
    const c = new EventCoalescer(http);
    const results = await Promise.allSettled([
      c.send(order('o1')),
      c.send(order('o2', 3, 'bad@example.com')),
      c.send(order('o3')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (results[1] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(PermanentRecordError);
    expect(String(reason.message)).toMatch(/Invalid email address/);
    // The refused request, then the others without it.
    expect(requests.map((r) => r.length)).toEqual([3, 2]);
  });

  it('rejects every notification of a request that fails as a whole (redelivered)', async () => {
    answer = 503;
    const c = new EventCoalescer(http);
    const results = await Promise.allSettled([c.send(order('o1')), c.send(order('o2'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('while requests could not go (rate limit), an open batch keeps filling past the idle wait', async () => {
    let isLimited = true;
    const c = new EventCoalescer(http, {
      ...DEFAULT_COALESCER_OPTIONS,
      idleMs: 1,
      slotWaitMs: () => (isLimited ? 20 : 0),
    });
    const first = c.send(order('o1'));
    // Arrivals spread well beyond the idle wait still join the same batch while the limit holds it.
    await new Promise((r) => setImmediate(r));
    const second = c.send(order('o2'));
    const third = c.send(order('o3'));
    expect(requests).toHaveLength(0);
    isLimited = false;
    await Promise.all([first, second, third]);
    expect(requests.map((r) => r.length)).toEqual([3]);
  });

  it('refuses, without sending, events Klaviyo would drop', async () => {
    const c = new EventCoalescer(http, { ...DEFAULT_COALESCER_OPTIONS });
    const old = order('o1');
    old.events[0].time = '1999-12-31T00:00:00.000Z';
    await expect(c.send(old)).rejects.toBeInstanceOf(PermanentRecordError);
    expect(requests).toHaveLength(0);
  });
});
