import { describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import { startStack } from '../helpers/stack.ts';

describe('APP_TYPE', () => {
  it.each([
    ['EVENT', 404],
    ['BULK_IMPORT', 200],
  ])('APP_TYPE=%s mounts the routes of that half only', async (appType) => {
    const stack = await startStack({ env: { APP_TYPE: appType } });
    try {
      const status = await request<any>('GET', `${stack.service.url}/sync/status`);
      expect(status.status).toBe(appType === 'EVENT' ? 404 : 200);
      expect((await request('GET', `${stack.service.url}/health`)).status).toBe(200);
    } finally {
      await stack.close();
    }
  });

  it('an unknown type is refused', async () => {
    const stack = await startStack();
    try {
      expect((await request('POST', `${stack.service.url}/sync/widgets`)).status).toBe(404);
      expect((await request('GET', `${stack.service.url}/sync/widgets`)).status).toBe(400);
    } finally {
      await stack.close();
    }
  });
});

describe('management API authentication', () => {
  it('requires the bearer token on sync routes and dead letters when SYNC_API_TOKEN is set; health stays open', async () => {
    const token = 'management-token-0123456789';
    const stack = await startStack({ env: { SYNC_API_TOKEN: token } });
    try {
      const anonymous = await request<any>('POST', `${stack.service.url}/sync/customers`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toEqual({ error: 'UNAUTHENTICATED', message: 'Authentication required.' });
      expect(
        (
          await request('GET', `${stack.service.url}/sync/status`, {
            headers: { authorization: 'Bearer wrong-wrong-wrong-wrong' },
          })
        ).status,
      ).toBe(401);
      expect((await request('GET', `${stack.service.url}/events/dead-letters`)).status).toBe(401);
      const ok = await request('POST', `${stack.service.url}/sync/customers`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.status).toBe(202);
      expect(
        (
          await request('GET', `${stack.service.url}/events/dead-letters`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).status,
      ).toBe(200);
      expect((await request('GET', `${stack.service.url}/health`)).status).toBe(200);
    } finally {
      await stack.close();
    }
  });
});
