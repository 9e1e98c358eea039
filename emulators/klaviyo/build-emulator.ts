import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { FaultInjector, type FaultRule } from '../shared/faults.ts';
import { registerInspection } from './inspect.ts';
import { invalid, KlaviyoError, MB } from './jsonapi.ts';
import type { RateLimit } from './operations.ts';
import { FixedWindowRateLimiter } from './rate-limiter.ts';
import { RequestLog } from './request-log.ts';
import { OperationRouter } from './router.ts';
import { catalogHandlers } from './routes/catalog.ts';
import { catalogJobHandlers } from './routes/catalog-jobs.ts';
import type { OpHandler } from './routes/context.ts';
import { dataPrivacyHandlers } from './routes/data-privacy.ts';
import { eventHandlers } from './routes/events.ts';
import { listHandlers } from './routes/lists.ts';
import { profileJobHandlers } from './routes/profile-jobs.ts';
import { profileMergeHandlers } from './routes/profile-merge.ts';
import { profileHandlers } from './routes/profiles.ts';
import { subscriptionHandlers } from './routes/subscriptions.ts';
import { DEFAULT_SPEC_PATH, type KlaviyoSpec, loadKlaviyoSpec } from './spec.ts';
import { Account, type AccountSettings, DEFAULT_ACCOUNT_SETTINGS, type SeedList } from './store/account.ts';
import { DEFAULT_JOB_TIMING, type JobTiming } from './store/jobs.ts';
import { SpecValidator } from './validation.ts';

export interface KlaviyoEmulatorOptions {
  /**
   * Path of Klaviyo's OpenAPI file (default: the repository's copy in `vendor/klaviyo/`). A missing file is an
   * error; `false` turns validation off, which the banner and `/__emulator/health` then say loudly.
   */
  specPath?: string | false;
  /** Reject attributes the spec does not declare (Klaviyo does). Default true. */
  rejectUnknownFields?: boolean;
  /** Enforce the published rate limits. Default true. */
  rateLimits?: boolean;
  /** Shrinks the 1 s / 60 s rate-limit windows by this factor (60 → steady window of 1 s). Default 1. */
  speedUp?: number;
  /** Per-operation limits that replace the published ones. */
  rateLimitOverrides?: Record<string, RateLimit>;
  /** How bulk jobs progress. */
  jobs?: Partial<JobTiming>;
  faults?: FaultRule[];
  /** Seed for probabilistic faults. */
  faultSeed?: number;
  /**
   * What an unsubscribe naming a list does to a member of that list: `global` (default, Klaviyo's default)
   * unsubscribes globally; `list` unsubscribes from that list only (a list suppression).
   */
  listUnsubscribe?: AccountSettings['listUnsubscribe'];
  /** The account's default opt-in process (default `double_opt_in`, as Klaviyo's). */
  defaultOptIn?: AccountSettings['defaultOptIn'];
  /** Recent requests and spec violations kept for inspection. Default 5,000. */
  requestLogSize?: number;
  /** Lists every account has from the start and again after a reset (their ids as given), e.g. a consent list. */
  lists?: SeedList[];
}

export interface KlaviyoEmulatorState {
  spec: KlaviyoSpec | undefined;
  accounts: Map<string, Account>;
  faults: FaultInjector;
  log: RequestLog;
  limiter: FixedWindowRateLimiter;
  options: Required<Pick<KlaviyoEmulatorOptions, 'rateLimits' | 'speedUp'>>;
  account(apiKey: string): Account;
}

export const MAX_PAYLOAD_BYTES = 5 * MB;

/** What the emulator says wherever its state is shown when it does not validate requests. */
export const VALIDATION_OFF_WARNING =
  "VALIDATION OFF: requests are NOT checked against Klaviyo's OpenAPI file, so a payload Klaviyo would refuse can pass here.";
const REVISION = /^\d{4}-\d{2}-\d{2}(\.[a-z0-9]+)?$/;
const SERVER_BODY_LIMIT = 64 * MB;

const HANDLERS: Record<string, OpHandler> = {
  ...profileHandlers,
  ...profileJobHandlers,
  ...profileMergeHandlers,
  ...dataPrivacyHandlers,
  ...subscriptionHandlers,
  ...listHandlers,
  ...eventHandlers,
  ...catalogHandlers,
  ...catalogJobHandlers,
};

/** A short, non-reversible label for an API key, so logs and inspection never show keys. */
export function accountLabel(apiKey: string): string {
  return `acct_${createHash('sha256').update(apiKey).digest('hex').slice(0, 10)}`;
}

function send(reply: FastifyReply, status: number, body?: unknown): FastifyReply {
  reply.status(status);
  if (body === undefined) return reply.send();
  return reply.header('content-type', 'application/vnd.api+json').send(JSON.stringify(body));
}

