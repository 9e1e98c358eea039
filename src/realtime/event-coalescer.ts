import { PermanentRecordError } from '../core/errors.ts';
import { EVENT_BULK_LIMITS, measureProfileEvents, type ProfileEvents, sendEventBatch } from '../klaviyo/events.ts';
import type { KlaviyoHttp } from '../klaviyo/http.ts';
import { holdMs, remember } from './batch-hold.ts';

export interface CoalescerOptions {
  /** Longest a notification's events wait for others before their request goes (default 1,000 ms). */
  maxHoldMs: number;
  /** A batch goes this long after the last arrival when nothing else comes (default 25 ms): a lone
   *  notification is not held for the whole window. */
  idleMs: number;
  /** Requests in flight at once (default 2); more arrivals meanwhile make the next batches fuller. */
  maxInFlight: number;
  maxEvents: number;
  maxBytes: number;
  /**
   * How long a request would wait now for the rate limit. While it would wait, a batch that is not full stays
   * open and keeps filling (its notifications would wait for the window anyway): fuller requests, not more.
   */
  slotWaitMs?: () => number;
}

export const DEFAULT_COALESCER_OPTIONS: CoalescerOptions = {
  maxHoldMs: 1_000,
  idleMs: 25,
  maxInFlight: 2,
  maxEvents: EVENT_BULK_LIMITS.maxEvents,
  maxBytes: EVENT_BULK_LIMITS.maxRequestBytes - 64_000,
};

interface Waiting {
  item: ProfileEvents;
  bytes: number;
  arrivedMs: number;
  resolve: () => void;
  reject: (e: unknown) => void;
  /** Settles with resolve / reject. */
  done: Promise<void>;
}

export interface CoalescerStats {
  requests: number;
  events: number;
  notifications: number;
  /** Events per request and milliseconds the first notification of a request was held, of the last 1,000. */
  recentBatchEvents: number[];
  recentHeldMs: number[];
}

/** Where real-time processors write events: the coalescer, or one `create_event` call each (REALTIME_EVENT_HOLD_MS=0). */
export interface EventWriter {
  send(item: ProfileEvents): Promise<void>;
}

/**
 * Writes the events of real-time notifications arriving close together in one `event-bulk-create-jobs` request
 * (up to 1,000 events / 5 MB, held at most `maxHoldMs`, sent `idleMs` after the last arrival when traffic is
 * low), without the backfill flag. Each `send` settles when the request carrying its events has: resolved once
 * Klaviyo accepted them; rejected with a permanent error when Klaviyo refused its own events (the request is
 * narrowed down to them, as in the bulk import, and the rest goes); rejected with the request's error (429 or 5xx
 * after the client's retries) when the whole request failed, so its notification is redelivered. While requests
 * are in flight (or waiting for the rate limit), new arrivals collect into fuller batches rather than more
 * requests.
 */
