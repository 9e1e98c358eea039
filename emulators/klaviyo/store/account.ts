import { CatalogStore } from './catalog.ts';
import { DeletionRequests } from './deletion-requests.ts';
import { EventStore } from './events.ts';
import { JobStore, type JobTiming } from './jobs.ts';
import { ListStore, type OptInProcess } from './lists.ts';
import { MergeRequests } from './merge-requests.ts';
import { mergedAttributes, mergedConsent, takesIdentifier } from './profile-merge.ts';
import { type Profile, ProfileStore } from './profiles.ts';

export interface AccountSettings {
  /**
   * What an unsubscribe naming a list does to a member of that list (email): `global` (default, Klaviyo's
   * default: an unsubscribe suppresses the profile for every list) unsubscribes it everywhere; `list`
   * suppresses it from that list only, as an account with list-specific unsubscribes would.
   */
  listUnsubscribe: 'list' | 'global';
  /**
   * The account's default opt-in process: used for a list created without `opt_in_process` and for a
   * subscribe that names no list. Klaviyo's default is double opt-in ("lists are double opt-in by default").
   */
  defaultOptIn: 'double_opt_in' | 'single_opt_in';
}

export const DEFAULT_ACCOUNT_SETTINGS: AccountSettings = { listUnsubscribe: 'global', defaultOptIn: 'double_opt_in' };

/** A list an account has from the start (and again after a reset), as a merchant's account has its lists. */
export interface SeedList {
  id: string;
  name: string;
  optInProcess?: OptInProcess;
}

/** A subscription waiting for a confirmation (email or SMS) that the emulator never sends. */
export interface PendingOptIn {
  profileId: string;
  /** The list subscribed to; null when the subscribe named no list (the account default decided). */
  listId: string | null;
  channel: 'email' | 'sms' | 'smsTransactional';
  requestedAt: string;
}

/** One Klaviyo account: each private API key is its own account, for data and for rate limits. */
export class Account {
  readonly profiles = new ProfileStore();
  readonly events = new EventStore();
  readonly catalog = new CatalogStore();
  readonly lists = new ListStore();
  /** Double opt-in subscriptions (email and SMS), waiting for a confirmation the emulator never sends. */
  readonly pendingDoubleOptIns: PendingOptIn[] = [];
  /** `request_profile_deletion` requests (without their identifiers) and `merge_profiles` requests. */
  readonly deletionRequests = new DeletionRequests();
  readonly mergeRequests = new MergeRequests();
  readonly jobs: JobStore;

  constructor(
    readonly apiKey: string,
    timing: JobTiming,
    readonly settings: AccountSettings = DEFAULT_ACCOUNT_SETTINGS,
    private readonly seedLists: readonly SeedList[] = [],
  ) {
    this.jobs = new JobStore(timing);
    this.createSeedLists();
  }

  private createSeedLists(): void {
    const now = new Date().toISOString();
    for (const l of this.seedLists) this.lists.create(l.name, l.optInProcess ?? this.settings.defaultOptIn, now, l.id);
  }

  /**
   * Deletes a profile with everything hanging off it: its events, its list memberships, its consent and
   * suppressions (held on the profile) and any pending opt-in. Its identifiers are free again, so a later import
   * of the same email creates a new profile with a new id.
   */
  eraseProfile(profileId: string): boolean {
    if (!this.profiles.remove(profileId)) return false;
    this.events.removeFor(profileId);
    this.lists.removeEverywhere(profileId);
    this.dropPendingOptIns((p) => p.profileId === profileId);
    return true;
  }

  /**
   * Merges `source` into `destination` (see profile-merge.ts for what is kept): the source is deleted, its events,
   * list memberships and pending opt-ins become the destination's.
   */
  mergeProfiles(destination: Profile, source: Profile, now: string): { events: number; lists: number } {
    const took = {
      email: takesIdentifier(destination.attributes, source.attributes, 'email'),
      phoneNumber: takesIdentifier(destination.attributes, source.attributes, 'phone_number'),
    };
    // The source goes first, so its identifiers are free for the destination to take.
    this.profiles.remove(source.id);
    this.profiles.replaceAttributes(destination, mergedAttributes(destination.attributes, source.attributes));
    destination.consent = mergedConsent(destination.consent, source.consent, took);
    destination.updated = now;
    const events = this.events.reassign(source.id, destination.id);
    const lists = this.lists.moveMemberships(source.id, destination.id);
    for (const p of this.pendingDoubleOptIns) if (p.profileId === source.id) p.profileId = destination.id;
    return { events, lists };
  }

  private dropPendingOptIns(isDropped: (p: PendingOptIn) => boolean): void {
    let kept = 0;
    for (const p of this.pendingDoubleOptIns) if (!isDropped(p)) this.pendingDoubleOptIns[kept++] = p;
    this.pendingDoubleOptIns.length = kept;
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
      deletionRequests: this.deletionRequests.requests.length,
      mergeRequests: this.mergeRequests.requests.length,
    };
  }

  clear(): void {
    this.profiles.clear();
    this.events.clear();
    this.catalog.clear();
    this.lists.clear();
    this.pendingDoubleOptIns.length = 0;
    this.deletionRequests.clear();
    this.mergeRequests.clear();
    this.jobs.clear();
    this.createSeedLists();
  }
}