function sendError(reply: FastifyReply, e: KlaviyoError): FastifyReply {
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  return send(reply, e.status, e.toBody());
}

export function buildKlaviyoEmulator(options: KlaviyoEmulatorOptions = {}): {
  app: FastifyInstance;
  state: KlaviyoEmulatorState;
} {
  const spec = options.specPath === false ? undefined : loadKlaviyoSpec(options.specPath ?? DEFAULT_SPEC_PATH);
  const validator = spec
    ? new SpecValidator(spec, { rejectUnknownFields: options.rejectUnknownFields ?? true })
    : undefined;
  const router = new OperationRouter(spec, options.rateLimitOverrides ?? {});
  const timing: JobTiming = { ...DEFAULT_JOB_TIMING, ...options.jobs };
  const accounts = new Map<string, Account>();
  const settings: AccountSettings = {
    ...DEFAULT_ACCOUNT_SETTINGS,
    ...(options.listUnsubscribe ? { listUnsubscribe: options.listUnsubscribe } : {}),
    ...(options.defaultOptIn ? { defaultOptIn: options.defaultOptIn } : {}),
  };
  const state: KlaviyoEmulatorState = {
    spec,
    accounts,
    faults: new FaultInjector(options.faults ?? [], options.faultSeed),
    log: new RequestLog(options.requestLogSize ?? 5000),
    limiter: new FixedWindowRateLimiter(options.speedUp ?? 1),
    options: { rateLimits: options.rateLimits ?? true, speedUp: options.speedUp ?? 1 },
    account(apiKey: string): Account {
      let a = accounts.get(apiKey);
      if (!a) {
        a = new Account(apiKey, timing, settings, options.lists ?? []);
        accounts.set(apiKey, a);
      }
      return a;
    },
  };

  const app = Fastify({ logger: false, bodyLimit: SERVER_BODY_LIMIT });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: SERVER_BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  registerInspection(app, state);

  const handle = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const started = Date.now();
    const url = new URL(request.url, `http://${request.headers.host ?? '127.0.0.1'}`);
    const baseUrl = `${url.protocol}//${url.host}`;
    const method = request.method.toUpperCase();
    const match = router.match(method, url.pathname);
    let label: string | null = null;
    let faultName: string | undefined;
    let problem: string | undefined;
    let loseResponse = false;
    const finish = (r: FastifyReply, status: number) => {
      state.log.add({
        at: new Date(started).toISOString(),
        method,
        path: url.pathname,
        operationId: match?.operationId ?? null,
        account: label,
        status,
        durationMs: Date.now() - started,
        fault: faultName,
        problem,
      });
      return r;
    };
    try {
      if (!match) {
        const allowed = router.allowedMethods(url.pathname);
        if (allowed.length)
          throw new KlaviyoError(
            405,
            'method_not_allowed',
            'Method not allowed.',
            `${method} is not allowed on ${url.pathname}; allowed: ${allowed.join(', ')}.`,
          );
        throw new KlaviyoError(
          404,
          'not_found',
          'Not found.',
          `There is no Klaviyo API endpoint at ${method} ${url.pathname}.`,
        );
      }
      const auth = request.headers.authorization;
      const key =
        typeof auth === 'string' && auth.startsWith('Klaviyo-API-Key ')
          ? auth.slice('Klaviyo-API-Key '.length).trim()
          : '';
      if (!key) {
        throw new KlaviyoError(
          401,
          'not_authenticated',
          'Authentication credentials were not provided.',
          "Missing or invalid 'Authorization: Klaviyo-API-Key <private key>' header.",
        );
      }
      label = accountLabel(key);
      const revision = request.headers.revision;
      if (typeof revision !== 'string' || !REVISION.test(revision)) {
        throw invalid("The 'revision' header is required, in the format YYYY-MM-DD[.suffix] (e.g. 2026-07-15).", {
          parameter: 'revision',
        });
      }
      for (const fault of state.faults.pick(match.operationId)) {
        faultName = `${fault.kind}${fault.status ? `:${fault.status}` : ''}`;
        if (fault.kind === 'slow') await delay(fault.delayMs ?? 0);
        if (fault.kind === 'lose-response') loseResponse = true;
        if (fault.kind === 'drop') {
          reply.hijack();
          request.raw.socket.destroy();
          finish(reply, 0);
          return reply;
        }
        if (fault.kind === 'status') {
          const status = fault.status ?? 500;
          if (status === 429) {
            const after = fault.retryAfterSeconds ?? 1;
            throw new KlaviyoError(
              429,
              'throttled',
              'Request was throttled.',
              `Request was throttled. Expected available in ${after} second${after === 1 ? '' : 's'}.`,
              { pointer: '/data' },
              {},
              { 'Retry-After': String(after) },
            );
          }
          throw new KlaviyoError(
            status,
            status >= 500 ? 'error' : 'invalid',
            status >= 500 ? 'A server error occurred.' : 'Injected error.',
            `Injected fault: HTTP ${status}.`,
          );
        }
      }
      if (!match.isServed) {
        throw new KlaviyoError(
          404,
          'not_found',
          'Not found.',
          `The operation '${match.operationId}' exists in Klaviyo's API but is not served by this emulator.`,
        );
      }
      const account = state.account(key);
      let rate: ReturnType<FixedWindowRateLimiter['take']> | undefined;
      if (state.options.rateLimits && match.rateLimit) {
        rate = state.limiter.take(`${key}|${match.operationId}`, match.rateLimit, Date.now());
        if (!rate.isAllowed) {
          const after = rate.retryAfterSeconds;
          throw new KlaviyoError(
            429,
            'throttled',
            'Request was throttled.',
            `Request was throttled. Expected available in ${Math.ceil(after)} second${Math.ceil(after) === 1 ? '' : 's'}.`,
            { pointer: '/data' },
            {},
            { 'Retry-After': String(after) },
          );
        }
        reply.header('RateLimit-Limit', String(rate.limit));
        reply.header('RateLimit-Remaining', String(rate.remaining));
        reply.header('RateLimit-Reset', String(Math.ceil(rate.resetSeconds)));
      }
      let body: unknown;
      const raw = request.body;
      if (Buffer.isBuffer(raw) && raw.length > 0) {
        const type = String(request.headers['content-type'] ?? '')
          .split(';')[0]
          .trim();
        if (type !== 'application/json' && type !== 'application/vnd.api+json') {
          throw new KlaviyoError(
            415,
            'unsupported_media_type',
            'Unsupported media type.',
            `Content-Type must be application/vnd.api+json or application/json (got '${type || 'none'}').`,
          );
        }
        if (raw.length > MAX_PAYLOAD_BYTES) {
          throw new KlaviyoError(
            413,
            'request_too_large',
            'Request entity too large.',
            `The request body is ${raw.length} bytes; the limit is 5 MB.`,
          );
        }
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw invalid('The request body is not valid JSON.', { pointer: '/data' });
        }
      }
      if (validator) {
        const query: Record<string, string> = {};
        url.searchParams.forEach((v, k) => {
          query[k] = v;
        });
        const problems = [
          ...validator.validateQuery(match.operationId, query),
          ...validator.validateBody(match.operationId, body),
        ];
        if (problems.length) {
          const p = problems[0];
          state.log.addSpecViolation({
            at: new Date().toISOString(),
            operationId: match.operationId,
            detail: p.detail,
            pointer: p.pointer,
            parameter: p.parameter,
          });
          throw invalid(p.detail, p.parameter ? { parameter: p.parameter } : { pointer: p.pointer ?? '/data' });
        }
      }
      const nowMs = Date.now();
      account.jobs.advance(nowMs);
      const handler = HANDLERS[match.operationId];
      const result = handler({
        account,
        body,
        params: match.params,
        url,
        baseUrl,
        nowMs,
        nowIso: new Date(nowMs).toISOString(),
      });
      if (loseResponse) {
        // The request took effect, but the caller never hears so (a timeout or reset after the write).
        reply.hijack();
        request.raw.socket.destroy();
        return finish(reply, 0);
      }
      return finish(send(reply, result.status, result.body), result.status);
    } catch (e) {
      if (e instanceof KlaviyoError) {
        problem = e.detail;
        return finish(sendError(reply, e), e.status);
      }
      problem = e instanceof Error ? e.message : String(e);
      return finish(
        sendError(
          reply,
          new KlaviyoError(500, 'error', 'A server error occurred.', 'The emulator failed to handle this request.'),
        ),
        500,
      );
    }
  };

  app.all('/api/*', handle);
  app.all('/client/*', handle);
  app.setNotFoundHandler((request, reply) => {
    sendError(
      reply,
      new KlaviyoError(
        404,
        'not_found',
        'Not found.',
        `There is no Klaviyo API endpoint at ${request.method} ${request.url.split('?')[0]}.`,
      ),
    );
  });
  return { app, state };
}

export interface RunningKlaviyoEmulator {
  url: string;
  app: FastifyInstance;
  state: KlaviyoEmulatorState;
  close(): Promise<void>;
}

/** Starts the emulator on loopback; port 0 picks a free port. */
export async function startKlaviyoEmulator(
  options: KlaviyoEmulatorOptions & { port?: number; host?: string } = {},
): Promise<RunningKlaviyoEmulator> {
  const { app, state } = buildKlaviyoEmulator(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { url: `http://${host}:${port}`, app, state, close: () => app.close() };
}
