import { KlaviyoApiError } from '../core/errors.ts';
import type { BatchEntry, RecordOutcome } from '../core/record-outcome.ts';
import type { KlaviyoHttp } from './http.ts';
import { OPERATIONS } from './operations.ts';
import type { KlaviyoRateLimiter } from './rate-limiter.ts';
import { rowIndex } from './row-errors.ts';
import type { EventAttributes, EventBulkEntry, EventProfile } from './types.ts';

/** Klaviyo's limits for `event-bulk-create-jobs` ("5 MB" and "100 KB" read in decimal units, the stricter reading). */
export const EVENT_BULK_LIMITS = {
  maxEvents: 1_000,
  maxRequestBytes: 5_000_000,
  maxStringBytes: 100_000,
} as const;

const ENTRIES_POINTER = '/data/attributes/events-bulk-create/data';

/** One profile and its events: one entry of a bulk request (all the events of one order). */
export interface ProfileEvents {
  profile: EventProfile;
  events: EventAttributes[];
}

function toEntry(e: ProfileEvents): EventBulkEntry {
  return {
    type: 'event-bulk-create',
    attributes: {
      profile: { data: e.profile },
      events: { data: e.events.map((attributes) => ({ type: 'event', attributes })) },
    },
  };
}

/** The first string longer than Klaviyo's 100 KB limit inside a value, as a property path. */
function oversizedString(value: unknown, path: string): string | undefined {
  if (typeof value === 'string')
    return Buffer.byteLength(value, 'utf8') > EVENT_BULK_LIMITS.maxStringBytes ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = oversizedString(value[i], `${path}[${i}]`);
      if (hit) return hit;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = oversizedString(v, path ? `${path}.${k}` : k);
      if (hit) return hit;
    }
  }
  return undefined;
}

/**
 * Klaviyo's ingestion limits ("Rate limits, status codes, and errors", Ingestion limits), stricter than the
 * spec's own rules (400 properties, time after 1990). Klaviyo may accept a bulk request and drop an event that
 * breaks them, so they are checked before sending.
 */
export const EVENT_INGESTION_LIMITS = {
  maxProperties: 300,
  maxArrayItems: 4000,
  maxDepth: 10,
  earliestTime: '2000-01-01T00:00:00Z',
} as const;
const EARLIEST_MS = Date.parse(EVENT_INGESTION_LIMITS.earliestTime);
const LATEST_AHEAD_MS = 365 * 24 * 3600 * 1000;

