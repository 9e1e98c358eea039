import { createHash } from 'node:crypto';
import type { CommercetoolsApi } from './client.ts';
import { CustomObjectStore } from './custom-objects.ts';

export const ERASURE_CONTAINER = 'ct-klaviyo-erasures';

/** What identifies an erased person: a customer id, or an email address (lower-cased). */
export type ErasedIdentity = { customerId: string } | { email: string };

/** An erasure as it is kept: when, and how many Klaviyo profiles it deleted; never the identifier itself. */
export interface ErasureRecord {
  erasedAt: string;
  profilesDeleted: number;
  /** What the erasure was asked by: the API (`request`) or a deleted customer (`customer-deleted`). */
  source: 'request' | 'customer-deleted';
}

/** The key an identity is kept under: a SHA-256 digest, so the store holds no email or customer id. */
export function erasureKey(identity: ErasedIdentity): string {
  const value =
    'email' in identity ? `email:${identity.email.trim().toLowerCase()}` : `customer:${identity.customerId}`;
  return createHash('sha256').update(`ct-klaviyo-erasure\u0000${value}`).digest('hex');
}

/**
 * People erased on request (GDPR art. 17), in commercetools custom objects keyed by a digest of their email or
 * customer id, so that a later import or real-time change does not bring them back into Klaviyo.
 */
export class ErasureStore {
  private readonly objects: CustomObjectStore;

  constructor(api: CommercetoolsApi) {
    this.objects = new CustomObjectStore(api, ERASURE_CONTAINER);
  }

  async record(identities: ErasedIdentity[], record: ErasureRecord): Promise<void> {
    for (const identity of identities) await this.objects.put(erasureKey(identity), record);
  }

  /** Every erased key (read page by page; erasures are few next to customers). */
  async keys(signal?: AbortSignal): Promise<Set<string>> {
    const keys = new Set<string>();
    const PAGE = 500;
    for (let after: string | undefined; ; ) {
      const page = await this.objects.list<ErasureRecord>(PAGE, after);
      for (const o of page) keys.add(o.key);
      if (page.length < PAGE || signal?.aborted) return keys;
      after = page[page.length - 1].key;
    }
  }
}

/** Whether a record's person was erased, given the erased keys. */
export function isErased(keys: ReadonlySet<string>, person: { customerId?: string; email?: string }): boolean {
  if (keys.size === 0) return false;
  return (
    (person.customerId !== undefined && keys.has(erasureKey({ customerId: person.customerId }))) ||
    (person.email !== undefined && person.email.trim() !== '' && keys.has(erasureKey({ email: person.email })))
  );
}

/**
 * The erased keys for a bulk run, read again when older than `maxAgeMs` (an erasure made while a run goes is
 * honoured within that time, without a read for every page).
 */
export function erasedKeysReader(
  store: Pick<ErasureStore, 'keys'> | undefined,
  maxAgeMs = 5_000,
): (signal?: AbortSignal) => Promise<ReadonlySet<string>> {
  let cached: { at: number; keys: ReadonlySet<string> } | undefined;
  return async (signal) => {
    if (!store) return new Set();
    if (!cached || Date.now() - cached.at > maxAgeMs) cached = { at: Date.now(), keys: await store.keys(signal) };
    return cached.keys;
  };
}
