import { describe, expect, it } from 'vitest';
import { readinessProbe } from './health.ts';

describe('readinessProbe', () => {
  it('answers without waiting for a check that hangs, counting it failed', async () => {
    const probe = readinessProbe({
      checks: [
        { name: 'fast', check: async () => undefined },
        { name: 'hangs', check: () => new Promise<void>(() => undefined) },
      ],
      timeoutMs: 50,
      cacheMs: 0,
    });
    expect(await probe()).toEqual([
      { name: 'fast', ok: true },
      { name: 'hangs', ok: false, error: 'no answer within 0.05 s' },
    ]);
  });

  it('reuses its results for the cache period: one call to each service, however many callers', async () => {
    let calls = 0;
    const probe = readinessProbe({
      checks: [
        {
          name: 'counted',
          check: async () => {
            calls++;
          },
        },
      ],
      cacheMs: 60_000,
    });
    const answers = await Promise.all([probe(), probe(), probe()]);
    await probe();
    expect(calls).toBe(1);
    expect(answers.every((a) => a[0].ok)).toBe(true);
  });

  it('reports what a failing check threw', async () => {
    const probe = readinessProbe({
      checks: [
        {
          name: 'klaviyo',
          check: async () => {
            throw new Error('Klaviyo refused the key (401)');
          },
        },
      ],
    });
    expect(await probe()).toEqual([{ name: 'klaviyo', ok: false, error: 'Klaviyo refused the key (401)' }]);
  });
});
