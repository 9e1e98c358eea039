import type { DeadLetter, DeadLetterStore } from '../commercetools/dead-letter-store.ts';

/** Where permanent failures are kept until replayed (commercetools custom objects in production). */
export type DeadLetterStorage = Pick<DeadLetterStore, 'put' | 'get' | 'list' | 'remove'>;

import { AppError, CommercetoolsError, dispositionOf, KlaviyoApiError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { boundedPayload } from './bounded-payload.ts';
import { decodeCommercetoolsPayload, decodePubSubPush } from './envelopes/decode.ts';
import { InvalidNotificationError, type Notification, parsePlatformPayload } from './notification.ts';
import { RecentNotifications } from './recent-notifications.ts';
import type { NotificationDispatcher } from './route-dispatcher.ts';

export type IntakeStatus = 'applied' | 'ignored' | 'duplicate' | 'dead-lettered' | 'retry';

export interface IntakeResult {
  /** Whether the delivery is acknowledged (done, or kept as a dead letter); otherwise it must be redelivered. */
  isAcknowledged: boolean;
  status: IntakeStatus;
  detail: string;
}

/**
 * How a delivery arrived: a Google Pub/Sub push body (`message.data` in base64), or a commercetools payload
 * as it is (Platform format or CloudEvents: SQS, EventBridge, a relay, SKIP_BASE64_DECODE).
 */
export type Envelope = 'pubsub' | 'platform';

export interface Delivery {
  body: unknown;
  envelope: Envelope;
  /** The transport's own id of this delivery (SQS message id, EventBridge event id), when it has one. */
  deliveryId?: string;
}

export interface IntakeStats {
  byStatus: Record<IntakeStatus, number>;
  /** Ignored notifications a processor counts by a key (e.g. `anonymous-cart`). */
  ignoredBy: Record<string, number>;
  /** Handling time of the last 1,000 notifications. */
  recentLatenciesMs: number[];
}

/** Thrown to a transport that redelivers when its handler throws (EventBridge): the notification was not handled yet. */
export class RedeliveryRequestedError extends AppError {
  constructor(deliveryId: string, detail: string, transport: string) {
    super(
      'REDELIVERY_REQUESTED',
      `notification ${deliveryId} could not be handled yet (${detail}); ${transport} will retry it`,
      { disposition: 'retryable' },
    );
  }
}

function codeOf(e: unknown): string {
  if (e instanceof KlaviyoApiError) return e.errors[0]?.code ?? String(e.status);
  if (e instanceof CommercetoolsError) return e.ctCode ?? String(e.status);
  if (e instanceof AppError) return e.code;
  return 'unexpected_error';
}

/**
 * The one way a real-time delivery is handled, whatever carried it (HTTP push, SQS, EventBridge):
 * decode → dedupe → dispatch → dead-letter → acknowledgement. Success and permanent failures (kept as dead
 * letters) are acknowledged; retryable and fatal failures ask for redelivery, so nothing is dropped.
 */
export class Intake {
  private readonly recent = new RecentNotifications();
  readonly stats: IntakeStats = {
    byStatus: { applied: 0, ignored: 0, duplicate: 0, 'dead-lettered': 0, retry: 0 },
    ignoredBy: {},
    recentLatenciesMs: [],
  };

  constructor(
    private readonly dispatcher: NotificationDispatcher,
    readonly deadLetters: DeadLetterStorage,
    private readonly logger: Logger,
  ) {}

  async receive(delivery: Delivery): Promise<IntakeResult> {
    let decoded: { notification: Notification; messageId?: string };
    try {
      decoded =
        delivery.envelope === 'pubsub'
          ? decodePubSubPush(delivery.body, { skipBase64Decode: false })
          : { notification: decodeCommercetoolsPayload(delivery.body) };
    } catch (e) {
      // A malformed delivery can never succeed (whatever decoding threw): keep it as a dead letter and acknowledge it.
      const notificationId = `invalid:${delivery.deliveryId?.slice(0, 256) ?? `${Date.now()}:${Math.random().toString(36).slice(2)}`}`;
      return this.deadLetter(
        { kind: 'unknown', id: notificationId, isPayloadIncluded: false, raw: {} },
        e,
        delivery.body,
      );
    }
    return this.handle(decoded.notification, {});
  }

  /**
   * Replays dead letters (those with the given keys, or all of them, page by page); a letter applied or ignored
   * now is removed.
   */
  async replay(
    keys?: readonly string[],
  ): Promise<Array<{ key: string; notificationId: string; status: IntakeStatus; detail: string }>> {
    const results: Array<{ key: string; notificationId: string; status: IntakeStatus; detail: string }> = [];
    const replayOne = async (letter: DeadLetter & { key: string; version: number }) => {
      let result: IntakeResult;
      try {
        result = await this.handle(parsePlatformPayload(letter.payload), { isReplay: true });
      } catch (e) {
        result = { isAcknowledged: false, status: 'retry', detail: e instanceof Error ? e.message : String(e) };
      }
      // Dead-lettered again: handling updated the letter.
      if (result.status === 'applied' || result.status === 'ignored')
        await this.deadLetters.remove(letter.key, letter.version);
      results.push({
        key: letter.key,
        notificationId: letter.notificationId,
        status: result.status,
        detail: result.detail,
      });
    };
    if (keys) {
      for (const key of new Set(keys)) {
        const letter = await this.deadLetters.get(key);
        if (letter) await replayOne(letter);
      }
      return results;
    }
    const PAGE = 100;
    for (let after: string | undefined; ; ) {
      const page = await this.deadLetters.list(PAGE, after);
      for (const letter of page) await replayOne(letter);
      if (page.length < PAGE) return results;
      after = page[page.length - 1].key;
    }
  }

  private async handle(n: Notification, options: { isReplay?: boolean }): Promise<IntakeResult> {
    const started = performance.now();
    try {
      if (!options.isReplay && this.recent.has(n)) {
        return this.done({ isAcknowledged: true, status: 'duplicate', detail: 'already handled' }, n);
      }
      try {
        const r = await this.dispatcher.dispatch(n);
        if (r.status === 'ignored' && r.counted)
          this.stats.ignoredBy[r.counted] = (this.stats.ignoredBy[r.counted] ?? 0) + 1;
        return this.done(
          r.status === 'applied'
            ? { isAcknowledged: true, status: 'applied', detail: r.detail }
            : { isAcknowledged: true, status: 'ignored', detail: r.reason },
          n,
        );
      } catch (e) {
        // Only failures classified as passing (429, 5xx, no answer) or needing an operator (credentials) are
        // handed back for redelivery; anything else would fail forever, so it becomes a dead letter.
        if (dispositionOf(e) === 'permanent') return await this.deadLetter(n, e, n.raw);
        return this.retry(n, e);
      }
    } finally {
      this.stats.recentLatenciesMs.push(performance.now() - started);
      if (this.stats.recentLatenciesMs.length > 1000) this.stats.recentLatenciesMs.shift();
    }
  }

  private done(result: IntakeResult, n: Notification): IntakeResult {
    this.stats.byStatus[result.status]++;
    // Only commercetools messages (ids commercetools gives) that were acted on are remembered: a change
    // notification's id is predictable, so a forged one must not hide the genuine one (handling it again is
    // harmless: processors read the resource as it is), and an ignored one (another project) must not fill the cache.
    if (n.kind === 'message' && (result.status === 'applied' || result.status === 'dead-lettered')) this.recent.add(n);
    this.logger.info(
      {
        notificationId: n.id,
        resourceType: n.resourceType,
        resourceId: n.resourceId,
        type: n.type,
        status: result.status,
      },
      `notification ${result.status}`,
    );
    return result;
  }

  /** Retryable failures (429, 5xx, no answer) and fatal ones (credentials) are handed back for redelivery. */
  private retry(n: Notification, e: unknown): IntakeResult {
    const reason = e instanceof Error ? e.message : String(e);
    this.stats.byStatus.retry++;
    const fields = { notificationId: n.id, resourceType: n.resourceType, resourceId: n.resourceId, err: reason };
    if (dispositionOf(e) === 'fatal')
      this.logger.error(
        fields,
        'notification cannot be handled until the configuration is fixed; it will be redelivered',
      );
    else this.logger.warn(fields, 'notification failed; it will be redelivered');
    return { isAcknowledged: false, status: 'retry', detail: reason };
  }

  /** Keeps a permanent failure as a dead letter and acknowledges it; if it cannot be kept, asks for redelivery. */
  private async deadLetter(n: Notification, e: unknown, payload: unknown): Promise<IntakeResult> {
    const reason = (e instanceof Error ? e.message : String(e)).slice(0, 2000);
    const letter = {
      notificationId: n.id,
      resourceType: n.resourceType,
      resourceId: n.resourceId,
      type: n.type,
      reason,
      code: e instanceof InvalidNotificationError ? 'invalid_notification' : codeOf(e),
    };
    try {
      await this.deadLetters.put({ ...letter, payload: boundedPayload(payload) }).catch(async (refused: unknown) => {
        // commercetools refused the letter itself (not an outage): keep its routing fields, size and hash instead.
        if (dispositionOf(refused) !== 'permanent') throw refused;
        await this.deadLetters.put({ ...letter, payload: boundedPayload(payload, { isSkeletonOnly: true }) });
      });
    } catch (storeError) {
      // Without a dead letter the failure would be lost: ask for redelivery instead.
      this.stats.byStatus.retry++;
      return {
        isAcknowledged: false,
        status: 'retry',
        detail: `could not store the dead letter: ${storeError instanceof Error ? storeError.message : String(storeError)}`,
      };
    }
    return this.done({ isAcknowledged: true, status: 'dead-lettered', detail: reason }, n);
  }
}
