import { createHash } from 'node:crypto';
import type { ByProjectKeyRequestBuilder } from '@commercetools/platform-sdk';
import { ctCall, describeCtError } from './client.ts';

export const DEAD_LETTER_CONTAINER = 'ct-klaviyo-dead-letters';

export interface DeadLetter {
  notificationId: string;
  resourceType?: string;
  resourceId?: string;
  type?: string;
  reason: string;
  code: string;
  firstFailedAt: string;
  lastFailedAt: string;
  attempts: number;
  /** The commercetools payload, to replay. */
  payload: unknown;
}

/** A custom-object key for any notification id ([-_~.a-zA-Z0-9]+, ≤ 256). */
export function deadLetterKey(notificationId: string): string {
  return createHash('sha256').update(notificationId).digest('hex').slice(0, 40);
}

/** Permanent failures of real-time notifications, kept in commercetools custom objects until replayed. */
export class DeadLetterStore {
  constructor(private readonly api: ByProjectKeyRequestBuilder) {}

  async put(letter: Omit<DeadLetter, 'firstFailedAt' | 'lastFailedAt' | 'attempts'>, now = new Date()): Promise<void> {
    const key = deadLetterKey(letter.notificationId);
    let previous: DeadLetter | undefined;
    try {
      previous = (await this.api.customObjects().withContainerAndKey({ container: DEAD_LETTER_CONTAINER, key }).get().execute()).body.value as DeadLetter;
    } catch (e) {
      if (describeCtError(e).status !== 404) throw e;
    }
    const value: DeadLetter = { ...letter, firstFailedAt: previous?.firstFailedAt ?? now.toISOString(), lastFailedAt: now.toISOString(), attempts: (previous?.attempts ?? 0) + 1 };
    await ctCall('dead letter write', () => this.api.customObjects().post({ body: { container: DEAD_LETTER_CONTAINER, key, value } }).execute());
  }

  async list(limit = 500): Promise<Array<DeadLetter & { key: string; version: number }>> {
    const body = await ctCall('dead letter list', () => this.api.customObjects().withContainer({ container: DEAD_LETTER_CONTAINER }).get({ queryArgs: { limit, sort: ['createdAt asc'] } }).execute());
    return body.results.map((o) => ({ ...(o.value as DeadLetter), key: o.key, version: o.version }));
  }

  async remove(key: string, version: number): Promise<void> {
    await ctCall('dead letter delete', () => this.api.customObjects().withContainerAndKey({ container: DEAD_LETTER_CONTAINER, key }).delete({ queryArgs: { version } }).execute());
  }
}
