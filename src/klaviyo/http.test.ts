import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AbortedError, KlaviyoApiError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import { KlaviyoHttp } from './http.ts';
import { type KlaviyoOperation, OPERATIONS } from './operations.ts';
import { KlaviyoRateLimiter } from './rate-limiter.ts';

/** What the test Klaviyo answers, one entry per request in order; `drop` closes the connection without an answer. */
type Answer = { status: number; body?: unknown; raw?: string; headers?: Record<string, string> } | 'drop';

let server: Server;
let baseUrl: string;
let answers: Answer[] = [];
let seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const answer = answers.shift() ?? { status: 200, body: { data: [] } };
      if (answer === 'drop') return void req.socket.destroy();
      res.writeHead(answer.status, { 'content-type': 'application/vnd.api+json', ...answer.headers });
      res.end(answer.raw ?? (answer.body === undefined ? '' : JSON.stringify(answer.body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  answers = [];
  seen = [];
});

/** A limiter that records what Klaviyo told it to wait for. */
class RecordingLimiter extends KlaviyoRateLimiter {
  readonly pauses: Array<{ op: string; ms: number }> = [];
  override pause(op: KlaviyoOperation, ms: number): void {
    this.pauses.push({ op: op.id, ms });
    super.pause(op, ms);
  }
}

function client(options: { retryBudgetMs?: number } = {}) {
  const limiter = new RecordingLimiter();
  const http = new KlaviyoHttp({
    apiKey: 'pk_test_key',
    baseUrl,
    limiter,
    logger: silentLogger(),
    timeoutMs: 5_000,
    ...options,
  });
  return { http, limiter };
}

const errorBody = (status: number, code: string, detail: string, pointer?: string) => ({
  errors: [{ id: 'e', status, code, title: code, detail, ...(pointer ? { source: { pointer } } : {}) }],
});

describe('KlaviyoHttp', () => {
  it('sends the key, the pinned revision and JSON:API bodies, and returns the parsed answer', async () => {
    const { http } = client();
    answers = [{ status: 202, body: { data: { id: 'job-1' } } }];
    const res = await http.request<{ data: { id: string } }>(OPERATIONS.bulkImportProfiles, {
      method: 'POST',
      path: '/api/profile-bulk-import-jobs',
      body: { data: { type: 'x' } },
    });
    expect(res).toEqual({ status: 202, body: { data: { id: 'job-1' } } });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/api/profile-bulk-import-jobs',
      body: '{"data":{"type":"x"}}',
    });
    expect(seen[0].headers).toMatchObject({
      authorization: 'Klaviyo-API-Key pk_test_key',
      revision: '2026-07-15',
      accept: 'application/vnd.api+json',
      'content-type': 'application/vnd.api+json',
    });
    expect(http.stats.requests.bulk_import_profiles).toEqual({ '202': 1 });
  });

  it('after a 429 waits out Retry-After for that operation (the limiter is paused), then succeeds', async () => {
    const { http, limiter } = client();
    answers = [
      { status: 429, body: errorBody(429, 'throttled', 'Request was throttled.'), headers: { 'retry-after': '1' } },
      { status: 200, body: { data: [] } },
    ];
    await http.request(OPERATIONS.getProfiles, { method: 'GET', path: '/api/profiles' });
    expect(seen).toHaveLength(2);
    expect(limiter.pauses).toHaveLength(1);
    expect(limiter.pauses[0].op).toBe('get_profiles');
    expect(limiter.pauses[0].ms).toBeGreaterThanOrEqual(1000);
    expect(http.stats).toMatchObject({ throttled: 1, retries: 1, requests: { get_profiles: { '429': 1, '200': 1 } } });
  });

  it('retries 5xx answers and dropped connections with backoff, then succeeds', async () => {
    const { http } = client();
    answers = [
      { status: 503, body: errorBody(503, 'error', 'A server error occurred.') },
      'drop',
      { status: 200, body: { data: [] } },
    ];
    const res = await http.request(OPERATIONS.getProfiles, { method: 'GET', path: '/api/profiles' });
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(3);
    expect(http.stats.requests.get_profiles).toEqual({ '503': 1, '0': 1, '200': 1 });
  });

  it('a 400 is not retried: it throws at once with Klaviyo’s errors, as a permanent error', async () => {
    const { http } = client();
    answers = [{ status: 400, body: errorBody(400, 'invalid', 'Invalid email.', '/data/attributes/email') }];
    const e = await http
      .request(OPERATIONS.createOrUpdateProfile, { method: 'POST', path: '/api/profile-import', body: {} })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KlaviyoApiError);
    expect(e).toMatchObject({
      status: 400,
      disposition: 'permanent',
      code: 'KLAVIYO_REQUEST_FAILED',
      errors: [{ code: 'invalid', detail: 'Invalid email.', source: { pointer: '/data/attributes/email' } }],
    });
    expect(seen).toHaveLength(1);
  });

  it('a 401 is not retried and is fatal: no request can succeed with that key', async () => {
    const { http } = client();
    answers = [{ status: 401, body: errorBody(401, 'not_authenticated', 'Invalid key.') }];
    await expect(http.request(OPERATIONS.getProfiles, { method: 'GET', path: '/api/profiles' })).rejects.toMatchObject({
      status: 401,
      disposition: 'fatal',
      code: 'KLAVIYO_AUTH_FAILED',
    });
    expect(seen).toHaveLength(1);
  });

  it('gives up when its retry budget is spent, with the last answer (retryable) or the network error as cause', async () => {
    const { http } = client({ retryBudgetMs: 0 });
    answers = [{ status: 502, body: errorBody(502, 'error', 'Bad gateway.') }];
    await expect(http.request(OPERATIONS.getProfiles, { method: 'GET', path: '/api/profiles' })).rejects.toMatchObject({
      status: 502,
      disposition: 'retryable',
    });
    answers = ['drop'];
    const e = (await http
      .request(OPERATIONS.getProfiles, { method: 'GET', path: '/api/profiles' })
      .catch((x: unknown) => x)) as KlaviyoApiError;
    expect(e).toMatchObject({ status: 0, disposition: 'retryable', errors: [{ code: 'network' }] });
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('RateLimit-Remaining: 0 pauses the operation until the window resets, without a 429', async () => {
    const { http, limiter } = client();
    answers = [
      {
        status: 200,
        body: { data: [] },
        headers: { 'ratelimit-limit': '10', 'ratelimit-remaining': '0', 'ratelimit-reset': '2' },
      },
    ];
    await http.request(OPERATIONS.bulkCreateEvents, { method: 'POST', path: '/api/event-bulk-create-jobs', body: {} });
    expect(limiter.pauses).toEqual([{ op: 'bulk_create_events', ms: 2000 }]);
  });

  it('an aborted request throws AbortedError and sends nothing more', async () => {
    const { http } = client();
    const controller = new AbortController();
    controller.abort();
    await expect(
      http.request(OPERATIONS.getProfiles, { method: 'GET', path: '/api/profiles', signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(seen).toHaveLength(0);
  });

  it('a 2xx answer that is not JSON is an unexpected response (retryable), not a crash; an empty one has no body', async () => {
    const { http } = client();
    answers = [{ status: 200, raw: '<html>maintenance</html>' }, { status: 202 }];
    await expect(http.request(OPERATIONS.getProfiles, { method: 'GET', path: '/api/profiles' })).rejects.toMatchObject({
      code: 'UNEXPECTED_RESPONSE',
      disposition: 'retryable',
    });
    await expect(
      http.request(OPERATIONS.bulkCreateEvents, { method: 'POST', path: '/api/event-bulk-create-jobs', body: {} }),
    ).resolves.toEqual({ status: 202, body: undefined });
  });
});
