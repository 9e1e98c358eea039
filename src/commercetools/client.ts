import { type ByProjectKeyRequestBuilder, createApiBuilderFromCtpClient } from '@commercetools/platform-sdk';
import { ClientBuilder } from '@commercetools/ts-client';
import { backoffDelayMs, sleep } from '../core/abort.ts';
import { AbortedError, CommercetoolsError } from '../core/errors.ts';

export interface CommercetoolsSettings {
  apiUrl: string;
  authUrl: string;
  projectKey: string;
  scopes: string[];
  clientId: string;
  clientSecret: string;
}

/** The SDK's request builder for one project: what every function of this folder takes. */
export type CommercetoolsApi = ByProjectKeyRequestBuilder;

/** The official SDK client (client credentials, retries on 429/5xx with backoff), scoped to the project. */
export function createCommercetoolsApi(settings: CommercetoolsSettings): ByProjectKeyRequestBuilder {
  const client = new ClientBuilder()
    .withProjectKey(settings.projectKey)
    .withClientCredentialsFlow({
      host: settings.authUrl,
      projectKey: settings.projectKey,
      credentials: { clientId: settings.clientId, clientSecret: settings.clientSecret },
      scopes: settings.scopes,
      httpClient: fetch,
    })
    .withHttpMiddleware({
      host: settings.apiUrl,
      httpClient: fetch,
      timeout: 60_000,
      enableRetry: true,
      retryConfig: {
        maxRetries: 4,
        retryDelay: 300,
        backoff: true,
        maxDelay: 10_000,
        retryCodes: [429, 500, 502, 503, 504],
      },
    })
    .build();
  return createApiBuilderFromCtpClient(client).withProjectKey({ projectKey: settings.projectKey });
}

interface SdkError {
  statusCode?: number;
  status?: number;
  message?: string;
  body?: { message?: string; errors?: Array<{ code?: string; currentVersion?: number }> };
  error?: { message?: string; errors?: Array<{ code?: string; currentVersion?: number }> };
}

/** Status, code and message of an SDK error, whatever shape it arrived in. */
export function describeCtError(e: unknown): {
  status: number;
  code?: string;
  message: string;
  currentVersion?: number;
} {
  const err = (e ?? {}) as SdkError;
  const body = err.body ?? err.error;
  const status = err.statusCode ?? err.status ?? 0;
  return {
    status,
    code: body?.errors?.[0]?.code,
    message: body?.message ?? err.message ?? String(e),
    currentVersion: body?.errors?.[0]?.currentVersion,
  };
}

/** ctCall for a read by id or key: undefined when commercetools has no such resource (404). */
export async function ctFind<T>(
  what: string,
  fn: () => Promise<{ body: T }>,
  options: { signal?: AbortSignal; budgetMs?: number } = {},
): Promise<T | undefined> {
  try {
    return await ctCall(what, fn, options);
  } catch (e) {
    if (e instanceof CommercetoolsError && e.status === 404) return undefined;
    throw e;
  }
}

/**
 * Runs an SDK call; network errors and 5xx/429 that outlived the SDK's own retries are tried again within a
 * budget (reads are idempotent). Other failures become a CommercetoolsError with the API's status and code.
 */
export async function ctCall<T>(
  what: string,
  fn: () => Promise<{ body: T }>,
  options: { signal?: AbortSignal; budgetMs?: number; isRetryable?: boolean } = {},
): Promise<T> {
  const deadline = Date.now() + (options.budgetMs ?? 5 * 60_000);
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw new AbortedError();
    try {
      return (await fn()).body;
    } catch (e) {
      const d = describeCtError(e);
      const isTransient = d.status === 0 || d.status === 429 || d.status >= 500;
      // Never sleep past the budget: a short budget (a lease renewal) still gets its last try in time.
      const waitMs = Math.min(500 + backoffDelayMs(attempt, 1000, 30_000), deadline - Date.now());
      if (!isTransient || options.isRetryable === false || waitMs <= 0) {
        throw new CommercetoolsError(
          d.status,
          `commercetools ${what} failed (${d.status || 'network'}${d.code ? ` ${d.code}` : ''}): ${d.message}`,
          d.code,
          e,
        );
      }
      await sleep(waitMs, options.signal);
    }
  }
}
