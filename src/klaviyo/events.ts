import type { KlaviyoHttp } from './http.ts';
import { OPERATIONS } from './operations.ts';
import type { EventBulkEntry } from './types.ts';

export const MAX_EVENTS_PER_BULK_REQUEST = 1_000;
export const MAX_BULK_REQUEST_BYTES = 5 * 1024 * 1024;
export const MAX_EVENT_STRING_BYTES = 100 * 1024;

/**
 * Sends events grouped per profile through `event-bulk-create-jobs`. Klaviyo answers 202 with no job to
 * follow: the request either is accepted whole or rejected whole (KlaviyoApiError 400).
 */
export async function submitEventBulk(http: KlaviyoHttp, entries: EventBulkEntry[], signal?: AbortSignal): Promise<void> {
  await http.request(OPERATIONS.bulkCreateEvents, {
    method: 'POST',
    path: '/api/event-bulk-create-jobs',
    body: { data: { type: 'event-bulk-create-job', attributes: { 'events-bulk-create': { data: entries } } } },
    signal,
  });
}
