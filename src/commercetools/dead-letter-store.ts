import { createHash } from 'node:crypto';
import type { CommercetoolsApi } from './client.ts';
import { CustomObjectStore } from './custom-objects.ts';

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
  private readonly objects: CustomObjectStore;

  constructor(api: CommercetoolsApi) {
    this.objects = new CustomObjectStore(api, DEAD_LETTER_CONTAINER);
  }

  /** Stores a failure; a notification that failed before keeps its first time and counts one more attempt. */
  async put(letter: Omit<DeadLetter, 'firstFailedAt' | 'lastFailedAt' | 'attempts'>, now = new Date()): Promise<void> {
    const key = deadLetterKey(letter.notificationId);
    const previous = (await this.objects.get<DeadLetter>(key))?.value;
    const value: DeadLetter = {
      ...letter,
      firstFailedAt: previous?.firstFailedAt ?? now.toISOString(),
      lastFailedAt: now.toISOString(),
      attempts: (previous?.attempts ?? 0) + 1,
    };
    await this.objects.put(key, value);
  }

  /** One letter by its key, if there is one. */
  async get(key: string): Promise<(DeadLetter & { key: string; version: number }) | undefined> {
    const o = await this.objects.get<DeadLetter>(key);
    return o && { ...o.value, key, version: o.version };
  }

  /** Up to `limit` letters in key order, after `afterKey` when given. */
  async list(limit = 500, afterKey?: string): Promise<Array<DeadLetter & { key: string; version: number }>> {
    return (await this.objects.list<DeadLetter>(limit, afterKey)).map((o) => ({
      ...o.value,
      key: o.key,
      version: o.version,
    }));
  }

  async remove(key: string, version: number): Promise<void> {
    await this.objects.remove(key, version);
  }
}
