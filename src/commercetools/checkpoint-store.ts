import type { EntityKind } from '../core/entity-kind.ts';
import type { CustomObjectStore } from './custom-objects.ts';

export function checkpointKey(kind: EntityKind): string {
  return `checkpoint-${kind}`;
}

/** Reads and writes one JSON checkpoint per entity kind; the shape belongs to the caller (sync/). */
export class CheckpointStore<T> {
  constructor(private readonly store: CustomObjectStore) {}

  async load(kind: EntityKind, signal?: AbortSignal, budgetMs?: number): Promise<T | undefined> {
    return (await this.store.get<T>(checkpointKey(kind), signal, budgetMs))?.value;
  }

  async save(kind: EntityKind, value: T, signal?: AbortSignal): Promise<void> {
    await this.store.put(checkpointKey(kind), value, undefined, signal);
  }
}
