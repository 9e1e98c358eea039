import { randomUUID } from 'node:crypto';
import { matchesCondition, parseFilter } from '../filter.ts';
import { invalid, KlaviyoError, notFound, paginate } from '../jsonapi.ts';
import type { Account } from '../store/account.ts';
import { REMOVED_BY_SUBSCRIBE, subscribed, unsubscribed } from '../store/consent.ts';
import type { Job, JobError, JobOutcome } from '../store/jobs.ts';
import type { KlaviyoList } from '../store/lists.ts';
import { checkProfileInput, EMAIL, type Profile } from '../store/profiles.ts';
import {
  bulkEntries,
  collection,
  type JsonObject,
  type OpContext,
  type OpHandler,
  requireData,
  single,
} from './context.ts';

/** "Maximum number of profiles can be submitted for subscription: 1000" (bulk_subscribe_profiles). */
export const MAX_PROFILES_PER_SUBSCRIBE_JOB = 1_000;
/** "Maximum number of profiles per call: 100" (bulk_unsubscribe_profiles). */
export const MAX_PROFILES_PER_UNSUBSCRIBE_JOB = 100;
/** "Email address per request limit: 100" (bulk_suppress_profiles, bulk_unsuppress_profiles). */
export const MAX_EMAILS_PER_SUPPRESSION_JOB = 100;

const SUBSCRIBE_JOB = 'profile-subscription-bulk-create-job';
const UNSUBSCRIBE_JOB = 'profile-subscription-bulk-delete-job';
const SUPPRESS_JOB = 'profile-suppression-bulk-create-job';
const UNSUPPRESS_JOB = 'profile-suppression-bulk-delete-job';

/** What each channel of `subscriptions` may carry here; everything else the spec allows is not emulated. */
const EMULATED: Record<string, readonly string[]> = { email: ['marketing'], sms: ['marketing', 'transactional'] };

type Channel = 'email' | 'sms' | 'smsTransactional';

interface PlannedEntry {
  id?: string;
  identity: { email?: string; phone_number?: string };
  channels: Channel[];
  consentedAt: Partial<Record<Channel, string>>;
}

function entryPointer(i: number): string {
  return `/data/attributes/profiles/data/${i}`;
}

function listOf(ctx: OpContext, d: JsonObject): KlaviyoList | undefined {
  const rel = (d.relationships as JsonObject | undefined)?.list as { data?: { id?: unknown } } | undefined;
  const id = rel?.data?.id;
  if (id === undefined) return undefined;
  if (typeof id !== 'string') throw invalid("'id' must be a string.", { pointer: '/data/relationships/list/data/id' });
  return ctx.account.lists.require(id);
}

function notEmulated(pointer: string, what: string): KlaviyoError {
  return invalid(`${what} is not emulated: this emulator serves email and SMS consent only.`, { pointer });
}

/**
 * Checks one subscribe / unsubscribe entry and returns what the job will do with it. Each channel needs its
 * identifier (email for email, an E.164 phone number for SMS); `consented_at` only with a historical import,
 * and then required and in the past.
 */
