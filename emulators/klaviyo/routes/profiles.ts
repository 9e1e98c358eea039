import { type FilterCondition, matchesCondition, parseFilter } from '../filter.ts';
import { invalid, jsonBytes, KB, notFound, paginate } from '../jsonapi.ts';
import { type Profile, type ProfileInput, type ProfileStore, profileResource } from '../store/profiles.ts';
import { collection, type JsonObject, type OpHandler, requireData, single } from './context.ts';
import { asksFor } from './lists.ts';

const MAX_PROFILE_REQUEST_BYTES = 100 * KB;

function profileInput(d: JsonObject): ProfileInput {
  return {
    id: d.id as string | undefined,
    attributes: (d.attributes as JsonObject | undefined) ?? {},
    meta: d.meta as JsonObject | undefined,
  };
}

function checkSize(body: unknown): void {
  if (jsonBytes(body) > MAX_PROFILE_REQUEST_BYTES)
    throw invalid('The request is larger than the 100 KB limit for profiles.', { pointer: '/data' });
}

const createOrUpdateProfile: OpHandler = (ctx) => {
  checkSize(ctx.body);
  const d = requireData(ctx.body, 'profile');
  const { profile, isCreated } = ctx.account.profiles.upsert(profileInput(d), ctx.nowIso);
  return single(isCreated ? 201 : 200, profileResource(profile, ctx.baseUrl), `${ctx.baseUrl}/api/profile-import`);
};

const createProfile: OpHandler = (ctx) => {
  checkSize(ctx.body);
  const d = requireData(ctx.body, 'profile');
  const profile = ctx.account.profiles.create(profileInput(d), ctx.nowIso);
  return single(201, profileResource(profile, ctx.baseUrl), `${ctx.baseUrl}/api/profiles`);
};

const updateProfile: OpHandler = (ctx) => {
  checkSize(ctx.body);
  const d = requireData(ctx.body, 'profile');
  if (d.id !== ctx.params.id) throw invalid("'id' in the body must match the id in the URL.", { pointer: '/data/id' });
  const profile = ctx.account.profiles.patch(ctx.params.id, profileInput(d), ctx.nowIso);
  return single(200, profileResource(profile, ctx.baseUrl), `${ctx.baseUrl}/api/profiles/${profile.id}`);
};

const getProfile: OpHandler = (ctx) => {
  const p = ctx.account.profiles.get(ctx.params.id);
  if (!p) throw notFound(`A profile with id '${ctx.params.id}' does not exist.`);
  const withSubscriptions = asksFor(ctx.url, 'profile', 'subscriptions');
  return single(200, profileResource(p, ctx.baseUrl, { withSubscriptions }), `${ctx.baseUrl}/api/profiles/${p.id}`);
};

const SUPPRESSION_PREFIX = 'subscriptions.email.marketing.suppression.';
const LIST_SUPPRESSION_PREFIX = 'subscriptions.email.marketing.list_suppressions.';

/**
 * The values of a suppression field (`subscriptions.email.marketing.suppression.reason`,
 * `...list_suppressions.timestamp`, ...): read from the profile's consent record, one per suppression; a
 * profile without suppressions has none, so no condition on them matches it.
 */
function suppressionValues(p: Profile, field: string): unknown[] | undefined {
  const rows: Array<Record<string, unknown>> | undefined = field.startsWith(SUPPRESSION_PREFIX)
    ? (p.consent.suppression as unknown as Array<Record<string, unknown>>)
    : field.startsWith(LIST_SUPPRESSION_PREFIX)
      ? (p.consent.listSuppressions as unknown as Array<Record<string, unknown>>)
      : undefined;
  if (!rows) return undefined;
  const key = field.slice(field.lastIndexOf('.') + 1);
  return rows.map((r) => r[key]);
}

function profileField(p: Profile, field: string): unknown {
  if (field === 'id') return p.id;
  if (field === 'created') return p.created;
  if (field === 'updated') return p.updated;
  if (field === 'email' && typeof p.attributes.email === 'string') return p.attributes.email;
  const values = suppressionValues(p, field);
  // Sorting by a suppression timestamp uses the latest one; a profile without any sorts as empty.
  if (values) return values.map(String).sort().at(-1);
  return p.attributes[field];
}

const INDEXED = new Set(['id', 'external_id', 'email', 'phone_number']);

/**
 * The profiles a filter can match: looked up in the identifier indexes when one of its conditions is `equals` or
 * `any` on an identifier (so reading 100 profiles by id among millions stays fast), else every profile.
 */
function candidates(store: ProfileStore, conditions: FilterCondition[]): Profile[] {
  const c = conditions.find((x) => INDEXED.has(x.field) && (x.operator === 'equals' || x.operator === 'any'));
  if (!c) return [...store.byId.values()];
  const values = Array.isArray(c.value) ? c.value : [c.value];
  const found = new Map<string, Profile>();
  for (const v of values) {
    if (typeof v !== 'string') continue;
    const p = c.field === 'id' ? store.get(v) : store.findBy(c.field as 'external_id' | 'email' | 'phone_number', v);
    if (p) found.set(p.id, p);
  }
  // The order a scan would give (creation), so paging is the same either way.
  return [...found.values()].sort((a, b) => a.seq - b.seq);
}

const getProfiles: OpHandler = (ctx) => {
  const filter = ctx.url.searchParams.get('filter');
  let profiles: Profile[];
  if (filter) {
    const conditions = parseFilter(filter);
    profiles = candidates(ctx.account.profiles, conditions).filter((p) =>
      conditions.every((c) => {
        if (c.field === 'email') {
          const v = profileField(p, 'email');
          const lower = (x: unknown) => (typeof x === 'string' ? x.toLowerCase() : x);
          return matchesCondition(lower(v), {
            ...c,
            value: Array.isArray(c.value) ? (c.value.map(lower) as typeof c.value) : (lower(c.value) as typeof c.value),
          });
        }
        const values = suppressionValues(p, c.field);
        if (values) return values.some((v) => matchesCondition(v, c));
        return matchesCondition(profileField(p, c.field), c);
      }),
    );
  } else profiles = [...ctx.account.profiles.byId.values()];
  const sort = ctx.url.searchParams.get('sort');
  if (sort) {
    const field = sort.replace(/^-/, '');
    const dir = sort.startsWith('-') ? -1 : 1;
    profiles.sort((a, b) => (String(profileField(a, field) ?? '') < String(profileField(b, field) ?? '') ? -dir : dir));
  }
  const { page, links } = paginate(profiles, ctx.url, 20);
  const withSubscriptions = asksFor(ctx.url, 'profile', 'subscriptions');
  return collection(
    page.map((p) => profileResource(p, ctx.baseUrl, { withSubscriptions })),
    links,
  );
};

export const profileHandlers: Record<string, OpHandler> = {
  create_or_update_profile: createOrUpdateProfile,
  create_profile: createProfile,
  update_profile: updateProfile,
  get_profile: getProfile,
  get_profiles: getProfiles,
};
