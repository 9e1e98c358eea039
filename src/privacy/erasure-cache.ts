import { type ErasureStore, isErased } from '../commercetools/erasure-store.ts';

/**
 * The erased keys for real time, read from commercetools at most every `ttlMs` (erasures made by this process are
 * seen at once: `forget` drops the copy). A failed read is thrown, so the notification is redelivered rather than
 * a possibly erased person written.
 */
export class ErasureCache {
  private keys: { at: number; value: Promise<Set<string>> } | undefined;

  constructor(
    private readonly store: Pick<ErasureStore, 'keys'>,
    private readonly ttlMs = 30_000,
  ) {}

  async isErased(person: { customerId?: string; email?: string }): Promise<boolean> {
    if (!this.keys || Date.now() - this.keys.at > this.ttlMs) {
      const value = this.store.keys();
      this.keys = { at: Date.now(), value };
      value.catch(() => {
        this.keys = undefined;
      });
    }
    return isErased(await this.keys.value, person);
  }

  forget(): void {
    this.keys = undefined;
  }
}