function planEntry(
  ctx: OpContext,
  entry: JsonObject,
  i: number,
  mode: { isSubscribe: boolean; isHistorical: boolean },
): PlannedEntry {
  const base = entryPointer(i);
  const a = (entry.attributes as JsonObject | undefined) ?? {};
  const id = typeof entry.id === 'string' && entry.id !== '' ? entry.id : undefined;
  const identity: PlannedEntry['identity'] = {};
  if (typeof a.email === 'string') identity.email = a.email;
  if (typeof a.phone_number === 'string') identity.phone_number = a.phone_number;
  checkProfileInput({ attributes: identity }, base, { needsIdentifier: false });
  if (!identity.email && !identity.phone_number) {
    throw invalid('Either email or phone_number is required.', { pointer: `${base}/attributes` });
  }
  if (id && !ctx.account.profiles.get(id)) throw notFound(`A profile with id '${id}' does not exist.`);
  const subs = (a.subscriptions as JsonObject | undefined) ?? {};
  const channels: Channel[] = [];
  const consentedAt: PlannedEntry['consentedAt'] = {};
  for (const [channel, byKind] of Object.entries(subs)) {
    const pointer = `${base}/attributes/subscriptions/${channel}`;
    const kinds = EMULATED[channel];
    if (!kinds) throw notEmulated(pointer, `The '${channel}' channel`);
    if (channel === 'email' && !identity.email) {
      throw invalid('An email address is required for the email channel.', { pointer: `${base}/attributes/email` });
    }
    if (channel === 'sms' && !identity.phone_number) {
      throw invalid('A phone number in E.164 format is required for the SMS channel.', {
        pointer: `${base}/attributes/phone_number`,
      });
    }
    for (const [kind, params] of Object.entries((byKind as JsonObject | null) ?? {})) {
      if (!kinds.includes(kind)) throw notEmulated(`${pointer}/${kind}`, `'${channel}.${kind}'`);
      const c: Channel = channel === 'email' ? 'email' : kind === 'marketing' ? 'sms' : 'smsTransactional';
      channels.push(c);
      if (!mode.isSubscribe) continue;
      const at = (params as JsonObject | null)?.consented_at;
      const atPointer = `${pointer}/${kind}/consented_at`;
      if (!mode.isHistorical) {
        if (at !== undefined && at !== null) {
          // SubscriptionParameters.consented_at: "if the historical_import flag is not included, providing any
          // value for this field will raise an error."
          throw invalid("'consented_at' may only be provided when 'historical_import' is true.", {
            pointer: atPointer,
          });
        }
        continue;
      }
      const t = typeof at === 'string' ? Date.parse(at) : Number.NaN;
      if (Number.isNaN(t) || t > ctx.nowMs) {
        throw invalid("'consented_at' is required and must be in the past when 'historical_import' is true.", {
          pointer: atPointer,
        });
      }
      consentedAt[c] = new Date(t).toISOString();
    }
  }
  return { id, identity, channels, consentedAt };
}

/** Finds the profile an entry names (by id, email or phone) or creates it; a conflict is a job error. */
function resolveProfile(account: Account, p: PlannedEntry, now: string): Profile {
  return account.profiles.upsert({ id: p.id, attributes: p.identity }, now).profile;
}

function jobError(e: unknown, i: number): JobError {
  if (!(e instanceof KlaviyoError)) throw e;
  return {
    id: randomUUID(),
    code: e.code,
    title: e.title,
    detail: e.detail,
    source: { pointer: entryPointer(i) },
  };
}

function runEach(planned: PlannedEntry[], apply: (p: PlannedEntry, now: string) => void): JobOutcome {
  const now = new Date().toISOString();
  const errors: JobError[] = [];
  planned.forEach((p, i) => {
    try {
      apply(p, now);
    } catch (e) {
      errors.push(jobError(e, i));
    }
  });
  return { completed: planned.length - errors.length, failed: errors.length, errors, resultIds: [] };
}

