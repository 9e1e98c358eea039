import type { BatchEntry, ConsentResult, RecordOutcome } from '../core/record-outcome.ts';
import {
  addProfilesToList,
  type ConsentEntry,
  type KlaviyoConsentState,
  listMembers,
  readConsentStates,
  subscribeProfiles,
  unsubscribeProfiles,
} from '../klaviyo/consent.ts';
import type { KlaviyoHttp } from '../klaviyo/http.ts';
import type { ChannelIntent, ConsentConfig, ConsentIntent } from '../mapping/consent.ts';
import { type ConsentDecision, decideConsent } from './decision.ts';

/** A record (customer or guest order) whose consent is to be synced, after its profile or events landed. */
export interface ConsentCandidate {
  recordId: string;
  intent: ConsentIntent;
}

export interface ConsentSyncOptions {
  /** How the profiles are found in Klaviyo: customers by external id (their customer id), guests by email. */
  by: 'external_id' | 'email';
  /** Decide from Klaviyo's current state, change nothing (a dry run). */
  dryRun?: boolean;
  /**
   * Add an already subscribed profile to the list only if it is not on it (one more read). Real time sets it:
   * adding to a list is limited to 150 calls a minute, too few for one call per customer message. Bulk adds
   * 1,000 a call without looking.
   */
  checkListMembership?: boolean;
  signal?: AbortSignal;
  nowMs?: number;
}

const RESULT_OF: Record<ConsentDecision['kind'], ConsentResult['result']> = {
  subscribe: 'subscribed',
  unsubscribe: 'unsubscribed',
  unchanged: 'unchanged',
  skip: 'skipped',
};

function keyOf(intent: ConsentIntent, by: ConsentSyncOptions['by']): string | undefined {
  return by === 'external_id' ? intent.externalId : intent.email?.toLowerCase();
}

/**
 * Which of these people are on the list, looked up by email (else phone, for those without one) with
 * get_profiles_for_list, 100 a request.
 */
async function listMembership(
  http: KlaviyoHttp,
  listId: string,
  intents: ConsentIntent[],
  signal?: AbortSignal,
): Promise<(i: ConsentIntent) => boolean> {
  const emails = await listMembers(
    http,
    listId,
    'email',
    intents.flatMap((i) => (i.email ? [i.email] : [])),
    signal,
  );
  const phones = await listMembers(
    http,
    listId,
    'phone_number',
    intents.flatMap((i) => (!i.email && i.phone ? [i.phone] : [])),
    signal,
  );
  return (i) => (i.email ? emails.has(i.email.toLowerCase()) : i.phone !== undefined && phones.has(i.phone));
}

const intentMs = (c: ChannelIntent) => Date.parse(c.at ?? c.fallbackAt) || 0;

/**
 * Syncs the consent of a batch of records, with the rules of consent-decision: Klaviyo's current consent of every
 * profile concerned is read first (100 per request), then the consenting are subscribed to the list as a
 * historical import (1,000 per job), those already subscribed are only added to the list, and explicit opt-outs
 * of list members are unsubscribed from the list (100 per job). Records naming the same profile (a guest's
 * orders) are decided once, by the newest. Returns each record's results by channel.
 */
