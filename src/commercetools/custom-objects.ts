import type { ByProjectKeyRequestBuilder } from '@commercetools/platform-sdk';
import { isDeepStrictEqual } from 'node:util';
import { ctCall } from './client.ts';
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

  /** Reads one object; transient failures are retried within `budgetMs` (default: ctCall's). */
  async get<T>(key: string, signal?: AbortSignal, budgetMs?: number): Promise<StoredObject<T> | undefined> {
    try {
      const body = await ctCall(`get custom object ${key}`, () => this.api.customObjects().withContainerAndKey({ container: this.container, key }).get().execute(), { signal, budgetMs });
      return { version: body.version, value: body.value as T };
    } catch (e) {
      if (e instanceof CommercetoolsError && e.status === 404) return undefined;
      throw e;
    }
  }

  /**
   * Writes `value`; with `version` (0 = create only) it fails with VersionConflictError when someone else wrote
   * first. Transient failures are retried within `budgetMs`. A retried conditional write can conflict with
   * itself (the first attempt took effect but its answer was lost), so a conflict whose stored value is
   * exactly ours counts as success.
   */
  async put<T>(key: string, value: T, version?: number, signal?: AbortSignal, budgetMs?: number): Promise<number> {
    const body = { container: this.container, key, value, ...(version === undefined ? {} : { version }) };
    try {
      return (await ctCall(`write of custom object ${key}`, () => this.api.customObjects().post({ body }).execute(), { signal, budgetMs })).version;
    } catch (e) {
      if (!(e instanceof CommercetoolsError) || e.status !== 409 || version === undefined) throw e;
      const current = await this.get<unknown>(key, signal);
      if (current && isDeepStrictEqual(current.value, JSON.parse(JSON.stringify(value)))) return current.version;
      throw new VersionConflictError(current?.version);
    }
  }
}
