import type { CommercetoolsApi } from '../commercetools/client.ts';
import { CustomObjectStore, type ListedObject, type StoredObject } from '../commercetools/custom-objects.ts';

export const PROFILE_JOB_CONTAINER = 'ct-klaviyo-profile-jobs';

/** A notification whose profile a job carries: what a dead letter needs to replay it (its routing fields only). */
export interface JobNotification {
  id: string;
  type?: string;
  /** The notification's routing fields (no customer data): replaying it reads the customer again. */
  payload: unknown;
}

/** A profile in a job: the customer (its external id) and the notifications it answers. */
export interface JobProfile {
  customerId: string;
  notifications: JobNotification[];
  /** Its consent is synced once the job has completed (the profile exists then). */
  hasConsent: boolean;
}

/**
 * A real-time bulk profile import job Klaviyo accepted, kept until its outcome is known: per-profile failures
 * become dead letters, consent follows. Written before the notifications are acknowledged, so a restart loses
 * nothing; no email, phone or name is kept (the customer id is the profile's external id).
 */
export interface ProfileJobRecord {
  jobId: string;
  submittedAt: string;
  /** The instance finishing it, and until when; after that any instance may take it over. */
  owner: string;
  leaseUntil: string;
  profiles: JobProfile[];
}

/** Real-time profile import jobs in flight, in commercetools custom objects (key: the Klaviyo job id). */
export class ProfileJobStore {
  private readonly objects: CustomObjectStore;

  /** `store`: a routed store's jobs (its own Klaviyo account) are kept apart from the default route's. */
  constructor(api: CommercetoolsApi, store?: string) {
    this.objects = new CustomObjectStore(api, store ? `${PROFILE_JOB_CONTAINER}.${store}` : PROFILE_JOB_CONTAINER);
  }

  /** Records a new job (create only); returns the version written. */
  create(record: ProfileJobRecord, budgetMs?: number): Promise<number> {
    return this.objects.put(keyOf(record.jobId), record, 0, undefined, budgetMs);
  }

  get(jobId: string): Promise<StoredObject<ProfileJobRecord> | undefined> {
    return this.objects.get<ProfileJobRecord>(keyOf(jobId));
  }

  /** Takes a record over at the version read (VersionConflictError when someone else did first). */
  claim(record: ProfileJobRecord, version: number): Promise<number> {
    return this.objects.put(keyOf(record.jobId), record, version);
  }

  /** Up to `limit` records after `afterKey`, in key order. */
  list(limit: number, afterKey?: string): Promise<Array<ListedObject<ProfileJobRecord>>> {
    return this.objects.list<ProfileJobRecord>(limit, afterKey);
  }

  remove(jobId: string, version: number): Promise<void> {
    return this.objects.remove(keyOf(jobId), version);
  }
}

/** Klaviyo job ids are custom-object keys already ([a-zA-Z0-9]); anything else is made one. */
function keyOf(jobId: string): string {
  return jobId.replace(/[^-_~.a-zA-Z0-9]/g, '_').slice(0, 256);
}