const bulkSubscribeProfiles: OpHandler = (ctx) => {
  const d = requireData(ctx.body, SUBSCRIBE_JOB);
  const attributes = (d.attributes as JsonObject | undefined) ?? {};
  const entries = bulkEntries(d, 'profiles');
  if (entries.length > MAX_PROFILES_PER_SUBSCRIBE_JOB) {
    throw invalid(
      `A subscription job can contain at most ${MAX_PROFILES_PER_SUBSCRIBE_JOB} profiles (got ${entries.length}).`,
      { pointer: '/data/attributes/profiles/data' },
    );
  }
  const isHistorical = attributes.historical_import === true;
  const customSource = typeof attributes.custom_source === 'string' ? attributes.custom_source : null;
  const planned = entries.map((e, i) => planEntry(ctx, e, i, { isSubscribe: true, isHistorical }));
  const list = listOf(ctx, d);
  const account = ctx.account;
  // "If a list is not provided, the opt-in process used will be determined by the account-level default
  // opt-in setting"; a historical import bypasses double opt-in either way.
  const optIn = list ? list.opt_in_process : account.settings.defaultOptIn;
  const needsConfirmation = optIn === 'double_opt_in' && !isHistorical;
  account.jobs.create(SUBSCRIBE_JOB, planned.length, ctx.nowMs, () =>
    runEach(planned, (p, now) => {
      if (list && !account.lists.get(list.id)) throw notFound(`A list with id '${list.id}' does not exist.`);
      const profile = resolveProfile(account, p, now);
      if (needsConfirmation) {
        // A double opt-in list (or, with no list, the account's default opt-in, double unless set otherwise)
        // sends a confirmation first, "the same for both email and SMS subscribers"; the emulator never
        // confirms, so every channel stays pending, no suppression is lifted and the profile joins no list.
        for (const c of p.channels)
          account.pendingDoubleOptIns.push({
            profileId: profile.id,
            listId: list?.id ?? null,
            channel: c,
            requestedAt: now,
          });
        profile.updated = now;
        return;
      }
      for (const c of p.channels) {
        profile.consent[c] = subscribed(p.consentedAt[c] ?? now, now, customSource, c === 'email');
        if (c === 'email') {
          profile.consent.suppression = profile.consent.suppression.filter((s) => !REMOVED_BY_SUBSCRIBE.has(s.reason));
          if (list)
            profile.consent.listSuppressions = profile.consent.listSuppressions.filter((s) => s.list_id !== list.id);
        }
      }
      if (list && p.channels.length > 0) account.lists.add(list, profile.id, now);
      profile.updated = now;
    }),
  );
  return { status: 202 };
};

const bulkUnsubscribeProfiles: OpHandler = (ctx) => {
  const d = requireData(ctx.body, UNSUBSCRIBE_JOB);
  const entries = bulkEntries(d, 'profiles');
  if (entries.length > MAX_PROFILES_PER_UNSUBSCRIBE_JOB) {
    throw invalid(
      `An unsubscription job can contain at most ${MAX_PROFILES_PER_UNSUBSCRIBE_JOB} profiles (got ${entries.length}).`,
      { pointer: '/data/attributes/profiles/data' },
    );
  }
  const planned = entries.map((e, i) => planEntry(ctx, e, i, { isSubscribe: false, isHistorical: false }));
  const list = listOf(ctx, d);
  const account = ctx.account;
  const isAlwaysGlobal = account.settings.listUnsubscribe === 'global';
  account.jobs.create(UNSUBSCRIBE_JOB, planned.length, ctx.nowMs, () =>
    runEach(planned, (p, now) => {
      const profile = resolveProfile(account, p, now);
      const liveList = list ? account.lists.get(list.id) : undefined;
      const wasMember = liveList ? liveList.members.has(profile.id) : false;
      for (const c of p.channels) {
        if (c === 'email' && liveList && wasMember && !isAlwaysGlobal) {
          // A member of the given list is unsubscribed from that list only: a list suppression, consent kept.
          profile.consent.listSuppressions = [
            ...profile.consent.listSuppressions.filter((s) => s.list_id !== liveList.id),
            { list_id: liveList.id, reason: 'UNSUBSCRIBE', timestamp: now },
          ];
          continue;
        }
        // No list, or "Profiles not in the specified list will be globally unsubscribed"; SMS is always global.
        profile.consent[c] = unsubscribed(now);
        if (c === 'email') {
          profile.consent.suppression = [
            ...profile.consent.suppression.filter((s) => s.reason !== 'UNSUBSCRIBE'),
            { reason: 'UNSUBSCRIBE', timestamp: now },
          ];
        }
      }
      // "All profiles will be removed from the provided list."
      if (liveList) account.lists.remove(liveList, profile.id);
      profile.updated = now;
    }),
  );
  return { status: 202 };
};

