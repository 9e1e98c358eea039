import { CatalogStore } from './catalog.ts';
import { EventStore } from './events.ts';
import { JobStore, type JobTiming } from './jobs.ts';
import { ProfileStore } from './profiles.ts';

/** One Klaviyo account: each private API key is its own account, for data and for rate limits. */
export class Account {
  readonly profiles = new ProfileStore();
  readonly events = new EventStore();
  readonly catalog = new CatalogStore();
  readonly jobs: JobStore;

  constructor(
    readonly apiKey: string,
    timing: JobTiming,
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
    this.jobs.clear();
  }
}
