/**
 * What to do about an error, decided once, where the error is made:
 * - `retryable`: the same call may succeed later (429, 5xx, no answer, a lost optimistic-concurrency race);
 * - `permanent`: this record or request cannot succeed as it is (Klaviyo refused the payload, the resource is
 *   gone, the input is malformed): report it with its id and reason, and go on with the rest;
 * - `fatal`: nothing more can succeed until someone acts (credentials, configuration, a lost lease, a stop):
 *   stop the run, or hand the work back untouched.
 */
export type ErrorDisposition = 'retryable' | 'permanent' | 'fatal';

export interface AppErrorOptions {
  disposition: ErrorDisposition;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** Every error this service raises on purpose: a stable code, a message safe to log and to return, and what to do. */
export class AppError extends Error {
  readonly disposition: ErrorDisposition;
  readonly details: Record<string, unknown>;

  constructor(
    readonly code: string,
    message: string,
    options: AppErrorOptions,
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.disposition = options.disposition;
    this.details = options.details ?? {};
  }
}

/**
 * The disposition of any error: ours say it. Anything else (a bug, a library's surprise) is permanent: it would
 * fail the same way again, so it must not be retried forever (the service and the HTTP clients wrap every
 * transient failure in an AppError that says so).
 */
export function dispositionOf(e: unknown): ErrorDisposition {
  return e instanceof AppError ? e.disposition : 'permanent';
}

/** The disposition of an HTTP status from another service: throttling and outages pass, credentials do not. */
export function dispositionOfStatus(status: number): ErrorDisposition {
  if (status === 0 || status === 429 || status >= 500) return 'retryable';
  if (status === 401 || status === 403) return 'fatal';
  return 'permanent';
}

/** Startup configuration is missing or malformed; `problems` lists every one. */
export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      disposition: 'fatal',
      details: { problems },
    });
  }
}

/** A request to our API that cannot be served as sent. */
export class InvalidRequestError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('REQUEST_INVALID', message, { disposition: 'permanent', details });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('NOT_FOUND', message, { disposition: 'permanent' });
  }
}

/** A record (or a notification) that cannot be written as it is: reported with its reason, never retried. */
export class PermanentRecordError extends AppError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { disposition: 'permanent', cause });
  }
}

/** Another run of this type holds the lock; it may be started once that run has ended. */
export class LockHeldError extends AppError {
  constructor(readonly holder: { owner: string; jobId: string; acquiredAt: string; expiresAt: string }) {
    super(
      'CT_LOCK_HELD',
      `Another run holds the lock (job ${holder.jobId}, owner ${holder.owner}, since ${holder.acquiredAt}, lease until ${holder.expiresAt}).`,
      { disposition: 'retryable', details: holder },
    );
  }
}

/** The lease was lost (taken over after expiry, or removed) while a run was alive. */
export class LockLostError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('CT_LOCK_LOST', message, { disposition: 'fatal', cause });
  }
}

/** commercetools answered with an error we do not retry, or retries ran out. */
export class CommercetoolsError extends AppError {
  constructor(
    readonly status: number,
    message: string,
    readonly ctCode?: string,
    cause?: unknown,
  ) {
    super('CT_REQUEST_FAILED', message, {
      disposition: dispositionOfStatus(status),
      details: { status, ctCode },
      cause,
    });
  }
}

export interface KlaviyoErrorObject {
  id?: string;
  status?: number;
  code: string;
  title?: string;
  detail: string;
  source?: { pointer?: string; parameter?: string };
  meta?: Record<string, unknown>;
}

/** Klaviyo answered with an error we do not retry, or retries ran out. Authentication errors are fatal. */
export class KlaviyoApiError extends AppError {
  constructor(
    readonly status: number,
    readonly errors: KlaviyoErrorObject[],
    readonly operation: string,
    cause?: unknown,
  ) {
    const first = errors[0];
    super(
      status === 401 || status === 403
        ? 'KLAVIYO_AUTH_FAILED'
        : status === 429
          ? 'KLAVIYO_RATE_LIMITED'
          : 'KLAVIYO_REQUEST_FAILED',
      `Klaviyo ${operation} answered ${status}${first ? `: ${first.code} ${first.detail}` : ''}`,
      {
        disposition: dispositionOfStatus(status),
        details: { status, operation, code: first?.code, pointer: first?.source?.pointer },
        cause,
      },
    );
  }
}

/** An answer that breaks the API's own contract (e.g. an accepted job without an id); asking again may help. */
export class UnexpectedResponseError extends AppError {
  constructor(message: string) {
    super('UNEXPECTED_RESPONSE', message, { disposition: 'retryable' });
  }
}

/** The run was asked to stop. */
export class AbortedError extends AppError {
  constructor() {
    super('SYNC_ABORTED', 'The run was stopped.', { disposition: 'fatal' });
  }
}