// ---- suppressions ------------------------------------------------------------------------------------------

interface SuppressionTarget {
  emails: string[];
  list?: KlaviyoList;
}

function suppressionTarget(ctx: OpContext, d: JsonObject): SuppressionTarget {
  const a = (d.attributes as JsonObject | undefined) ?? {};
  const rel = (d.relationships as JsonObject | undefined) ?? {};
  const profiles = (a.profiles as { data?: unknown } | null | undefined)?.data;
  const hasProfiles = Array.isArray(profiles);
  const listId = (rel.list as { data?: { id?: unknown } } | undefined)?.data?.id;
  const segmentId = (rel.segment as { data?: { id?: unknown } } | undefined)?.data?.id;
  const given = [hasProfiles, listId !== undefined, segmentId !== undefined].filter(Boolean).length;
  if (given !== 1) {
    // The docs say "by email address or specify a segment/list ID"; more or fewer than one is refused.
    throw invalid('Provide exactly one of profiles, a list or a segment.', { pointer: '/data' });
  }
  if (segmentId !== undefined) {
    // Segments are not emulated, so no segment id exists here.
    throw notFound(`A segment with id '${String(segmentId)}' does not exist.`);
  }
  if (listId !== undefined) return { emails: [], list: ctx.account.lists.require(String(listId)) };
  const entries = profiles as JsonObject[];
  if (entries.length > MAX_EMAILS_PER_SUPPRESSION_JOB) {
    throw invalid(`At most ${MAX_EMAILS_PER_SUPPRESSION_JOB} email addresses per request (got ${entries.length}).`, {
      pointer: '/data/attributes/profiles/data',
    });
  }
  const emails = entries.map((e, i) => {
    const email = (e.attributes as JsonObject | undefined)?.email;
    if (typeof email !== 'string' || !EMAIL.test(email))
      throw invalid('Invalid email address.', { pointer: `${entryPointer(i)}/attributes/email` });
    return email;
  });
  return { emails, list: undefined };
}

function suppressionJobResource(job: Job, baseUrl: string, path: string): JsonObject {
  const self = `${baseUrl}/api/${path}/${job.id}`;
  const listIds = job.listIds ?? [];
  return {
    type: job.type,
    id: job.id,
    attributes: {
      status: job.status,
      created_at: job.created_at,
      total_count: job.total_count,
      completed_count: job.completed_count,
      completed_at: job.completed_at,
      skipped_count: job.failed_count,
    },
    relationships: {
      lists: {
        data: listIds.map((id) => ({ type: 'list', id })),
        links: { self: `${self}/relationships/lists`, related: `${self}/lists` },
      },
      segments: { data: [], links: { self: `${self}/relationships/segments`, related: `${self}/segments` } },
    },
    links: { self },
  };
}

