import { CatalogStore } from './catalog.ts';
import { EventStore } from './events.ts';
import { JobStore, type JobTiming } from './jobs.ts';
import { ListStore } from './lists.ts';
import { ProfileStore } from './profiles.ts';

export interface AccountSettings {
  /**
   * What an unsubscribe naming a list does to a member of that list (email): `list` (default) suppresses the
   * profile from that list only; `global` unsubscribes it everywhere, as an account whose global-unsubscribe
   * setting is on would.
   */
  listUnsubscribe: 'list' | 'global';
}

export const DEFAULT_ACCOUNT_SETTINGS: AccountSettings = { listUnsubscribe: 'list' };

/** One Klaviyo account: each private API key is its own account, for data and for rate limits. */
export class Account {
  readonly profiles = new ProfileStore();
  readonly events = new EventStore();
  readonly catalog = new CatalogStore();
  readonly lists = new ListStore();
  /** Email subscriptions to a double opt-in list, waiting for a confirmation the emulator never sends. */
  readonly pendingDoubleOptIns: Array<{ profileId: string; listId: string; requestedAt: string }> = [];
  readonly jobs: JobStore;

  constructor(
    readonly apiKey: string,
    timing: JobTiming,
    readonly settings: AccountSettings = DEFAULT_ACCOUNT_SETTINGS,
  ) {
    this.jobs = new JobStore(timing);
  }

  summary(): Record<string, unknown> {
    const jobs: Record<string, Record<string, number>> = {};
    for (const j of this.jobs.jobs.values()) {
      jobs[j.type] ??= {};
      jobs[j.type][j.status] = (jobs[j.type][j.status] ?? 0) + 1;
    }
    return {
      profiles: this.profiles.size,
      lists: this.lists.size,
      events: {
        total: this.events.events.length,
        byMetric: Object.fromEntries(this.events.countByMetric),
        droppedAtIngestion: this.events.dropped.length,
      },
      catalog: {
        items: this.catalog.items.size,
        variants: this.catalog.variants.size,
        categories: this.catalog.categories.size,
      },
      jobs,
    };
  }

  clear(): void {
    this.profiles.clear();
    this.events.clear();
    this.catalog.clear();
    this.lists.clear();
    this.pendingDoubleOptIns.length = 0;
    this.jobs.clear();
  }
}
