import { matchesCondition, parseFilter } from '../filter.ts';
import { invalid, KlaviyoError, notFound, paginate } from '../jsonapi.ts';
import type { KlaviyoList, OptInProcess } from '../store/lists.ts';
import { type Profile, profileResource } from '../store/profiles.ts';
import {
  collection,
  type JsonObject,
  type OpContext,
  type OpHandler,
  requireData,
  requireIdentifiers,
  single,
} from './context.ts';

/** "This endpoint accepts a maximum of 1000 profiles per call" (add / remove profiles to / from a list). */
export const MAX_PROFILES_PER_LIST_CALL = 1_000;

/** Whether `additional-fields[<resource>]` asks for `field`. */
export function asksFor(url: URL, resource: string, field: string): boolean {
  const v = url.searchParams.get(`additional-fields[${resource}]`);
  return v?.split(',').includes(field) ?? false;
}

export function listResource(l: KlaviyoList, baseUrl: string, withProfileCount = false): JsonObject {
  const self = `${baseUrl}/api/lists/${l.id}`;
  const rel = (name: string) => ({ links: { self: `${self}/relationships/${name}`, related: `${self}/${name}` } });
  return {
    type: 'list',
    id: l.id,
    attributes: {
      name: l.name,
      created: l.created,
      updated: l.updated,
      opt_in_process: l.opt_in_process,
      ...(withProfileCount ? { profile_count: l.members.size } : {}),
    },
    relationships: { profiles: rel('profiles'), tags: rel('tags'), 'flow-triggers': rel('flow-triggers') },
    links: { self },
  };
}

const createList: OpHandler = (ctx) => {
  const d = requireData(ctx.body, 'list');
  const a = (d.attributes as JsonObject | undefined) ?? {};
  if (typeof a.name !== 'string' || a.name.trim() === '')
    throw invalid("'name' is a required field.", { pointer: '/data/attributes/name' });
  // "If not provided, uses account default": Klaviyo's default is double opt-in ("lists are double opt-in by
  // default", help.klaviyo.com/hc/en-us/articles/115005251108); `--default-opt-in single_opt_in` changes it.
  const optIn = (a.opt_in_process ?? ctx.account.settings.defaultOptIn) as OptInProcess;
  const list = ctx.account.lists.create(a.name, optIn, ctx.nowIso);
  return single(201, listResource(list, ctx.baseUrl), `${ctx.baseUrl}/api/lists`);
};

const getList: OpHandler = (ctx) => {
  const list = ctx.account.lists.require(ctx.params.id);
  return single(
    200,
    listResource(list, ctx.baseUrl, asksFor(ctx.url, 'list', 'profile_count')),
    `${ctx.baseUrl}/api/lists/${list.id}`,
  );
};

function listField(l: KlaviyoList, field: string): unknown {
  if (field === 'id') return l.id;
  if (field === 'name') return l.name;
  if (field === 'created') return l.created;
  if (field === 'updated') return l.updated;
  return undefined;
}

function sorted<T>(items: T[], sort: string | null, field: (x: T, f: string) => unknown): T[] {
  if (!sort) return items;
  const f = sort.replace(/^-/, '');
  const dir = sort.startsWith('-') ? -1 : 1;
  return [...items].sort((a, b) => {
    const x = String(field(a, f) ?? '');
    const y = String(field(b, f) ?? '');
    return x < y ? -dir : x > y ? dir : 0;
  });
}

const getLists: OpHandler = (ctx) => {
  let lists = [...ctx.account.lists.lists.values()];
  const filter = ctx.url.searchParams.get('filter');
  if (filter) {
    const conditions = parseFilter(filter);
    lists = lists.filter((l) => conditions.every((c) => matchesCondition(listField(l, c.field), c)));
  }
  lists = sorted(lists, ctx.url.searchParams.get('sort'), listField);
  const { page, links } = paginate(lists, ctx.url, 10);
  return collection(
    page.map((l) => listResource(l, ctx.baseUrl)),
    links,
  );
};

/**
 * The profiles a list relationship request names, all of which must exist: Klaviyo documents nothing for an
 * unknown id, so the stricter reading is taken — the whole request is refused (404) and nothing changes.
 */
