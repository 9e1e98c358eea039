import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { type ConsentEntry, readConsentStates, subscribeProfiles, unsubscribeProfiles } from './consent.ts';
import { KlaviyoHttp } from './http.ts';
import { KlaviyoRateLimiter } from './rate-limiter.ts';

/** A subscription call's body, as far as these tests read it. */
interface SentBody {
  data: {
    attributes: Record<string, unknown> & { profiles: { data: Array<{ attributes?: { email?: string } }> } };
    relationships?: { list: { data: unknown } };
  };
}

/** A Klaviyo stand-in that refuses any subscription call holding `bad@example.com`, pointing at that entry. */
let server: Server;
let http: KlaviyoHttp;
let seen: Array<{ url: string; body: SentBody }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => {
      raw += d.toString();
    });
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as SentBody) : undefined;
      if (body) seen.push({ url: req.url ?? '', body });
      else seen.push({ url: req.url ?? '', body: { data: { attributes: { profiles: { data: [] } } } } });
      const entries = body?.data?.attributes?.profiles?.data ?? [];
      const bad = entries.findIndex((e) => e.attributes?.email === 'bad@example.com');
      if (bad >= 0) {
        res.writeHead(400, { 'content-type': 'application/vnd.api+json' });
        return void res.end(
          JSON.stringify({
            errors: [
              {
                code: 'invalid',
                detail: 'Invalid email address.',
                source: { pointer: `/data/attributes/profiles/data/${bad}/attributes/email` },
              },
            ],
          }),
        );
      }
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/vnd.api+json' });
        return void res.end(
          JSON.stringify({
            data: [
              {
                type: 'profile',
                id: 'P1',
                attributes: {
                  external_id: 'c1',
                  subscriptions: {
                    email: {
                      marketing: {
                        consent: 'UNSUBSCRIBED',
                        consent_timestamp: '2025-01-01T00:00:00Z',
                        suppression: [{ reason: 'UNSUBSCRIBE', timestamp: '2025-01-01T00:00:00Z' }],
                        list_suppressions: [],
                      },
                    },
                    sms: { marketing: { consent: 'NEVER_SUBSCRIBED' } },
                  },
                },
              },
            ],
            links: { next: null },
          }),
        );
      }
      res.writeHead(202);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  http = new KlaviyoHttp({
    apiKey: 'pk_test_key',
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    limiter: new KlaviyoRateLimiter(),
    logger: silentLogger(),
    timeoutMs: 5_000,
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
});

const entry = (i: number, email = `p${i}@example.com`): ConsentEntry => ({
  recordId: `c${i}`,
  profileId: `P${i}`,
  email,
  phone: '+4915112345678',
  channels: { email: '2025-01-01T00:00:00.000Z' },
});

describe('subscribeProfiles', () => {
  it('sends 1,000 profiles a call, as a historical import to the list; a refused entry fails alone and the rest go', async () => {
    const entries = Array.from({ length: 1_500 }, (_v, i) => entry(i));
    entries[1_200] = entry(1_200, 'bad@example.com');
    const refused = await subscribeProfiles(http, 'L1', entries);
    expect(refused).toEqual([
      expect.objectContaining({
        entry: expect.objectContaining({ recordId: 'c1200' }),
        code: 'invalid',
        detail: 'Invalid email address.',
      }),
    ]);
    // 1,000; then 500 refused for one entry; then the other 499.
    expect(seen.map((s) => s.body.data.attributes.profiles.data.length)).toEqual([1_000, 500, 499]);
    const first = seen[0].body.data;
    expect(first.attributes).toMatchObject({ historical_import: true, custom_source: 'commercetools' });
    expect(first.relationships?.list.data).toEqual({ type: 'list', id: 'L1' });
    // The email channel only (no phone sent for a channel not subscribed), with its consent time.
    expect(first.attributes.profiles.data[0]).toEqual({
      type: 'profile',
      id: 'P0',
      attributes: {
        email: 'p0@example.com',
        subscriptions: { email: { marketing: { consent: 'SUBSCRIBED', consented_at: '2025-01-01T00:00:00.000Z' } } },
      },
    });
  });
});

describe('unsubscribeProfiles', () => {
  it('sends 100 a call to the list, naming profiles by email or phone only', async () => {
    const entries = Array.from({ length: 150 }, (_v, i) => ({ ...entry(i), channels: { email: true as const } }));
    expect(await unsubscribeProfiles(http, 'L1', entries)).toEqual([]);
    expect(seen.map((s) => s.body.data.attributes.profiles.data.length)).toEqual([100, 50]);
    expect(seen[0].body.data.attributes.profiles.data[0]).toEqual({
      type: 'profile',
      attributes: { email: 'p0@example.com', subscriptions: { email: { marketing: { consent: 'UNSUBSCRIBED' } } } },
    });
  });
});

describe('readConsentStates', () => {
  it('reads 100 profiles a request with their subscriptions, keyed by what was asked', async () => {
    const states = await readConsentStates(
      http,
      'external_id',
      Array.from({ length: 150 }, (_v, i) => `c${i}`),
    );
    expect(seen).toHaveLength(2);
    expect(decodeURIComponent(seen[0].url)).toContain('filter=any(external_id,["c0","c1",');
    expect(seen[0].url).toContain('additional-fields[profile]=subscriptions');
    expect(states.get('c1')).toEqual({
      profileId: 'P1',
      email: {
        consent: 'UNSUBSCRIBED',
        consentTimestamp: '2025-01-01T00:00:00Z',
        suppressions: [{ reason: 'UNSUBSCRIBE', timestamp: '2025-01-01T00:00:00Z' }],
        listSuppressions: [],
      },
      sms: { consent: 'NEVER_SUBSCRIBED', consentTimestamp: undefined, suppressions: [], listSuppressions: [] },
    });
  });
});
