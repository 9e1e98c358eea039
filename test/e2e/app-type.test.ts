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