export async function syncConsent(
  http: KlaviyoHttp,
  config: ConsentConfig,
  candidates: ConsentCandidate[],
  options: ConsentSyncOptions,
): Promise<Map<string, ConsentResult[]>> {
  const results = new Map<string, ConsentResult[]>();
  const push = (recordId: string, r: ConsentResult) => {
    const list = results.get(recordId) ?? [];
    list.push(r);
    results.set(recordId, list);
  };
  for (const c of candidates)
    for (const s of c.intent.skipped) push(c.recordId, { channel: s.channel, result: 'skipped', reason: s.reason });

  // One decision per profile and channel: the newest intent among the records naming it.
  const chosen = new Map<string, { candidate: ConsentCandidate; intent: ChannelIntent }>();
  for (const c of candidates) {
    const key = keyOf(c.intent, options.by);
    for (const intent of c.intent.channels) {
      if (!key) continue;
      const slot = `${key}\u0000${intent.channel}`;
      const previous = chosen.get(slot);
      const isNewer = !previous || intentMs(intent) >= intentMs(previous.intent);
      const outdone = isNewer ? previous?.candidate : c;
      if (outdone)
        push(outdone.recordId, {
          channel: intent.channel,
          result: 'unchanged',
          reason: 'a newer record of the same profile decides',
        });
      if (isNewer) chosen.set(slot, { candidate: c, intent });
    }
  }
  if (chosen.size === 0) return results;

  const keys = [...new Set([...chosen.values()].map((x) => keyOf(x.candidate.intent, options.by) as string))];
  const states = await readConsentStates(http, options.by, keys, options.signal);
  const stateOf = (c: ConsentCandidate): KlaviyoConsentState | undefined =>
    states.get(keyOf(c.intent, options.by) as string);

  // An opt-out only concerns members of the list: Klaviyo would unsubscribe anyone else from everything.
  const optOuts = [...chosen.values()].filter((x) => x.intent.action === 'unsubscribe' && stateOf(x.candidate));
  const isMember = await listMembership(
    http,
    config.listId,
    optOuts.map((x) => x.candidate.intent),
    options.signal,
  );

  const nowMs = options.nowMs ?? Date.now();
  const subscribe = new Map<string, ConsentEntry>();
  const unsubscribe = new Map<string, ConsentEntry>();
  /** Profiles already subscribed, to be on the list: profile id → the identity to look its membership up by. */
  const toList = new Map<string, ConsentIntent>();
  const decided: Array<{ recordId: string; channel: ChannelIntent['channel']; decision: ConsentDecision }> = [];
  for (const { candidate, intent } of chosen.values()) {
    const state = stateOf(candidate);
    const decision = decideConsent(intent, state, {
      listId: config.listId,
      isListMember: state !== undefined && isMember(candidate.intent),
      nowMs,
    });
    decided.push({ recordId: candidate.recordId, channel: intent.channel, decision });
    const entryOf = (into: Map<string, ConsentEntry>) => {
      const existing = into.get(candidate.recordId);
      if (existing) return existing;
      const e: ConsentEntry = {
        recordId: candidate.recordId,
        profileId: state?.profileId,
        email: candidate.intent.email,
        phone: candidate.intent.phone,
        channels: {},
      };
      into.set(candidate.recordId, e);
      return e;
    };
    if (decision.kind === 'subscribe') entryOf(subscribe).channels[intent.channel] = decision.consentedAt;
    else if (decision.kind === 'unsubscribe') entryOf(unsubscribe).channels[intent.channel] = true;
    else if (decision.kind === 'unchanged' && decision.ensureListMember && state)
      toList.set(state.profileId, candidate.intent);
  }

  const refusedReasons = new Map<string, string>();
  if (!options.dryRun) {
    const refused = [
      ...(await subscribeProfiles(http, config.listId, [...subscribe.values()], options.signal)).map((r) => ({
        ...r,
        what: 'subscription',
      })),
      ...(await unsubscribeProfiles(http, config.listId, [...unsubscribe.values()], options.signal)).map((r) => ({
        ...r,
        what: 'unsubscription',
      })),
    ];
    for (const r of refused)
      refusedReasons.set(r.entry.recordId, `Klaviyo refused the ${r.what}: ${r.detail} (${r.code})`);
    let missing = [...toList.keys()];
    if (options.checkListMembership && missing.length) {
      const isOnList = await listMembership(http, config.listId, [...toList.values()], options.signal);
      missing = [...toList].flatMap(([profileId, i]) => (isOnList(i) ? [] : [profileId]));
    }
    await addProfilesToList(http, config.listId, missing, options.signal);
  }
  for (const d of decided) {
    const refusal = refusedReasons.get(d.recordId);
    const isWrite = d.decision.kind === 'subscribe' || d.decision.kind === 'unsubscribe';
    if (refusal && isWrite) push(d.recordId, { channel: d.channel, result: 'failed', reason: refusal });
    else
      push(d.recordId, {
        channel: d.channel,
        result: RESULT_OF[d.decision.kind],
        ...('reason' in d.decision && d.decision.reason ? { reason: d.decision.reason } : {}),
      });
  }
  return results;
}

/**
 * Attaches each record's consent results to its outcome. A record whose subscription or unsubscription Klaviyo
 * refused fails, with the reason (its profile or events did land; a retry sends them again, harmlessly).
 */
export function withConsent(outcomes: RecordOutcome[], results: ReadonlyMap<string, ConsentResult[]>): RecordOutcome[] {
  return outcomes.map((o) => {
    const consent = results.get(o.id);
    if (!consent) return o;
    const failed = consent.filter((r) => r.result === 'failed');
    if (o.outcome === 'succeeded' && failed.length > 0)
      return {
        id: o.id,
        outcome: 'failed',
        reason: failed.map((r) => `${r.channel} consent: ${r.reason}`).join('; '),
        code: 'consent_refused',
        consent,
      };
    return { ...o, consent };
  });
}

/** The records of a batch whose items carry a consent intent. */
export function consentCandidates(batch: ReadonlyArray<BatchEntry<{ consent?: ConsentIntent }>>): ConsentCandidate[] {
  return batch.flatMap((b) => (b.item.consent ? [{ recordId: b.id, intent: b.item.consent }] : []));
}

/**
 * Once a batch is written (its profiles or events landed): the consent of the records that landed, synced and
 * attached to their outcomes. Records that failed keep their outcome and send no consent.
 */
export async function syncConsentOfLanded(
  http: KlaviyoHttp,
  config: ConsentConfig,
  candidates: ConsentCandidate[],
  outcomes: RecordOutcome[],
  options: Omit<ConsentSyncOptions, 'dryRun'>,
): Promise<RecordOutcome[]> {
  if (candidates.length === 0) return outcomes;
  const landed = new Set(outcomes.flatMap((o) => (o.outcome === 'succeeded' ? [o.id] : [])));
  const results = await syncConsent(
    http,
    config,
    candidates.filter((c) => landed.has(c.recordId)),
    options,
  );
  return withConsent(outcomes, results);
}

/** A dry run's outcomes for a batch: every record succeeds, with the consent it would get (read, not written). */
export async function dryRunConsent(
  http: KlaviyoHttp,
  config: ConsentConfig,
  batch: ReadonlyArray<BatchEntry<{ consent?: ConsentIntent }>>,
  options: Omit<ConsentSyncOptions, 'dryRun'>,
): Promise<RecordOutcome[]> {
  const results = await syncConsent(http, config, consentCandidates(batch), { ...options, dryRun: true });
  return withConsent(
    batch.map((b) => ({ id: b.id, outcome: 'succeeded' as const })),
    results,
  );
}
