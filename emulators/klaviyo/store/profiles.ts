import { ulid } from 'ulid';
import { conflict, invalid, jsonBytes, KB, KlaviyoError, notFound } from '../jsonapi.ts';
import { emptyConsent, type ProfileConsent, renderSubscriptions } from './consent.ts';

export interface Profile {
  id: string;
  attributes: Record<string, unknown>;
  /** Consent and suppressions; answered as `attributes.subscriptions` only when asked for. */
  consent: ProfileConsent;
  created: string;
  updated: string;
  /** Creation order within the account (the order a scan lists profiles in). */
  seq: number;
}

export interface ProfileInput {
  id?: string;
  attributes?: Record<string, unknown>;
  meta?: Record<string, unknown>;
}

export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const E164 = /^\+[1-9]\d{6,14}$/;
const MAX_PROFILE_BYTES = 100 * KB;
const IDENTIFIERS = ['external_id', 'email', 'phone_number'] as const;

/**
 * Klaviyo's profile-level rules, shared by profile-import, create/update, bulk import entries and the profile
 * inside events. `pointer` is where the profile sits in the request body.
 */
export function checkProfileInput(input: ProfileInput, pointer: string, options: { needsIdentifier: boolean }): void {
  const a = input.attributes ?? {};
  if (jsonBytes(input) > MAX_PROFILE_BYTES) {
    throw invalid(`The profile is larger than the 100 KB limit.`, { pointer });
  }
  if (a.email !== undefined && a.email !== null && (typeof a.email !== 'string' || !EMAIL.test(a.email))) {
    throw invalid('Invalid email address.', { pointer: `${pointer}/attributes/email` });
  }
  if (
    a.phone_number !== undefined &&
    a.phone_number !== null &&
    (typeof a.phone_number !== 'string' || !E164.test(a.phone_number))
  ) {
    throw invalid('Invalid phone number format (Example of a valid format: +12345678901).', {
      pointer: `${pointer}/attributes/phone_number`,
    });
  }
  const hasIdentifier =
    Boolean(input.id) ||
    IDENTIFIERS.some((k) => typeof a[k] === 'string' && a[k] !== '') ||
    Boolean(a._kx) ||
    Boolean(a.anonymous_id);
  if (options.needsIdentifier && !hasIdentifier) {
    throw invalid('One of email, phone_number, external_id, _kx or anonymous_id is required to identify the profile.', {
      pointer: `${pointer}/attributes`,
    });
  }
}

function indexKey(field: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return field === 'email' ? value.toLowerCase() : value;
}

export class ProfileStore {
  readonly byId = new Map<string, Profile>();
  private nextSeq = 0;
  private readonly indexes: Record<(typeof IDENTIFIERS)[number], Map<string, string>> = {
    external_id: new Map(),
    email: new Map(),
    phone_number: new Map(),
  };

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Profile | undefined {
    return this.byId.get(id);
  }

  findBy(field: (typeof IDENTIFIERS)[number], value: string): Profile | undefined {
    const key = indexKey(field, value);
    const id = key === undefined ? undefined : this.indexes[field].get(key);
    return id ? this.byId.get(id) : undefined;
  }

  /** Profiles matched by the given identifiers, distinct, each with the first identifier that matched it. */
  private matches(a: Record<string, unknown>): Match[] {
    const found = new Map<string, Match>();
    for (const field of IDENTIFIERS) {
      const key = indexKey(field, a[field]);
      const id = key === undefined ? undefined : this.indexes[field].get(key);
      if (id && !found.has(id)) found.set(id, { profile: this.byId.get(id) as Profile, field });
    }
    return [...found.values()];
  }

  /**
   * profile-import semantics: update the profile the identifiers point to, or create one. A `null` attribute
   * clears the stored value, except in a bulk import (`isBulkImport`), where Klaviyo's guide says it does not.
   */
  upsert(
    input: ProfileInput,
    now: string,
    pointer = '/data',
    options: { isBulkImport?: boolean } = {},
  ): { profile: Profile; isCreated: boolean } {
    const nullClears = options.isBulkImport !== true;
    checkProfileInput(input, pointer, { needsIdentifier: true });
    const a = input.attributes ?? {};
    let target: Profile | undefined;
    if (input.id) {
      target = this.byId.get(input.id);
      if (!target) throw notFound(`A profile with id '${input.id}' does not exist.`);
    }
    const matched = this.matches(a);
    if (!target) {
      if (matched.length > 1) throw new DuplicateProfileError(matched[1]);
      target = matched[0]?.profile;
    } else {
      const other = matched.find((m) => m.profile.id !== target?.id);
      if (other) throw new DuplicateProfileError(other);
    }
    if (!target) {
      const profile: Profile = {
        id: ulid(),
        attributes: {},
        consent: emptyConsent(),
        created: now,
        updated: now,
        seq: this.nextSeq++,
      };
      this.apply(profile, a, nullClears);
      this.byId.set(profile.id, profile);
      return { profile, isCreated: true };
    }
    this.apply(target, a, nullClears);
    target.updated = now;
    return { profile: target, isCreated: false };
  }

  /** create_profile: 409 when any identifier is taken. */
  create(input: ProfileInput, now: string): Profile {
    checkProfileInput(input, '/data', { needsIdentifier: true });
    const matched = this.matches(input.attributes ?? {});
    if (matched.length > 0) throw new DuplicateProfileError(matched[0]);
    return this.upsert(input, now).profile;
  }

