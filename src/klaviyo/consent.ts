import { KlaviyoApiError } from '../core/errors.ts';
import { inParallel } from '../core/in-parallel.ts';
import { anyFilter, collectionPages } from './collection.ts';
import type { KlaviyoHttp } from './http.ts';
import { OPERATIONS } from './operations.ts';
import { rowIndex } from './row-errors.ts';

/** Klaviyo's limits: "Maximum number of profiles can be submitted for subscription: 1000"; unsubscribe 100. */
export const CONSENT_LIMITS = {
  subscribePerJob: 1_000,
  unsubscribePerJob: 100,
  addToListPerCall: 1_000,
  /** `any()` values per filter, and `page[size]` of get_profiles / get_profiles_for_list. */
  readPerRequest: 100,
} as const;

/** One channel's consent as Klaviyo reports it (`attributes.subscriptions`, additional-fields). */
export interface KlaviyoChannelState {
  consent?: string;
  consentTimestamp?: string;
  /** Email only: global suppressions. */
  suppressions: Array<{ reason: string; timestamp?: string }>;
  /** Email only: suppressions from one list. */
  listSuppressions: Array<{ listId: string; reason: string; timestamp?: string }>;
}

/** A Klaviyo profile's consent, read before anything is changed. */
export interface KlaviyoConsentState {
  profileId: string;
  email: KlaviyoChannelState;
  sms: KlaviyoChannelState;
}

export type ConsentChannel = 'email' | 'sms';

/** What this service writes as the consent record's `custom_source` (shown on the profile in Klaviyo). */
export const CONSENT_SOURCE = 'commercetools';

const PROFILES_POINTER = '/data/attributes/profiles/data';

interface RawChannel {
  consent?: string;
  consent_timestamp?: string | null;
  suppression?: Array<{ reason?: string; timestamp?: string | null }>;
  list_suppressions?: Array<{ list_id?: string; reason?: string; timestamp?: string | null }>;
}

interface RawProfile {
  id: string;
  attributes?: {
    email?: string | null;
    phone_number?: string | null;
    external_id?: string | null;
    subscriptions?: { email?: { marketing?: RawChannel }; sms?: { marketing?: RawChannel } } | null;
  };
}

function channelState(raw: RawChannel | undefined): KlaviyoChannelState {
  return {
    consent: raw?.consent,
    consentTimestamp: raw?.consent_timestamp ?? undefined,
    suppressions: (raw?.suppression ?? []).map((s) => ({
      reason: s.reason ?? '',
      timestamp: s.timestamp ?? undefined,
    })),
    listSuppressions: (raw?.list_suppressions ?? []).map((s) => ({
      listId: s.list_id ?? '',
      reason: s.reason ?? '',
      timestamp: s.timestamp ?? undefined,
    })),
  };
}

/**
 * Reads of one batch in flight at once: a read takes a few hundred milliseconds, and a batch of 10,000 profiles
 * needs 100 of them, so a few in flight let the rate limiter, not the latency, set the pace.
 */
const READS_IN_FLIGHT = 4;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The consent of the profiles with these external ids (customers) or emails (guests), 100 per get_profiles
 * request with `additional-fields[profile]=subscriptions`. Keys are the values asked for (emails lower-cased);
 * a value Klaviyo has no profile for is absent.
 */
export async function readConsentStates(
  http: KlaviyoHttp,
  by: 'external_id' | 'email',
  values: string[],
  signal?: AbortSignal,
): Promise<Map<string, KlaviyoConsentState>> {
  const found = new Map<string, KlaviyoConsentState>();
  const unique = [...new Set(by === 'email' ? values.map((v) => v.toLowerCase()) : values)];
  await inParallel(chunks(unique, CONSENT_LIMITS.readPerRequest), READS_IN_FLIGHT, async (chunk) => {
    const path = `/api/profiles?filter=${anyFilter(by, chunk)}&page[size]=${CONSENT_LIMITS.readPerRequest}&additional-fields[profile]=subscriptions`;
    for await (const page of collectionPages<RawProfile>(http, OPERATIONS.getProfiles, path, signal)) {
      for (const p of page) {
        const a = p.attributes ?? {};
        const key = by === 'email' ? a.email?.toLowerCase() : (a.external_id ?? undefined);
        if (!key) continue;
        found.set(key, {
          profileId: p.id,
          email: channelState(a.subscriptions?.email?.marketing),
          sms: channelState(a.subscriptions?.sms?.marketing),
        });
      }
    }
  });
  return found;
}

