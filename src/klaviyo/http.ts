import { backoffDelayMs, isAbortError, sleep } from '../core/abort.ts';
import { AbortedError, KlaviyoApiError, type KlaviyoErrorObject, UnexpectedResponseError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { KlaviyoOperation } from './operations.ts';
import type { KlaviyoRateLimiter } from './rate-limiter.ts';
import { KLAVIYO_REVISION } from './revision.ts';

export interface KlaviyoHttpOptions {
  apiKey: string;
  baseUrl: string;
  limiter: KlaviyoRateLimiter;
  logger: Logger;
  /** Total time a call may spend retrying 429s, 5xx and network errors. Default 15 minutes. */
  retryBudgetMs?: number;
  /** Per-attempt timeout. Default 60 s. */
  timeoutMs?: number;
}

export interface KlaviyoRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under the base URL (`/api/...`) or a full `links.next` URL. */
  path: string;
  body?: unknown;
  signal?: AbortSignal;
}

export interface KlaviyoResponse<T> {
  status: number;
  body: T | undefined;
}

export interface KlaviyoHttpStats {
  requests: Record<string, Record<string, number>>;
  throttled: number;
  retries: number;
}

function parseErrors(text: string): KlaviyoErrorObject[] {
  try {
    const parsed = JSON.parse(text) as { errors?: KlaviyoErrorObject[] };
    if (Array.isArray(parsed.errors)) return parsed.errors;
  } catch {
    // not JSON: fall through
  }
  return [{ code: 'unknown', detail: text.slice(0, 200) }];
}

function parseBody<T>(text: string, operation: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UnexpectedResponseError(`Klaviyo ${operation} answered 2xx with a body that is not JSON`);
  }
}

/**
 * The one way this service talks to Klaviyo: auth and revision headers, JSON:API bodies, client-side rate
 * limiting per operation, and retries of 429 (after Retry-After), 5xx and network errors with jittered
 * backoff inside a time budget. Other 4xx answers become a KlaviyoApiError at once.
 */
export class KlaviyoHttp {
  readonly stats: KlaviyoHttpStats = { requests: {}, throttled: 0, retries: 0 };

  constructor(private readonly options: KlaviyoHttpOptions) {}

  async request<T>(op: KlaviyoOperation, req: KlaviyoRequest): Promise<KlaviyoResponse<T>> {
    const budgetMs = this.options.retryBudgetMs ?? 15 * 60_000;
    const deadline = Date.now() + budgetMs;
    const url = req.path.startsWith('http') ? req.path : `${this.options.baseUrl}${req.path}`;
    let attempt = 0;
    for (;;) {
      if (req.signal?.aborted) throw new AbortedError();
      await this.options.limiter.acquire(op, req.signal);
      let status = 0;
      let text = '';
      let headers: Headers | undefined;
      let networkError: unknown;
      try {
        const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 60_000);
        const res = await fetch(url, {
          method: req.method,
          headers: {
            Authorization: `Klaviyo-API-Key ${this.options.apiKey}`,
            revision: KLAVIYO_REVISION,
            accept: 'application/vnd.api+json',
            ...(req.body === undefined ? {} : { 'content-type': 'application/vnd.api+json' }),
          },
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal: req.signal ? AbortSignal.any([req.signal, timeout]) : timeout,
        });
        status = res.status;
        headers = res.headers;
        text = await res.text();
      } catch (e) {
        if (req.signal?.aborted) throw new AbortedError();
        if (!isAbortError(e) && !(e instanceof TypeError) && !(e instanceof Error && e.name === 'TimeoutError'))
          throw e;
        status = 0;
        networkError = e;
      }
      this.count(op, status);
      if (status >= 200 && status < 300) {
        // What is left of the account's window (every instance using the key counts): paced by it.
        const remaining = headers?.get('ratelimit-remaining');
        const reset = headers?.get('ratelimit-reset');
        if (remaining != null && reset != null) this.options.limiter.observe(op, Number(remaining), Number(reset));
        return { status, body: text ? parseBody<T>(text, op.id) : undefined };
      }
      const isRetryable = status === 0 || status === 429 || status >= 500;
      if (!isRetryable) throw new KlaviyoApiError(status, parseErrors(text), op.id);
      let waitMs: number;
      if (status === 429) {
        this.stats.throttled++;
        const retryAfter = Number(headers?.get('retry-after'));
        waitMs =
          (Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000) + Math.round(Math.random() * 250);
        this.options.limiter.pause(op, waitMs);
      } else {
        waitMs = 200 + backoffDelayMs(attempt, 500, 30_000);
      }
      if (Date.now() + waitMs > deadline) {
        throw status === 0
          ? new KlaviyoApiError(
              0,
              [
                {
                  code: 'network',
                  detail: `no answer from Klaviyo after retrying for ${Math.round(budgetMs / 1000)} s`,
                },
              ],
              op.id,
              networkError,
            )
          : new KlaviyoApiError(status, parseErrors(text), op.id);
      }
      attempt++;
      this.stats.retries++;
      this.options.logger.debug({ operation: op.id, status, attempt, waitMs }, 'retrying Klaviyo request');
      await sleep(status === 429 ? 0 : waitMs, req.signal);
    }
  }

  private count(op: KlaviyoOperation, status: number): void {
    const byStatus = this.stats.requests[op.id] ?? {};
    this.stats.requests[op.id] = byStatus;
    byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
  }
}
