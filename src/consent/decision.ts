import type { KlaviyoChannelState, KlaviyoConsentState } from '../klaviyo/consent.ts';
import type { ChannelIntent } from '../mapping/consent.ts';

export type ConsentDecision =
  | { kind: 'subscribe'; consentedAt: string }
  | { kind: 'unsubscribe' }
  /** Nothing to change; `ensureListMember`: already subscribed, so the profile only needs to be on the list. */
  | { kind: 'unchanged'; ensureListMember?: boolean; reason?: string }
  | { kind: 'skip'; reason: string };

/** Suppressions that mean the person opted out; subscribing lifts them, so only a newer consent may. */
const OPT_OUT_REASONS = new Set(['UNSUBSCRIBE', 'SPAM_REPORT', 'SPAM_COMPLAINT', 'USER_SUPPRESSED']);
/** How far a consent time may be ahead of this clock and still be taken as now (clock skew). */
export const MAX_CLOCK_SKEW_MS = 3_600_000;

const ms = (t: string | undefined): number => (t === undefined ? Number.NaN : Date.parse(t));

/** The latest time this person opted out of the channel in Klaviyo (unsubscribed, or suppressed), if ever. */
function lastOptOut(state: KlaviyoChannelState, listId: string): { at: number; what: string } | undefined {
  let latest: { at: number; what: string } | undefined;
  const consider = (t: string | undefined, what: string) => {
    const at = ms(t);
    // An opt-out whose time Klaviyo does not give counts as newer than anything.
    const when = Number.isNaN(at) ? Number.POSITIVE_INFINITY : at;
    if (!latest || when > latest.at) latest = { at: when, what };
  };
  if (state.consent === 'UNSUBSCRIBED') consider(state.consentTimestamp, 'unsubscribed');
  for (const s of state.suppressions)
    if (OPT_OUT_REASONS.has(s.reason)) consider(s.timestamp, `suppressed (${s.reason})`);
  for (const s of state.listSuppressions)
    if (s.listId === listId) consider(s.timestamp, `unsubscribed from the list (${s.reason})`);
  return latest;
}

const when = (at: number) => (Number.isFinite(at) ? new Date(at).toISOString() : 'an unknown time');

/**
 * What to do with one channel of one profile, given commercetools' intent and Klaviyo's current state. The rules
 * (README, "Consent"): never re-subscribe someone whose opt-out in Klaviyo is as new as or newer than the consent
 * commercetools records (or when commercetools records no consent time at all); an opt-out only ever concerns
 * members of the list, and a newer subscription in Klaviyo wins over an older opt-out; whatever already holds is
 * left unchanged, so a re-run changes nothing.
 */
export function decideConsent(
  intent: ChannelIntent,
  state: KlaviyoConsentState | undefined,
  context: { listId: string; isListMember?: boolean; nowMs: number },
): ConsentDecision {
  const channel = state?.[intent.channel];
  const ctAt = ms(intent.at);
  if (intent.action === 'subscribe') {
    const undeliverable = channel?.suppressions.find((s) => !OPT_OUT_REASONS.has(s.reason));
    if (undeliverable)
      return {
        kind: 'skip',
        reason: `suppressed in Klaviyo (${undeliverable.reason} since ${undeliverable.timestamp ?? 'an unknown time'}), which subscribing does not lift`,
      };
    const optOut = channel ? lastOptOut(channel, context.listId) : undefined;
    if (optOut) {
      if (Number.isNaN(ctAt))
        return {
          kind: 'skip',
          reason: `${optOut.what} in Klaviyo at ${when(optOut.at)}, and commercetools records no consent time that shows its consent is newer`,
        };
      if (optOut.at >= ctAt)
        return {
          kind: 'skip',
          reason: `${optOut.what} in Klaviyo at ${when(optOut.at)}, after the commercetools consent of ${intent.at}`,
        };
    } else if (channel?.consent === 'SUBSCRIBED') {
      return { kind: 'unchanged', ensureListMember: true };
    }
    const at = Number.isNaN(ctAt) ? ms(intent.fallbackAt) : ctAt;
    if (Number.isNaN(at)) return { kind: 'skip', reason: 'the consent has no time to send to Klaviyo' };
    if (at > context.nowMs + MAX_CLOCK_SKEW_MS)
      return { kind: 'skip', reason: `the consent time ${new Date(at).toISOString()} is in the future` };
    // Klaviyo requires consented_at in the past: a time a moment ahead (clock skew) is sent as a second ago.
    return { kind: 'subscribe', consentedAt: new Date(Math.min(at, context.nowMs - 1000)).toISOString() };
  }
  if (!context.isListMember)
    return {
      kind: 'unchanged',
      reason: 'an opt-out, but the profile is not on the consent list (an opt-out only unsubscribes from that list)',
    };
  const klaviyoAt = ms(channel?.consentTimestamp);
  if (channel?.consent === 'SUBSCRIBED' && !Number.isNaN(ctAt) && !Number.isNaN(klaviyoAt) && klaviyoAt > ctAt)
    return {
      kind: 'skip',
      reason: `subscribed in Klaviyo at ${channel.consentTimestamp}, after the commercetools opt-out of ${intent.at}`,
    };
  return { kind: 'unsubscribe' };
}
