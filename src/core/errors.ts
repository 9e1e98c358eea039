/** Every error this service raises on purpose: a stable code, and a message safe to log and to return. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Startup configuration is missing or malformed; `problems` lists every one. */
export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, { problems });
  }
}

/** A request to our API that cannot be served as sent. */
export class InvalidRequestError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('REQUEST_INVALID', message, details);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** Another run of this type holds the lock. */
export class LockHeldError extends AppError {
  constructor(readonly holder: { owner: string; jobId: string; acquiredAt: string; expiresAt: string }) {
    super('CT_LOCK_HELD', `Another run holds the lock (job ${holder.jobId}, owner ${holder.owner}, since ${holder.acquiredAt}, lease until ${holder.expiresAt}).`, holder);
  }
}

/** The lease was lost (taken over after expiry, or removed) while a run was alive. */
export class LockLostError extends AppError {
  constructor(message: string) {
    super('CT_LOCK_LOST', message);
  }
}

/** commercetools answered with an error we do not retry, or retries ran out. */
export class CommercetoolsError extends AppError {
  constructor(
    readonly status: number,
    message: string,
    readonly ctCode?: string,
  ) {
    super('CT_REQUEST_FAILED', message, { status, ctCode });
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

/** Klaviyo answered with an error we do not retry, or retries ran out. */
export class KlaviyoApiError extends AppError {
  constructor(
    readonly status: number,
    readonly errors: KlaviyoErrorObject[],
    readonly operation: string,
  ) {
    const first = errors[0];
    super(
      status === 401 || status === 403 ? 'KLAVIYO_AUTH_FAILED' : status === 429 ? 'KLAVIYO_RATE_LIMITED' : 'KLAVIYO_REQUEST_FAILED',
      `Klaviyo ${operation} answered ${status}${first ? `: ${first.code} ${first.detail}` : ''}`,
      { status, operation, code: first?.code, pointer: first?.source?.pointer },
    );
  }

  /** Authentication and authorization errors stop an import at once. */
  get isFatal(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** The run was asked to stop. */
export class AbortedError extends AppError {
  constructor() {
    super('SYNC_ABORTED', 'The run was stopped.');
  }
}