/** The first array too long or nesting too deep inside `value` (at `depth`), as a property path. */
function shapeProblem(value: unknown, path: string, depth: number): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  if (depth > EVENT_INGESTION_LIMITS.maxDepth)
    return `${path} is nested more than ${EVENT_INGESTION_LIMITS.maxDepth} levels deep`;
  if (Array.isArray(value)) {
    if (value.length > EVENT_INGESTION_LIMITS.maxArrayItems)
      return `${path} has ${value.length} items (at most ${EVENT_INGESTION_LIMITS.maxArrayItems})`;
    for (let i = 0; i < value.length; i++) {
      const hit = shapeProblem(value[i], `${path}[${i}]`, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const hit = shapeProblem(v, path ? `${path}.${k}` : k, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

/** Why one event breaks an ingestion limit, if it does. */
function ingestionProblem(e: EventAttributes, nowMs: number): string | undefined {
  const name = e.metric.data.attributes.name;
  const count = Object.keys(e.properties).length;
  if (count > EVENT_INGESTION_LIMITS.maxProperties)
    return `${name} has ${count} properties; Klaviyo ingests at most ${EVENT_INGESTION_LIMITS.maxProperties}`;
  const shape = shapeProblem(e.properties, '', 1);
  if (shape) return `${name}: the property ${shape}, beyond Klaviyo's ingestion limits`;
  const t = e.time === undefined ? nowMs : Date.parse(e.time);
  if (t < EARLIEST_MS || t > nowMs + LATEST_AHEAD_MS)
    return `${name} is dated ${e.time}; Klaviyo ingests events between 2000 and one year from now`;
  return undefined;
}

/** The serialized size of one profile's events in a bulk request, or why Klaviyo would refuse or drop them. */
export function measureProfileEvents(item: ProfileEvents, nowMs = Date.now()): { bytes: number; problem?: string } {
  if (item.events.length > EVENT_BULK_LIMITS.maxEvents)
    return {
      bytes: 0,
      problem: `the order has ${item.events.length} events; Klaviyo accepts at most ${EVENT_BULK_LIMITS.maxEvents} per request`,
    };
  for (const e of item.events) {
    const problem = ingestionProblem(e, nowMs);
    if (problem) return { bytes: 0, problem };
  }
  const bytes = Buffer.byteLength(JSON.stringify(toEntry(item)), 'utf8');
  // Only events that serialise to more than 100 KB can hold a string that long: look only then.
  const tooLong =
    bytes > EVENT_BULK_LIMITS.maxStringBytes
      ? oversizedString(
          item.events.map((e) => e.properties),
          '',
        )
      : undefined;
  if (tooLong)
    return {
      bytes,
      problem: `an event property is longer than Klaviyo's 100 KB string limit (${tooLong.replace(/^\[\d+\]\.?/, '')})`,
    };
  return { bytes };
}

/**
 * Sends a batch of profiles' events in one `event-bulk-create-jobs` request (Klaviyo answers 202 with no job
 * to follow: accepted whole or refused whole). A refused request is narrowed down: the entry its error points
 * at fails alone with Klaviyo's reason and the rest is sent again; without a usable pointer the batch is halved
 * until the bad entry stands alone.
 */
export async function sendEventBatch(
  http: KlaviyoHttp,
  batch: Array<BatchEntry<ProfileEvents>>,
  signal?: AbortSignal,
): Promise<RecordOutcome[]> {
  if (batch.length === 0) return [];
  try {
    await http.request(OPERATIONS.bulkCreateEvents, {
      method: 'POST',
      path: '/api/event-bulk-create-jobs',
      body: {
        data: {
          type: 'event-bulk-create-job',
          attributes: { 'events-bulk-create': { data: batch.map((b) => toEntry(b.item)) } },
        },
      },
      signal,
    });
    return batch.map((b) => ({ id: b.id, outcome: 'succeeded' as const }));
  } catch (e) {
    if (!(e instanceof KlaviyoApiError) || (e.status !== 400 && e.status !== 413)) throw e;
    const first = e.errors[0];
    const bad = rowIndex(first?.source?.pointer, ENTRIES_POINTER, batch.length);
    if (bad !== undefined) {
      const failed: RecordOutcome = {
        id: batch[bad].id,
        outcome: 'failed',
        reason: `Klaviyo rejected the order's events: ${first.detail}`,
        code: first.code,
        pointer: first.source?.pointer,
      };
      return [
        failed,
        ...(await sendEventBatch(
          http,
          batch.filter((_b, i) => i !== bad),
          signal,
        )),
      ];
    }
    if (batch.length === 1) {
      return [
        {
          id: batch[0].id,
          outcome: 'failed',
          reason: `Klaviyo rejected the order's events: ${first?.detail ?? e.message}`,
          code: first?.code ?? String(e.status),
          pointer: first?.source?.pointer,
        },
      ];
    }
    const half = Math.ceil(batch.length / 2);
    return [
      ...(await sendEventBatch(http, batch.slice(0, half), signal)),
      ...(await sendEventBatch(http, batch.slice(half), signal)),
    ];
  }
}

/** How long a bulk events request would wait now for the rate limit (0: it could go at once). */
export function bulkEventsWaitMs(limiter: KlaviyoRateLimiter): number {
  return limiter.waitMsFor(OPERATIONS.bulkCreateEvents);
}

/** Creates one profile's events one `create_event` call each (real time: low volume; Klaviyo dedups by unique_id). */
export async function createEvents(http: KlaviyoHttp, item: ProfileEvents): Promise<void> {
  for (const attributes of item.events) {
    await http.request(OPERATIONS.createEvent, {
      method: 'POST',
      path: '/api/events',
      body: { data: { type: 'event', attributes: { ...attributes, profile: { data: item.profile } } } },
    });
  }
}