/** Which of these emails or phone numbers belong to members of the list (get_profiles_for_list, 100 at a time). */
export async function listMembers(
  http: KlaviyoHttp,
  listId: string,
  by: 'email' | 'phone_number',
  values: string[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  const members = new Set<string>();
  const unique = [...new Set(by === 'email' ? values.map((v) => v.toLowerCase()) : values)];
  for (const chunk of chunks(unique, CONSENT_LIMITS.readPerRequest)) {
    const path = `/api/lists/${encodeURIComponent(listId)}/profiles?filter=${anyFilter(by, chunk)}&page[size]=${CONSENT_LIMITS.readPerRequest}&fields[profile]=email,phone_number`;
    for await (const page of collectionPages<RawProfile>(http, OPERATIONS.getListProfiles, path, signal)) {
      for (const p of page) {
        const v = by === 'email' ? p.attributes?.email?.toLowerCase() : p.attributes?.phone_number;
        if (v) members.add(v);
      }
    }
  }
  return members;
}

/** One profile of a subscribe or unsubscribe call, and the channels concerned (with `consented_at` to subscribe). */
export interface ConsentEntry {
  /** The record the entry belongs to (a customer or order id), for its outcome. */
  recordId: string;
  profileId?: string;
  email?: string;
  phone?: string;
  channels: Partial<Record<ConsentChannel, string | true>>;
}

function entryBody(e: ConsentEntry, isSubscribe: boolean) {
  const subscriptions: Record<string, unknown> = {};
  for (const [channel, at] of Object.entries(e.channels)) {
    subscriptions[channel] = {
      marketing: isSubscribe ? { consent: 'SUBSCRIBED', consented_at: at } : { consent: 'UNSUBSCRIBED' },
    };
  }
  return {
    type: 'profile',
    // Subscribe entries may name the profile; unsubscribe entries identify it by email or phone only.
    ...(e.profileId && isSubscribe ? { id: e.profileId } : {}),
    attributes: {
      ...(e.email && e.channels.email ? { email: e.email } : {}),
      ...(e.phone && e.channels.sms ? { phone_number: e.phone } : {}),
      subscriptions,
    },
  };
}

/** An entry Klaviyo refused, with its reason. */
export interface RefusedEntry {
  entry: ConsentEntry;
  code: string;
  detail: string;
  pointer?: string;
}

/**
 * Sends entries in calls of at most `perCall`. A call Klaviyo refuses as a whole (400 pointing at one entry) is
 * sent again without that entry, which is returned as refused; everything else is accepted (202). Klaviyo
 * publishes no way to read a subscription job back, so an accepted call is where Klaviyo's answer ends.
 */
async function sendInCalls(
  entries: ConsentEntry[],
  perCall: number,
  send: (chunk: ConsentEntry[]) => Promise<unknown>,
): Promise<RefusedEntry[]> {
  const refused: RefusedEntry[] = [];
  for (const chunk of chunks(entries, perCall)) {
    let pending = chunk;
    while (pending.length > 0) {
      try {
        await send(pending);
        pending = [];
      } catch (e) {
        if (!(e instanceof KlaviyoApiError) || e.status !== 400) throw e;
        const first = e.errors[0];
        const bad = rowIndex(first?.source?.pointer, PROFILES_POINTER, pending.length);
        if (bad === undefined) throw e;
        refused.push({ entry: pending[bad], code: first.code, detail: first.detail, pointer: first.source?.pointer });
        pending = pending.filter((_p, i) => i !== bad);
      }
    }
  }
  return refused;
}

/**
 * Subscribes profiles to the list as a historical import (`historical_import: true`, each channel with its
 * `consented_at`): Klaviyo records the consent as given then, sends no double opt-in and starts no "added to list"
 * flow.
 */
export function subscribeProfiles(
  http: KlaviyoHttp,
  listId: string,
  entries: ConsentEntry[],
  signal?: AbortSignal,
): Promise<RefusedEntry[]> {
  return sendInCalls(entries, CONSENT_LIMITS.subscribePerJob, (chunk) =>
    http.request(OPERATIONS.bulkSubscribeProfiles, {
      method: 'POST',
      path: '/api/profile-subscription-bulk-create-jobs',
      body: {
        data: {
          type: 'profile-subscription-bulk-create-job',
          attributes: {
            custom_source: CONSENT_SOURCE,
            historical_import: true,
            profiles: { data: chunk.map((e) => entryBody(e, true)) },
          },
          relationships: { list: { data: { type: 'list', id: listId } } },
        },
      },
      signal,
    }),
  );
}

/**
 * Unsubscribes profiles from the list. Klaviyo globally unsubscribes anyone not on the list, so callers pass
 * only members (see listMembers).
 */
export function unsubscribeProfiles(
  http: KlaviyoHttp,
  listId: string,
  entries: ConsentEntry[],
  signal?: AbortSignal,
): Promise<RefusedEntry[]> {
  return sendInCalls(entries, CONSENT_LIMITS.unsubscribePerJob, (chunk) =>
    http.request(OPERATIONS.bulkUnsubscribeProfiles, {
      method: 'POST',
      path: '/api/profile-subscription-bulk-delete-jobs',
      body: {
        data: {
          type: 'profile-subscription-bulk-delete-job',
          attributes: { profiles: { data: chunk.map((e) => entryBody(e, false)) } },
          relationships: { list: { data: { type: 'list', id: listId } } },
        },
      },
      signal,
    }),
  );
}

/** Adds existing profiles to a list without changing their consent (1,000 per call). */
export async function addProfilesToList(
  http: KlaviyoHttp,
  listId: string,
  profileIds: string[],
  signal?: AbortSignal,
): Promise<void> {
  for (const chunk of chunks([...new Set(profileIds)], CONSENT_LIMITS.addToListPerCall)) {
    await http.request(OPERATIONS.addProfilesToList, {
      method: 'POST',
      path: `/api/lists/${encodeURIComponent(listId)}/relationships/profiles`,
      body: { data: chunk.map((id) => ({ type: 'profile', id })) },
      signal,
    });
  }
}

/** The list's name, or undefined when the account has no such list. */
export async function findList(http: KlaviyoHttp, listId: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const res = await http.request<{ data?: { attributes?: { name?: string } } }>(OPERATIONS.getList, {
      method: 'GET',
      path: `/api/lists/${encodeURIComponent(listId)}`,
      signal,
    });
    return res.body?.data?.attributes?.name ?? listId;
  } catch (e) {
    if (e instanceof KlaviyoApiError && e.status === 404) return undefined;
    throw e;
  }
}