  /** update_profile: changes one profile by id; 409 when a new identifier belongs to another profile. */
  patch(id: string, input: ProfileInput, now: string): Profile {
    const target = this.byId.get(id);
    if (!target) throw notFound(`A profile with id '${id}' does not exist.`);
    checkProfileInput(input, '/data', { needsIdentifier: false });
    const other = this.matches(input.attributes ?? {}).find((m) => m.profile.id !== id);
    if (other) throw new DuplicateProfileError(other);
    this.apply(target, input.attributes ?? {});
    target.updated = now;
    return target;
  }

  /** Removes a profile and its identifiers from the indexes (a deletion, or the source of a merge). */
  remove(id: string): Profile | undefined {
    const profile = this.byId.get(id);
    if (!profile) return undefined;
    this.unindex(profile);
    this.byId.delete(id);
    return profile;
  }

  /** Replaces a profile's attributes wholesale and re-indexes its identifiers (a merge's outcome). */
  replaceAttributes(profile: Profile, attributes: Record<string, unknown>): void {
    this.unindex(profile);
    profile.attributes = attributes;
    this.index(profile);
  }

  private unindex(profile: Profile): void {
    for (const field of IDENTIFIERS) {
      const key = indexKey(field, profile.attributes[field]);
      if (key !== undefined && this.indexes[field].get(key) === profile.id) this.indexes[field].delete(key);
    }
  }

  private index(profile: Profile): void {
    for (const field of IDENTIFIERS) {
      const key = indexKey(field, profile.attributes[field]);
      if (key !== undefined) this.indexes[field].set(key, profile.id);
    }
  }

  /** Sent attributes are set, `null` clears (unless `nullClears` is false), absent ones stay; `location` and `properties` merge by key. */
  private apply(profile: Profile, attributes: Record<string, unknown>, nullClears = true): void {
    for (const field of IDENTIFIERS) {
      if (!(field in attributes) || (attributes[field] === null && !nullClears)) continue;
      const oldKey = indexKey(field, profile.attributes[field]);
      if (oldKey !== undefined) this.indexes[field].delete(oldKey);
    }
    for (const [k, v] of Object.entries(attributes)) {
      if (v === null && !nullClears) continue;
      if (v === null) {
        delete profile.attributes[k];
      } else if ((k === 'location' || k === 'properties') && typeof v === 'object' && !Array.isArray(v)) {
        const merged: Record<string, unknown> = { ...((profile.attributes[k] as Record<string, unknown>) ?? {}) };
        for (const [pk, pv] of Object.entries(v as Record<string, unknown>)) {
          if (pv === null && !nullClears) continue;
          if (pv === null) delete merged[pk];
          else merged[pk] = pv;
        }
        profile.attributes[k] = merged;
      } else {
        profile.attributes[k] = v;
      }
    }
    this.index(profile);
  }

  clear(): void {
    this.byId.clear();
    for (const idx of Object.values(this.indexes)) idx.clear();
  }
}

interface Match {
  profile: Profile;
  field: (typeof IDENTIFIERS)[number];
}

/**
 * Klaviyo's 409 for identifiers that belong to another profile: `code: duplicate_profile`, the id of that profile
 * in `meta.duplicate_profile_id` (what clients read to recover). `field` (not part of the answer) says which
 * identifier collided, for the bulk import's error detail.
 */
export class DuplicateProfileError extends KlaviyoError {
  readonly duplicateProfileId: string;
  readonly field: Match['field'];

  constructor(match: Match) {
    const e = conflict('duplicate_profile', 'A profile already exists with one of these identifiers.', {
      duplicate_profile_id: match.profile.id,
    });
    super(e.status, e.code, e.title, e.detail, e.source, e.meta, e.headers);
    this.duplicateProfileId = match.profile.id;
    this.field = match.field;
  }
}

/** The `subscriptions` Klaviyo answers for a profile (`additional-fields[profile]=subscriptions`). */
export function profileSubscriptions(p: Profile): Record<string, unknown> {
  return renderSubscriptions(p.consent, { email: p.attributes.email, phone_number: p.attributes.phone_number });
}

/**
 * A profile as Klaviyo answers it. `subscriptions` is added only when the request asked for it with
 * `additional-fields[profile]=subscriptions`; `extra` carries per-endpoint attributes (`joined_group_at`).
 */
export function profileResource(
  p: Profile,
  baseUrl: string,
  options: { withSubscriptions?: boolean; extra?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    type: 'profile',
    id: p.id,
    attributes: {
      email: null,
      phone_number: null,
      external_id: null,
      first_name: null,
      last_name: null,
      organization: null,
      locale: null,
      title: null,
      image: null,
      location: null,
      properties: {},
      ...p.attributes,
      created: p.created,
      updated: p.updated,
      last_event_date: null,
      ...(options.extra ?? {}),
      ...(options.withSubscriptions ? { subscriptions: profileSubscriptions(p) } : {}),
    },
    relationships: {
      lists: {
        links: {
          self: `${baseUrl}/api/profiles/${p.id}/relationships/lists`,
          related: `${baseUrl}/api/profiles/${p.id}/lists`,
        },
      },
      segments: {
        links: {
          self: `${baseUrl}/api/profiles/${p.id}/relationships/segments`,
          related: `${baseUrl}/api/profiles/${p.id}/segments`,
        },
      },
    },
    links: { self: `${baseUrl}/api/profiles/${p.id}` },
  };
}
