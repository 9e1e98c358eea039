import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import { message, pubsub } from '../helpers/notifications.ts';
import { startServiceProcess } from '../helpers/service-process.ts';
import { type Stack, serviceEnv, startStack } from '../helpers/stack.ts';

/**
 * Every route × every credential: none, a wrong one, the push token, the management token. Push credentials open
 * the push routes only; the management token opens the management routes (and may push); health is open.
 * Then the cost of refusing: unauthenticated 15 MB pushes are refused on their headers, and leave the
 * service's memory where it was.
 */
type R = Record<string, any>;
const PUSH = 'matrix-push-token-0123456789';
const MANAGEMENT = 'matrix-sync-token-0123456789';
let stack: Stack;

const credentials: Record<string, Record<string, string>> = {
  none: {},
  wrong: { authorization: 'Bearer wrong-token-wrong-token-0' },
  push: { authorization: `Bearer ${PUSH}` },
  'push, lower-case scheme': { authorization: `bearer ${PUSH}` },
  management: { authorization: `Bearer ${MANAGEMENT}` },
  'management, upper-case scheme': { authorization: `BEARER ${MANAGEMENT}` },
};
type Who = 'push' | 'management' | 'anyone';
const routes: Array<{ method: string; path: string; body?: unknown; opens: Who }> = [
  { method: 'POST', path: '/events/pubsub', body: () => pubsub(message('cart', 'c-1', 'CartCreated')), opens: 'push' },
  { method: 'POST', path: '/events', body: () => message('cart', 'c-2', 'CartCreated'), opens: 'push' },
  { method: 'POST', path: '/', body: () => pubsub(message('cart', 'c-3', 'CartCreated')), opens: 'push' },
  { method: 'GET', path: '/events/dead-letters', opens: 'management' },
  { method: 'POST', path: '/events/dead-letters/replay', body: { keys: ['none-such'] }, opens: 'management' },
  { method: 'GET', path: '/sync/status', opens: 'management' },
  { method: 'GET', path: '/sync/customers', opens: 'management' },
  { method: 'POST', path: '/sync/customers/stop', opens: 'management' },
  { method: 'GET', path: '/sync/customers/failures', opens: 'management' },
  { method: 'GET', path: '/metrics', opens: 'management' },
  { method: 'GET', path: '/health', opens: 'anyone' },
];

function allowed(route: (typeof routes)[number], who: string): boolean {
  if (route.opens === 'anyone') return true;
  if (who.startsWith('management')) return true;
  return route.opens === 'push' && who.startsWith('push');
}

beforeAll(async () => {
  stack = await startStack({ env: { PUSH_AUTH_TOKEN: PUSH, SYNC_API_TOKEN: MANAGEMENT } });
});
afterAll(async () => stack.close());

describe('auth matrix', () => {
  const cases = routes.flatMap((route) =>
    Object.keys(credentials).map((who) => ({ method: route.method, path: route.path, who, route })),
  );
  it.each(cases)('$method $path with $who credentials', async ({ route, who }) => {
    const body = typeof route.body === 'function' ? (route.body as () => unknown)() : route.body;
    const r = await request<R>(route.method, `${stack.service.url}${route.path}`, {
      headers: { ...credentials[who], ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body,
    });
    // Let in: the route answers for itself (a 404 "no import has run yet" included); kept out: 401, nothing else.
    if (allowed(route, who)) expect([401, 403, 500], JSON.stringify(r.body)).not.toContain(r.status);
    else expect(r.status).toBe(401);
  });

  it('the push token in the query string opens push routes only', async () => {
    const pushed = await request<R>('POST', `${stack.service.url}/events/pubsub?token=${PUSH}`, {
      headers: { 'content-type': 'application/json' },
      body: pubsub(message('cart', 'c-4', 'CartCreated')),
    });
    expect(pushed.status).toBe(200);
    expect((await request('GET', `${stack.service.url}/events/dead-letters?token=${PUSH}`)).status).toBe(401);
    expect((await request('GET', `${stack.service.url}/sync/status?token=${PUSH}`)).status).toBe(401);
  });
});

/** The service process's resident memory now, in MB. */
function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Sends a body without credentials; resolves with the status, or 'reset' when the service closed first. */
function unauthenticatedPush(url: string, body: Buffer): Promise<number | 'reset'> {
  return new Promise((resolve) => {
    const req = httpRequest(`${url}/events/pubsub`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve('reset'));
    req.end(body);
  });
}

describe('refusing costs a header check', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('50 unauthenticated 15 MB pushes in parallel: all refused, RSS stays within 50 MB of where it started', async () => {
    const { url, child } = await startServiceProcess(
      serviceEnv(stack.ct, stack.klaviyo.url, { PUSH_AUTH_TOKEN: PUSH, SYNC_API_TOKEN: MANAGEMENT }),
      children,
    );
    const pid = child.pid as number;
    // Warm up the routes once, so the baseline is a running service.
    await unauthenticatedPush(url, Buffer.from('{}'));
    const startMB = rssMB(pid);
    const body = Buffer.alloc(15 * 1024 * 1024, 'x');
    const answers = await Promise.all(Array.from({ length: 50 }, () => unauthenticatedPush(url, body)));
    const endMB = rssMB(pid);
    // The figures, for the README's security section.
    console.info(
      `50 unauthenticated 15 MB pushes: ${answers.filter((a) => a === 401).length} answered 401, ${answers.filter((a) => a === 'reset').length} cut off; RSS ${startMB.toFixed(0)} → ${endMB.toFixed(0)} MB`,
    );
    expect(answers.every((a) => a === 401 || a === 'reset')).toBe(true);
    expect(answers.filter((a) => a === 401).length).toBeGreaterThan(0);
    expect(endMB - startMB, `RSS ${startMB.toFixed(0)} → ${endMB.toFixed(0)} MB`).toBeLessThan(50);
  });
});
