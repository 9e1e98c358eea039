import type { BatchEntry, RecordOutcome } from '../core/record-outcome.ts';
import { type CatalogResource, runCatalogJobsByKey } from './catalog-jobs.ts';
import type { KlaviyoHttp } from './http.ts';

/** Deletes catalog resources of one type by id, in bulk jobs of ≤ 100; a resource already gone counts as deleted. */
export async function deleteCatalogResources(
  http: KlaviyoHttp,
  resource: CatalogResource,
  batch: ReadonlyArray<BatchEntry<unknown>>,
  signal?: AbortSignal,
): Promise<RecordOutcome[]> {
  const failures = await runCatalogJobsByKey(
    http,
    resource,
    'delete',
    batch.map((b) => ({ key: b.id, entry: { type: `catalog-${resource}`, id: b.id } })),
    signal,
  );
  return batch.map((b): RecordOutcome => {
    const f = failures.get(b.id);
    return f
      ? { id: b.id, outcome: 'failed', reason: f.reason, code: f.code, pointer: f.pointer }
      : { id: b.id, outcome: 'succeeded' };
  });
}
