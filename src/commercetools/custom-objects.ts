import { isDeepStrictEqual } from 'node:util';
import { AppError, CommercetoolsError, InvalidRequestError } from '../core/errors.ts';
import { type CommercetoolsApi, ctCall, ctFind } from './client.ts';

/** What commercetools allows as a custom-object key (and container): [-_~.a-zA-Z0-9], 1 to 256 characters. */
export const CUSTOM_OBJECT_KEY_PATTERN = '^[-_~.a-zA-Z0-9]{1,256}$';
const CUSTOM_OBJECT_KEY = new RegExp(CUSTOM_OBJECT_KEY_PATTERN);

/** The container holding this service's locks, checkpoints and reports. */
export const SYNC_CONTAINER = 'ct-klaviyo-sync';

export interface StoredObject<T> {
  version: number;
  value: T;
}

/** A write lost an optimistic-concurrency race (409 ConcurrentModification): read again and decide. */
export class VersionConflictError extends AppError {
  constructor(
    readonly currentVersion: number | undefined,
    cause?: unknown,
  ) {
    super(
      'CT_CONCURRENT_MODIFICATION',
      `Someone else wrote the object first (it is now at version ${currentVersion ?? 'unknown'}).`,
      { disposition: 'retryable', cause },
    );
  }
}

/** Reads, and writes conditioned on a version (0 = create only, N = update only N): what a lease needs. */
export interface VersionedStore {
  get<T>(key: string, signal?: AbortSignal, budgetMs?: number): Promise<StoredObject<T> | undefined>;
  put<T>(key: string, value: T, version?: number, signal?: AbortSignal, budgetMs?: number): Promise<number>;
}

/** A stored object with its key, as a container listing returns it. */
export interface ListedObject<T> extends StoredObject<T> {
  key: string;
}

/** Custom objects with the real API's version rules: version 0 creates only, version N updates only N. */
export class CustomObjectStore implements VersionedStore {
  constructor(
    private readonly api: CommercetoolsApi,
    private readonly container = SYNC_CONTAINER,
  ) {}

  /** Reads one object; transient failures are retried within `budgetMs` (default: ctCall's). */
  async get<T>(key: string, signal?: AbortSignal, budgetMs?: number): Promise<StoredObject<T> | undefined> {
    const body = await ctFind(
      `get custom object ${key}`,
      () => this.api.customObjects().withContainerAndKey({ container: this.container, key }).get().execute(),
      { signal, budgetMs },
    );
    return body && { version: body.version, value: body.value as T };
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
      return (
        await ctCall(`write of custom object ${key}`, () => this.api.customObjects().post({ body }).execute(), {
          signal,
          budgetMs,
        })
      ).version;
    } catch (e) {
      if (!(e instanceof CommercetoolsError) || e.status !== 409 || version === undefined) throw e;
      const current = await this.get<unknown>(key, signal);
      if (current && isDeepStrictEqual(current.value, JSON.parse(JSON.stringify(value)))) return current.version;
      throw new VersionConflictError(current?.version, e);
    }
  }

  /**
   * Up to `limit` objects of the container in key order, after the key `afterKey` when given (keyset paging). Keys
   * are custom-object keys ([-_~.a-zA-Z0-9]); anything else is refused before it reaches a predicate.
   */
  async list<T>(limit: number, afterKey?: string): Promise<Array<ListedObject<T>>> {
    if (afterKey !== undefined && !CUSTOM_OBJECT_KEY.test(afterKey))
      throw new InvalidRequestError(`'${afterKey.slice(0, 40)}' is not a custom-object key.`);
    const body = await ctCall(`list of ${this.container}`, () =>
      this.api
        .customObjects()
        .withContainer({ container: this.container })
        .get({
          queryArgs: {
            limit,
            sort: ['key asc'],
            ...(afterKey === undefined ? {} : { where: [`key > ${JSON.stringify(afterKey)}`] }),
          },
        })
        .execute(),
    );
    return body.results.map((o) => ({ key: o.key, version: o.version, value: o.value as T }));
  }

  /** Deletes one object at the version read. */
  async remove(key: string, version: number): Promise<void> {
    await ctCall(`delete of custom object ${key}`, () =>
      this.api
        .customObjects()
        .withContainerAndKey({ container: this.container, key })
        .delete({ queryArgs: { version } })
        .execute(),
    );
  }
}