function suppressionJob(kind: 'create' | 'delete'): OpHandler {
  const type = kind === 'create' ? SUPPRESS_JOB : UNSUPPRESS_JOB;
  const path = kind === 'create' ? 'profile-suppression-bulk-create-jobs' : 'profile-suppression-bulk-delete-jobs';
  return (ctx) => {
    const d = requireData(ctx.body, type);
    const target = suppressionTarget(ctx, d);
    const account = ctx.account;
    // A list stands for its members when the request is made: captured once, so total_count and the profiles
    // processed agree (members joining later are not suppressed by this job).
    const memberIds = target.list ? [...target.list.members.keys()] : [];
    const total = target.list ? memberIds.length : target.emails.length;
    const job = account.jobs.create(type, total, ctx.nowMs, () => {
      const now = new Date().toISOString();
      const profiles: Array<Profile | undefined> = target.list
        ? memberIds.map((id) => account.profiles.get(id))
        : target.emails.map((email) =>
            kind === 'create'
              ? // "If a profile is not found with the given email, one will be created and immediately suppressed."
                account.profiles.upsert({ attributes: { email } }, now).profile
              : // "If a profile is not found with the given email, no action will be taken."
                account.profiles.findBy('email', email),
          );
      let skipped = 0;
      for (const p of profiles) {
        if (!p || typeof p.attributes.email !== 'string') {
          skipped++;
          continue;
        }
        const hasManual = p.consent.suppression.some((s) => s.reason === 'USER_SUPPRESSED');
        if (kind === 'create' && !hasManual) {
          p.consent.suppression = [...p.consent.suppression, { reason: 'USER_SUPPRESSED', timestamp: now }];
        } else if (kind === 'delete' && hasManual) {
          // "This only removes suppressions with reason USER_SUPPRESSED".
          p.consent.suppression = p.consent.suppression.filter((s) => s.reason !== 'USER_SUPPRESSED');
        } else {
          skipped++;
          continue;
        }
        p.updated = now;
      }
      return { completed: profiles.length - skipped, failed: skipped, errors: [], resultIds: [] };
    });
    job.listIds = target.list ? [target.list.id] : [];
    return single(202, suppressionJobResource(job, ctx.baseUrl, path), `${ctx.baseUrl}/api/${path}`);
  };
}

function getSuppressionJob(kind: 'create' | 'delete'): OpHandler {
  const type = kind === 'create' ? SUPPRESS_JOB : UNSUPPRESS_JOB;
  const path = kind === 'create' ? 'profile-suppression-bulk-create-jobs' : 'profile-suppression-bulk-delete-jobs';
  return (ctx) => {
    const job = ctx.account.jobs.jobs.get(ctx.params.job_id);
    if (!job || job.type !== type) throw notFound(`A job with id '${ctx.params.job_id}' does not exist.`);
    ctx.account.jobs.poll(job, ctx.nowMs);
    return single(200, suppressionJobResource(job, ctx.baseUrl, path), `${ctx.baseUrl}/api/${path}/${job.id}`);
  };
}

function listSuppressionJobs(kind: 'create' | 'delete'): OpHandler {
  const type = kind === 'create' ? SUPPRESS_JOB : UNSUPPRESS_JOB;
  const path = kind === 'create' ? 'profile-suppression-bulk-create-jobs' : 'profile-suppression-bulk-delete-jobs';
  return (ctx) => {
    let jobs = [...ctx.account.jobs.jobs.values()].filter((j) => j.type === type);
    const filter = ctx.url.searchParams.get('filter');
    if (filter) {
      const conditions = parseFilter(filter);
      jobs = jobs.filter((j) =>
        conditions.every((c) => {
          if (c.field === 'status') return matchesCondition(j.status, c);
          if (c.field === 'list_id') return (j.listIds ?? []).some((id) => matchesCondition(id, c));
          return false;
        }),
      );
    }
    const sort = ctx.url.searchParams.get('sort');
    if (sort === '-created') jobs.reverse();
    const { page, links } = paginate(jobs, ctx.url, 20);
    return collection(
      page.map((j) => suppressionJobResource(j, ctx.baseUrl, path)),
      links,
    );
  };
}

export const subscriptionHandlers: Record<string, OpHandler> = {
  bulk_subscribe_profiles: bulkSubscribeProfiles,
  bulk_unsubscribe_profiles: bulkUnsubscribeProfiles,
  bulk_suppress_profiles: suppressionJob('create'),
  bulk_unsuppress_profiles: suppressionJob('delete'),
  get_bulk_suppress_profiles_job: getSuppressionJob('create'),
  get_bulk_suppress_profiles_jobs: listSuppressionJobs('create'),
  get_bulk_unsuppress_profiles_job: getSuppressionJob('delete'),
  get_bulk_unsuppress_profiles_jobs: listSuppressionJobs('delete'),
};