export class EventCoalescer implements EventWriter {
  readonly stats: CoalescerStats = {
    requests: 0,
    events: 0,
    notifications: 0,
    recentBatchEvents: [],
    recentHeldMs: [],
  };
  private open: Waiting[] = [];
  /** The entry of the open batch carrying each event (metric and unique id). */
  private openKeys = new Map<string, Waiting>();
  private openEvents = 0;
  private openBytes = 0;
  private readonly ready: Waiting[][] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly http: KlaviyoHttp,
    private readonly options: CoalescerOptions = DEFAULT_COALESCER_OPTIONS,
  ) {}

  /** Events waiting for a request (held, or in batches waiting for a slot). */
  get waiting(): number {
    return this.openEvents + this.ready.reduce((n, b) => n + b.reduce((m, w) => m + w.item.events.length, 0), 0);
  }

  send(whole: ProfileEvents): Promise<void> {
    // An event already in the open batch (the same order seen by two notifications close together) is left to
    // the entry carrying it, and this notification waits for that entry: Klaviyo refuses a request that repeats
    // a unique id for a metric.
    const owners = new Set<Waiting>();
    const events = whole.events.filter((e) => {
      const owner = this.openKeys.get(eventKey(e));
      if (owner) owners.add(owner);
      return !owner;
    });
    const own = events.length > 0 ? this.enqueue({ ...whole, events }) : Promise.resolve();
    if (owners.size === 0) return own;
    return Promise.all([own, ...[...owners].map((o) => o.done)]).then(() => undefined);
  }

  private enqueue(item: ProfileEvents): Promise<void> {
    const size = measureProfileEvents(item);
    // Klaviyo would refuse these, or accept the request and drop them: never sent.
    if (size.problem) return Promise.reject(new PermanentRecordError('EVENTS_REFUSED', size.problem));
    if (
      this.open.length > 0 &&
      (this.openEvents + item.events.length > this.options.maxEvents ||
        this.openBytes + size.bytes > this.options.maxBytes)
    )
      this.close();
    let resolve = () => {};
    let reject: (e: unknown) => void = () => {};
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be listening on an entry's promise but its own sender: never an unhandled rejection.
    done.catch(() => undefined);
    const w: Waiting = { item, bytes: size.bytes, arrivedMs: Date.now(), resolve, reject, done };
    this.open.push(w);
    for (const e of item.events) this.openKeys.set(eventKey(e), w);
    this.openEvents += item.events.length;
    this.openBytes += size.bytes;
    if (this.openEvents >= this.options.maxEvents) this.close();
    else this.schedule();
    return done;
  }

  /**
   * On the timer: the open batch goes, unless requests could not go now anyway (the rate limit), or others are
   * still being written and it is younger than `maxHoldMs` — then it keeps filling, and a request finishing looks
   * again. So a lone notification goes after `idleMs`, and under load every request is as full as it can be.
   */
  private due(): void {
    if (this.open.length === 0) return;
    const waitMs = this.options.slotWaitMs?.() ?? 0;
    const ageMs = Date.now() - this.open[0].arrivedMs;
    const hold = holdMs({
      waitMs,
      ageMs,
      isBusy: this.inFlight > 0 || this.ready.length > 0,
      maxHoldMs: this.options.maxHoldMs,
    });
    if (hold > 0) {
      this.timer = setTimeout(() => this.due(), hold);
      this.timer.unref();
      return;
    }
    this.close();
  }

  /** The open batch goes `idleMs` after the last arrival, and at the latest `maxHoldMs` after the first. */
  private schedule(): void {
    clearTimeout(this.timer);
    const first = this.open[0];
    if (!first) return;
    const untilDeadline = first.arrivedMs + this.options.maxHoldMs - Date.now();
    this.timer = setTimeout(() => this.due(), Math.max(0, Math.min(this.options.idleMs, untilDeadline)));
    this.timer.unref();
  }

  private close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.length === 0) return;
    this.ready.push(this.open);
    this.open = [];
    this.openKeys = new Map();
    this.openEvents = 0;
    this.openBytes = 0;
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.ready.length > 0) {
      // Batches that waited for a slot together go as one request when they fit: under load, fuller requests
      // rather than more of them.
      const batch = this.ready.shift() as Waiting[];
      let events = batch.reduce((n, w) => n + w.item.events.length, 0);
      let bytes = batch.reduce((n, w) => n + w.bytes, 0);
      const keys = new Set(batch.flatMap((w) => w.item.events.map(eventKey)));
      while (this.ready.length > 0) {
        const next = this.ready[0];
        const e = next.reduce((n, w) => n + w.item.events.length, 0);
        const b = next.reduce((n, w) => n + w.bytes, 0);
        if (events + e > this.options.maxEvents || bytes + b > this.options.maxBytes) break;
        // Never two copies of an event in one request (Klaviyo refuses a repeated unique id for a metric).
        const nextKeys = next.flatMap((w) => w.item.events.map(eventKey));
        if (nextKeys.some((k) => keys.has(k))) break;
        for (const k of nextKeys) keys.add(k);
        batch.push(...(this.ready.shift() as Waiting[]));
        events += e;
        bytes += b;
      }
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
        // The open batch may have been kept filling while this request went: look again after the idle wait.
        if (this.open.length > 0 && this.ready.length === 0) this.schedule();
      });
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    const events = batch.reduce((n, w) => n + w.item.events.length, 0);
    this.stats.requests++;
    this.stats.events += events;
    this.stats.notifications += batch.length;
    remember(this.stats.recentBatchEvents, events);
    remember(this.stats.recentHeldMs, Date.now() - batch[0].arrivedMs);
    try {
      const outcomes = await sendEventBatch(
        this.http,
        batch.map((w, i) => ({ id: String(i), item: w.item })),
      );
      const byId = new Map(outcomes.map((o) => [o.id, o]));
      batch.forEach((w, i) => {
        const o = byId.get(String(i));
        if (o?.outcome === 'failed') w.reject(new PermanentRecordError(o.code ?? 'EVENTS_REFUSED', o.reason));
        else w.resolve();
      });
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
  }
}

function eventKey(e: ProfileEvents['events'][number]): string {
  return `${e.metric.data.attributes.name}\u0000${e.unique_id ?? JSON.stringify(e)}`;
}