function namedProfiles(ctx: OpContext): Profile[] {
  const ids = requireIdentifiers(ctx.body, 'profile');
  if (ids.length > MAX_PROFILES_PER_LIST_CALL) {
    throw invalid(
      `This endpoint accepts a maximum of ${MAX_PROFILES_PER_LIST_CALL} profiles per call (got ${ids.length}).`,
      { pointer: '/data' },
    );
  }
  return ids.map((id, i) => {
    const p = ctx.account.profiles.get(id);
    if (!p)
      throw new KlaviyoError(404, 'not_found', 'Not found.', `A profile with id '${id}' does not exist.`, {
        pointer: `/data/${i}/id`,
      });
    return p;
  });
}

/** Adds profiles to a list. Consent is not touched (the operation description sends that to Subscribe Profiles). */
const addProfilesToList: OpHandler = (ctx) => {
  const list = ctx.account.lists.require(ctx.params.id);
  const profiles = namedProfiles(ctx);
  for (const p of profiles) ctx.account.lists.add(list, p.id, ctx.nowIso);
  return { status: 204 };
};

/** "Removing a profile from a list will not impact the profile's consent status or subscription status." */
const removeProfilesFromList: OpHandler = (ctx) => {
  const list = ctx.account.lists.require(ctx.params.id);
  const profiles = namedProfiles(ctx);
  for (const p of profiles) ctx.account.lists.remove(list, p.id);
  return { status: 204 };
};

function members(ctx: OpContext, list: KlaviyoList): Array<{ profile: Profile; joinedAt: string }> {
  let rows = [...list.members.entries()]
    .map(([id, joinedAt]) => ({ profile: ctx.account.profiles.get(id), joinedAt }))
    .filter((r): r is { profile: Profile; joinedAt: string } => r.profile !== undefined);
  const filter = ctx.url.searchParams.get('filter');
  if (filter) {
    const conditions = parseFilter(filter);
    rows = rows.filter((r) =>
      conditions.every((c) => {
        if (c.field === 'joined_group_at') return matchesCondition(r.joinedAt, c);
        let v = r.profile.attributes[c.field];
        if (c.field === 'email' && typeof v === 'string') {
          v = v.toLowerCase();
          const lower = (x: unknown) => (typeof x === 'string' ? x.toLowerCase() : x);
          return matchesCondition(v, {
            ...c,
            value: Array.isArray(c.value) ? (c.value.map(lower) as typeof c.value) : (lower(c.value) as typeof c.value),
          });
        }
        return matchesCondition(v, c);
      }),
    );
  }
  return sorted(rows, ctx.url.searchParams.get('sort'), (r) => r.joinedAt);
}

const getProfileIdsForList: OpHandler = (ctx) => {
  const list = ctx.account.lists.require(ctx.params.id);
  const { page, links } = paginate(members(ctx, list), ctx.url, 20);
  return collection(
    page.map((r) => ({ type: 'profile', id: r.profile.id })),
    links,
  );
};

const getProfilesForList: OpHandler = (ctx) => {
  const list = ctx.account.lists.require(ctx.params.id);
  const withSubscriptions = asksFor(ctx.url, 'profile', 'subscriptions');
  const { page, links } = paginate(members(ctx, list), ctx.url, 20);
  return collection(
    page.map((r) =>
      profileResource(r.profile, ctx.baseUrl, { withSubscriptions, extra: { joined_group_at: r.joinedAt } }),
    ),
    links,
  );
};

function requireProfile(ctx: OpContext): Profile {
  const p = ctx.account.profiles.get(ctx.params.id);
  if (!p) throw notFound(`A profile with id '${ctx.params.id}' does not exist.`);
  return p;
}

const getListsForProfile: OpHandler = (ctx) => {
  const p = requireProfile(ctx);
  const lists = ctx.account.lists.listsOf(p.id);
  return collection(
    lists.map((l) => listResource(l, ctx.baseUrl)),
    { self: ctx.url.toString(), next: null, prev: null },
  );
};

const getListIdsForProfile: OpHandler = (ctx) => {
  const p = requireProfile(ctx);
  return collection(
    ctx.account.lists.listsOf(p.id).map((l) => ({ type: 'list', id: l.id })),
    { self: ctx.url.toString(), next: null, prev: null },
  );
};

export const listHandlers: Record<string, OpHandler> = {
  create_list: createList,
  get_list: getList,
  get_lists: getLists,
  add_profiles_to_list: addProfilesToList,
  remove_profiles_from_list: removeProfilesFromList,
  get_profile_ids_for_list: getProfileIdsForList,
  get_profiles_for_list: getProfilesForList,
  get_lists_for_profile: getListsForProfile,
  get_list_ids_for_profile: getListIdsForProfile,
};
