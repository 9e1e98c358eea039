import { matchesCondition, parseFilter } from '../filter.ts';
import { invalid, paginate } from '../jsonapi.ts';
import type { Account } from '../store/account.ts';
import {
  checkEventInput,
  type EventAttributesInput,
  eventResource,
  ingestionProblem,
  type StoredEvent,
} from '../store/events.ts';
import { checkProfileInput, type ProfileInput } from '../store/profiles.ts';
import { bulkEntries, collection, type JsonObject, type OpHandler, requireData } from './context.ts';

export const MAX_EVENTS_PER_BULK_REQUEST = 1_000;

function profileOf(a: JsonObject, pointer: string): ProfileInput {
  const data = (a.profile as { data?: JsonObject } | undefined)?.data;
  if (data?.type !== 'profile') throw invalid("'profile' is a required field.", { pointer });
  return {
    id: data.id as string | undefined,
    attributes: (data.attributes as JsonObject | undefined) ?? {},
    meta: data.meta as JsonObject | undefined,
  };
}

/** Which profile an input names: an existing profile's id, or a stable key of its first identifier. */
function identityKey(account: Account, p: ProfileInput): string {
  if (p.id) return `id:${p.id}`;
  const a = p.attributes ?? {};
  for (const field of ['external_id', 'email', 'phone_number'] as const) {
    const v = a[field];
    if (typeof v !== 'string' || v === '') continue;
    const existing = account.profiles.findBy(field, v);
    if (existing) return `id:${existing.id}`;
  }
  for (const field of ['external_id', 'email', 'phone_number'] as const) {
    const v = a[field];
    if (typeof v === 'string' && v !== '') return `${field}:${field === 'email' ? v.toLowerCase() : v}`;
  }
  return `anon:${JSON.stringify(a)}`;
}

const createEvent: OpHandler = (ctx) => {
  const d = requireData(ctx.body, 'event');
  const a = (d.attributes as JsonObject | undefined) ?? {};
  checkEventInput(a as EventAttributesInput, '/data/attributes', ctx.nowMs);
  const problem = ingestionProblem(a as EventAttributesInput, '/data/attributes', ctx.nowMs);
  if (problem) throw invalid(problem.detail, { pointer: problem.pointer });
  const profile = profileOf(a, '/data/attributes/profile');
  checkProfileInput(profile, '/data/attributes/profile/data', { needsIdentifier: true });
  const { profile: stored } = ctx.account.profiles.upsert(profile, ctx.nowIso, '/data/attributes/profile/data');
  ctx.account.events.add(stored.id, a as EventAttributesInput, ctx.nowIso);
  return { status: 202 };
};

/**
 * Bulk events: the whole request is validated first and fails as one (Klaviyo returns no job to report
 * per-event failures), including a unique_id repeated for the same profile and metric.
 */
const bulkCreateEvents: OpHandler = (ctx) => {
  const d = requireData(ctx.body, 'event-bulk-create-job');
  const entries = bulkEntries(d, 'events-bulk-create');
  const planned: Array<{ profile: ProfileInput; events: JsonObject[] }> = [];
  const seen = new Set<string>();
  let total = 0;
  entries.forEach((entry, i) => {
    const base = `/data/attributes/events-bulk-create/data/${i}`;
    if (entry.type !== 'event-bulk-create')
      throw invalid("'type' must be 'event-bulk-create'.", { pointer: `${base}/type` });
    const ea = (entry.attributes as JsonObject | undefined) ?? {};
    const profile = profileOf(ea, `${base}/attributes/profile`);
    checkProfileInput(profile, `${base}/attributes/profile/data`, { needsIdentifier: true });
    const events = (ea.events as { data?: unknown } | undefined)?.data;
    if (!Array.isArray(events))
      throw invalid("'events' is a required field.", { pointer: `${base}/attributes/events` });
    total += events.length;
    if (total > MAX_EVENTS_PER_BULK_REQUEST) {
      throw invalid(`A bulk request can contain at most ${MAX_EVENTS_PER_BULK_REQUEST} events.`, {
        pointer: '/data/attributes/events-bulk-create/data',
      });
    }
    const who = identityKey(ctx.account, profile);
    (events as JsonObject[]).forEach((ev, j) => {
      const pointer = `${base}/attributes/events/data/${j}/attributes`;
      const attrs = ((ev.attributes as JsonObject | undefined) ?? {}) as EventAttributesInput;
      checkEventInput(attrs, pointer, ctx.nowMs);
      if (attrs.unique_id !== undefined) {
        const key = `${who}|${attrs.metric?.data?.attributes?.name}|${attrs.unique_id}`;
        if (seen.has(key)) {
          throw invalid(
            `The unique_id '${attrs.unique_id}' is repeated for the same profile and metric in this request.`,
            { pointer: `${pointer}/unique_id` },
          );
        }
        seen.add(key);
      }
    });
    planned.push({
      profile,
      events: (events as JsonObject[]).map((ev) => ({
        ...(ev.attributes as JsonObject),
        backfill: (ev.attributes as JsonObject).backfill ?? ea.backfill,
      })),
    });
  });
  for (const { profile, events } of planned) {
    const { profile: stored } = ctx.account.profiles.upsert(profile, ctx.nowIso);
    for (const ev of events) {
      const attrs = ev as EventAttributesInput;
      // Accepted with the request, then dropped at ingestion: the caller never hears of it.
      const problem = ingestionProblem(attrs, '', ctx.nowMs);
      if (problem)
        ctx.account.events.dropped.push({
          metric: String(attrs.metric?.data?.attributes?.name),
          unique_id: attrs.unique_id,
          reason: problem.detail,
          at: ctx.nowIso,
        });
      else ctx.account.events.add(stored.id, attrs, ctx.nowIso);
    }
  }
  return { status: 202 };
};

function eventField(e: StoredEvent, field: string): unknown {
  switch (field) {
    case 'metric_id':
      return e.metricId;
    case 'profile_id':
      return e.profileId;
    case 'datetime':
      return e.datetime;
    case 'timestamp':
      return Math.floor(Date.parse(e.time) / 1000);
    case 'profile':
      return e.profileId;
    case 'metric':
      return e.metricId;
    default:
      return undefined;
  }
}

const getEvents: OpHandler = (ctx) => {
  let events = ctx.account.events.events;
  const filter = ctx.url.searchParams.get('filter');
  if (filter) {
    const conditions = parseFilter(filter);
    events = events.filter((e) => conditions.every((c) => matchesCondition(eventField(e, c.field), c)));
  }
  const { page, links } = paginate(events, ctx.url, 200);
  return collection(
    page.map((e) => eventResource(e, ctx.baseUrl)),
    links,
  );
};

export const eventHandlers: Record<string, OpHandler> = {
  create_event: createEvent,
  bulk_create_events: bulkCreateEvents,
  get_events: getEvents,
};
