export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * A bare HTTP call that never throws on status: tests assert on what the server answered. It does throw when
 * no answer comes within `timeoutMs` (default 2 minutes), so a hung server fails the test with its URL.
 */
export async function request<T = unknown>(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: unknown; rawBody?: string; timeoutMs?: number } = {},
): Promise<HttpResult<T>> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method,
      signal: AbortSignal.timeout(timeoutMs),
      headers: options.headers,
      body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    text = await res.text();
  } catch (e) {
    if (e instanceof Error && e.name === 'TimeoutError')
      throw new Error(`No answer within ${timeoutMs} ms from ${method} ${url}`);
    throw e;
  }
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

/** A Klaviyo API caller with the headers the real API requires. */
export function klaviyoCaller(baseUrl: string, apiKey = 'pk_test_account') {
  const headers = {
    Authorization: `Klaviyo-API-Key ${apiKey}`,
    revision: '2026-07-15',
    'content-type': 'application/vnd.api+json',
    accept: 'application/vnd.api+json',
  };
  return <T = KlaviyoDoc>(method: string, path: string, body?: unknown) =>
    request<T>(method, `${baseUrl}${path}`, { headers, body });
}

export interface KlaviyoDoc {
  data: any;
  links?: { self?: string; next?: string | null; prev?: string | null };
  included?: any[];
  errors?: Array<{
    id: string;
    status: number;
    code: string;
    title: string;
    detail: string;
    source?: { pointer?: string; parameter?: string };
    meta?: Record<string, unknown>;
  }>;
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`: a condition wait, never a fixed sleep. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
