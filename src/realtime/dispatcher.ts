import { CommercetoolsError, KlaviyoApiError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { DeadLetterStore } from '../commercetools/dead-letter-store.ts';
import type { Notification } from './notification.ts';
import { PermanentFailure, type Processor, type ProcessorContext } from './processor.ts';

export type DispatchStatus = 'applied' | 'ignored' | 'duplicate' | 'dead-lettered' | 'retry';

export interface DispatchResult {
  /** Whether the delivery should be acknowledged (2xx); a retry status means redeliver. */
  isAcknowledged: boolean;
  status: DispatchStatus;
  detail: string;
}

export interface DispatcherStats {
  byStatus: Record<DispatchStatus, number>;
  /** Handling time of the last 1,000 notifications. */
  recentLatenciesMs: number[];
}

/** Remembers recently handled delivery ids, so a redelivered message is applied once. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
  }
}

/** Whether a failure can be fixed by delivering again later. */
export function isTransient(e: unknown): boolean {
  if (e instanceof PermanentFailure) return false;
  if (e instanceof KlaviyoApiError) return e.status === 0 || e.status === 429 || e.status >= 500 || e.status === 401 || e.status === 403;
  if (e instanceof CommercetoolsError) return e.status !== 404 && e.status !== 400;
  return true;
}

/**
 * Routes a notification to its processor and decides the acknowledgement: success or a permanent failure
 * (stored as a dead letter) → acknowledge; a transient failure (429, 5xx, network, commercetools down) →
 * redeliver. Nothing is dropped. Processors can be switched off by name.
 */
export class Dispatcher {
  private readonly recent = new RecentIds(20_000);
  readonly stats: DispatcherStats = { byStatus: { applied: 0, ignored: 0, duplicate: 0, 'dead-lettered': 0, retry: 0 }, recentLatenciesMs: [] };

  constructor(
    private readonly processors: Processor[],
    private readonly context: ProcessorContext,
    private readonly deadLetters: DeadLetterStore,
    private readonly disabled: ReadonlySet<string>,
    private readonly logger: Logger,
  ) {}

  private done(result: DispatchResult, n: Notification, deliveryId?: string): DispatchResult {
    this.stats.byStatus[result.status]++;
    if (result.isAcknowledged) {
      this.recent.add(n.id);
      if (deliveryId) this.recent.add(`delivery:${deliveryId}`);
    }
    this.logger.info({ notificationId: n.id, resourceType: n.resourceType, resourceId: n.resourceId, type: n.type, status: result.status }, `notification ${result.status}`);
    return result;
  }

  async dispatch(n: Notification, options: { deliveryId?: string; isReplay?: boolean } = {}): Promise<DispatchResult> {
    const started = performance.now();
    try {
      return await this.dispatchTimed(n, options);
    } finally {
      this.stats.recentLatenciesMs.push(performance.now() - started);
      if (this.stats.recentLatenciesMs.length > 1000) this.stats.recentLatenciesMs.shift();
    }
  }

  private async dispatchTimed(n: Notification, options: { deliveryId?: string; isReplay?: boolean }): Promise<DispatchResult> {
    if (!options.isReplay && (this.recent.has(n.id) || (options.deliveryId && this.recent.has(`delivery:${options.deliveryId}`)))) {
      return this.done({ isAcknowledged: true, status: 'duplicate', detail: 'already handled' }, n, options.deliveryId);
    }
    if (n.kind === 'test') return this.done({ isAcknowledged: true, status: 'ignored', detail: 'subscription test message acknowledged' }, n);
    if (n.kind === 'unknown' || n.kind === 'event') return this.done({ isAcknowledged: true, status: 'ignored', detail: `notification type ${n.type ?? n.kind} is not synced` }, n);
    const processor = this.processors.find((p) => p.handles(n));
    if (!processor) return this.done({ isAcknowledged: true, status: 'ignored', detail: `no processor for ${n.resourceType}` }, n);
    if (this.disabled.has(processor.name)) return this.done({ isAcknowledged: true, status: 'ignored', detail: `processor ${processor.name} is switched off` }, n);
    try {
      const r = await processor.process(n, this.context);
      return this.done(r.status === 'applied' ? { isAcknowledged: true, status: 'applied', detail: r.detail } : { isAcknowledged: true, status: 'ignored', detail: r.reason }, n, options.deliveryId);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      if (isTransient(e)) {
        this.stats.byStatus.retry++;
        this.logger.warn({ notificationId: n.id, resourceType: n.resourceType, resourceId: n.resourceId, err: reason }, 'notification failed; it will be redelivered');
        return { isAcknowledged: false, status: 'retry', detail: reason };
      }
      const code = e instanceof PermanentFailure ? e.code : e instanceof KlaviyoApiError ? (e.errors[0]?.code ?? String(e.status)) : e instanceof CommercetoolsError ? (e.ctCode ?? String(e.status)) : 'error';
      try {
        await this.deadLetters.put({ notificationId: n.id, resourceType: n.resourceType, resourceId: n.resourceId, type: n.type, reason, code, payload: n.raw });
      } catch (storeError) {
        // Without a dead letter the failure would be lost: ask for redelivery instead.
        this.stats.byStatus.retry++;
        return { isAcknowledged: false, status: 'retry', detail: `could not store the dead letter: ${storeError instanceof Error ? storeError.message : String(storeError)}` };
      }
      return this.done({ isAcknowledged: true, status: 'dead-lettered', detail: reason }, n, options.deliveryId);
    }
  }
}
