import { request, waitFor } from './http.ts';

/** A profile as `/__emulator/profiles` shows it: its attributes flattened, its lists and consent. */
export interface InspectedProfile {
  id: string;
  email?: string;
  phone_number?: string;
  external_id?: string;
  lists: string[];
  subscriptions: {
    email: { marketing: { consent: string; suppression: Array<{ reason: string }> } };
    sms: { marketing: { consent: string } };
  };
  [attribute: string]: unknown;
}

/** A `request_profile_deletion` as `/__emulator/deletions` lists it (never with its identifier). */
export interface InspectedDeletion {
  id: string;
  identifierType: 'email' | 'phone_number' | 'id';
  status: 'queued' | 'processing' | 'complete' | 'cancelled';
  requestedAt: string;
  completedAt: string | null;
  deletedProfileIds: string[];
}

/** A `merge_profiles` as `/__emulator/merges` lists it. */
export interface InspectedMerge {
  id: string;
  destinationId: string;
  sourceId: string;
  status: 'queued' | 'processing' | 'complete' | 'cancelled';
  outcome: 'merged' | 'skipped' | null;
  requestedAt: string;
  completedAt: string | null;
  moved: { events: number; lists: number };
}

export interface DeletionFilter {
  email?: string;
  phone_number?: string;
  profile_id?: string;
  status?: InspectedDeletion['status'];
}

export interface MergeFilter {
  destination?: string;
  source?: string;
  status?: InspectedMerge['status'];
}

/** A filter fit for a failure message: the type of identifier, never the email or phone number itself. */
function redacted(filter: DeletionFilter): Record<string, string | undefined> {
  return { ...filter, email: filter.email && '<email>', phone_number: filter.phone_number && '<phone number>' };
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * What a test (emulator or service end to end) asks the Klaviyo emulator about profiles, deletions and merges.
 * `apiKey` picks the account when the emulator holds more than one.
 */
export function klaviyoInspector(baseUrl: string, apiKey?: string) {
  const get = async <T>(path: string, params: Record<string, string | undefined>): Promise<T> => {
    const r = await request<T>('GET', `${baseUrl}/__emulator${path}${query({ ...params, key: apiKey })}`);
    if (r.status !== 200) throw new Error(`GET /__emulator${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const profiles = (filter: { email?: string; phone_number?: string; id?: string; external_id?: string }) =>
    get<InspectedProfile[]>('/profiles', filter);
  const deletions = (filter: DeletionFilter = {}) => get<InspectedDeletion[]>('/deletions', { ...filter });
  const merges = (filter: MergeFilter = {}) => get<InspectedMerge[]>('/merges', { ...filter });
  return {
    profiles,
    /** The profile holding this email (compared case-insensitively, as Klaviyo does), if any. */
    profileWithEmail: async (email: string): Promise<InspectedProfile | undefined> => (await profiles({ email }))[0],
    hasProfileWithEmail: async (email: string): Promise<boolean> => (await profiles({ email })).length > 0,
    deletions,
    merges,
    /** Waits until at least one deletion request matches and all that match have run; returns them. */
    waitForDeletions: (filter: DeletionFilter, timeoutMs = 10_000): Promise<InspectedDeletion[]> =>
      waitFor(
        async () => {
          const found = await deletions(filter);
          return found.length > 0 && found.every((d) => d.status === 'complete') ? found : undefined;
        },
        timeoutMs,
        `the deletion requests matching ${JSON.stringify(redacted(filter))} to complete`,
      ),
    /** Waits until at least one merge matches and all that match have run; returns them. */
    waitForMerges: (filter: MergeFilter, timeoutMs = 10_000): Promise<InspectedMerge[]> =>
      waitFor(
        async () => {
          const found = await merges(filter);
          return found.length > 0 && found.every((m) => m.status === 'complete') ? found : undefined;
        },
        timeoutMs,
        `the merges matching ${JSON.stringify(filter)} to complete`,
      ),
  };
}
