import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { LockHeldError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import type { JobRegistry } from '../../sync/job-registry.ts';
import { syncRoutes } from './sync.ts';

describe('POST /job', () => {
  it('logs a scheduled import that cannot start, through the service logger, and goes on with the next type', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const started: string[] = [];
    const registry = {
      async start(kind: string) {
        started.push(kind);
        if (kind === 'customers')
          throw new LockHeldError({ jobId: 'j-1', owner: 'other', acquiredAt: 'then', expiresAt: 'later' });
        return {};
      },
      async settled() {},
    } as unknown as JobRegistry;
    const app = Fastify({ logger: false });
    await app.register(syncRoutes, {
      registry,
      logger: createLogger({ level: 'info', destination }),
      scheduledTypes: ['customers', 'orders'],
    });
    const r = await app.inject({ method: 'POST', url: '/job' });
    expect(r.statusCode).toBe(202);
    await expect.poll(() => started, { timeout: 2000 }).toEqual(['customers', 'orders']);
    await expect
      .poll(() => lines.find((l) => l.msg === 'scheduled import skipped'), { timeout: 2000 })
      .toMatchObject({ kind: 'customers', level: 40 });
    await app.close();
  });
});
