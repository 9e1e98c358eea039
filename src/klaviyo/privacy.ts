import { anyFilter, collectionPages } from './collection.ts';
import type { KlaviyoHttp } from './http.ts';
import { OPERATIONS } from './operations.ts';

/** A Klaviyo profile as far as erasure and identity conflicts need it. */
export interface ProfileIdentity {
  id: string;
  email?: string;
  externalId?: string;
  phone?: string;
}

type RawProfile = {
  id: string;
  attributes?: { email?: string | null; external_id?: string | null; phone_number?: string | null };
};

/** The profiles holding any of these identifiers (get_profiles, one read per identifier given). */
export async function findProfiles(
  http: KlaviyoHttp,
  by: { externalId?: string; email?: string; phone?: string; id?: string },
  signal?: AbortSignal,
): Promise<ProfileIdentity[]> {
  const found = new Map<string, ProfileIdentity>();
  const filters: Array<[string, string | undefined]> = [
    ['external_id', by.externalId],
    ['email', by.email?.trim().toLowerCase()],
    ['phone_number', by.phone],
    ['id', by.id],
  ];
  for (const [field, value] of filters) {
    if (!value) continue;
    const path = `/api/profiles?filter=${anyFilter(field, [value])}&page[size]=20&fields[profile]=email,external_id,phone_number`;
    for await (const page of collectionPages<RawProfile>(http, OPERATIONS.getProfiles, path, signal))
      for (const p of page)
        found.set(p.id, {
          id: p.id,
          ...(p.attributes?.email ? { email: p.attributes.email } : {}),
          ...(p.attributes?.external_id ? { externalId: p.attributes.external_id } : {}),
          ...(p.attributes?.phone_number ? { phone: p.attributes.phone_number } : {}),
        });
  }
  return [...found.values()];
}

/**
 * Asks Klaviyo to delete a profile (data-privacy-deletion-jobs, by profile id: exactly one identifier). The
 * deletion is asynchronous; Klaviyo answers 202 once it has queued it.
 */
export async function requestProfileDeletion(
  http: KlaviyoHttp,
  profileId: string,
  signal?: AbortSignal,
): Promise<void> {
  await http.request(OPERATIONS.requestProfileDeletion, {
    method: 'POST',
    path: '/api/data-privacy-deletion-jobs',
    body: {
      data: {
        type: 'data-privacy-deletion-job',
        attributes: { profile: { data: { type: 'profile', id: profileId, attributes: {} } } },
      },
    },
    signal,
  });
}

/**
 * Merges `sourceId` into `destinationId` (profile-merge): Klaviyo moves the source's history to the destination
 * and deletes the source, asynchronously.
 */
export async function mergeProfiles(
  http: KlaviyoHttp,
  destinationId: string,
  sourceId: string,
  signal?: AbortSignal,
): Promise<void> {
  await http.request(OPERATIONS.mergeProfiles, {
    method: 'POST',
    path: '/api/profile-merge',
    body: {
      data: {
        type: 'profile-merge',
        id: destinationId,
        relationships: { profiles: { data: [{ type: 'profile', id: sourceId }] } },
      },
    },
    signal,
  });
}
