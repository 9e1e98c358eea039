import type { ByProjectKeyRequestBuilder } from '@commercetools/platform-sdk';
import { ctCall, describeCtError } from './client.ts';
import { CommercetoolsError } from '../core/errors.ts';

/** The container holding this service's locks, checkpoints and reports. */
export const SYNC_CONTAINER = 'ct-klaviyo-sync';

export interface StoredObject<T> {
  version: number;
  value: T;
}

/** A write lost an optimistic-concurrency race (409 ConcurrentModification). */
export class VersionConflictError extends Error {
  constructor(readonly currentVersion: number | undefined) {
    super('ConcurrentModification');
  }
}

/** Custom objects with the real API's version rules: version 0 creates only, version N updates only N. */
export class CustomObjectStore {
  constructor(private readonly api: ByProjectKeyRequestBuilder, private readonly container = SYNC_CONTAINER) {}

  async get<T>(key: string, signal?: AbortSignal): Promise<StoredObject<T> | undefined> {
    try {
      const body = await ctCall(`get custom object ${key}`, () => this.api.customObjects().withContainerAndKey({ container: this.container, key }).get().execute(), { signal });
      return { version: body.version, value: body.value as T };
    } catch (e) {
      if (e instanceof CommercetoolsError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Writes `value`; with `version` (0 = create only) it fails with VersionConflictError when someone else wrote first. */
  async put<T>(key: string, value: T, version?: number, signal?: AbortSignal): Promise<number> {
    try {
      const body = await this.api.customObjects().post({ body: { container: this.container, key, value, ...(version === undefined ? {} : { version }) } }).execute();
      return body.body.version;
    } catch (e) {
      const d = describeCtError(e);
      if (d.status === 409) throw new VersionConflictError(d.currentVersion);
      if (version !== undefined) throw new CommercetoolsError(d.status, `commercetools write of custom object ${key} failed (${d.status}): ${d.message}`, d.code);
      // An unconditional write is idempotent: retry transient failures.
      return ctCall(`write custom object ${key}`, () => this.api.customObjects().post({ body: { container: this.container, key, value } }).execute(), { signal }).then((b) => b.version);
    }
  }
}
