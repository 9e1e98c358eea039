import type { FastifyInstance } from 'fastify';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface ReadinessOptions {
  checks: ReadinessCheck[];
  /** A check without an answer by then counts as failed (it is not waited for). Default 3 s. */
  timeoutMs?: number;
  /** Results are reused this long, so probes cost the services at most one call per check per period. Default 10 s. */
  cacheMs?: number;
}

interface CheckResult {
  name: string;
  ok: boolean;
  error?: string;
}

/**
 * Readiness that answers within a few seconds whatever the services do: each check is given `timeoutMs`, and the
 * results are cached for `cacheMs` (one probe at a time, however many callers).
 */
export function readinessProbe(opts: ReadinessOptions): () => Promise<CheckResult[]> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const cacheMs = opts.cacheMs ?? 10_000;
  let cached: { at: number; results: Promise<CheckResult[]> } | undefined;
  const run = (c: ReadinessCheck): Promise<CheckResult> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ name: c.name, ok: false, error: `no answer within ${timeoutMs / 1000} s` }),
        timeoutMs,
      );
      timer.unref();
    });
    const checked = c.check().then(
      (): CheckResult => ({ name: c.name, ok: true }),
      (e: unknown): CheckResult => ({ name: c.name, ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
    return Promise.race([checked, timeout]).finally(() => clearTimeout(timer));
  };
  return () => {
    if (!cached || Date.now() - cached.at >= cacheMs)
      cached = { at: Date.now(), results: Promise.all(opts.checks.map(run)) };
    return cached.results;
  };
}

export async function healthRoutes(app: FastifyInstance, opts: ReadinessOptions): Promise<void> {
  const probe = readinessProbe(opts);
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_request, reply) => {
    const results = await probe();
    const isReady = results.every((r) => r.ok);
    return reply.status(isReady ? 200 : 503).send({ ready: isReady, checks: results });
  });
}
