import { describe, expect, it } from 'vitest';
import type { KlaviyoChannelState, KlaviyoConsentState } from '../klaviyo/consent.ts';
import type { ChannelIntent } from '../mapping/consent.ts';
import { decideConsent, MAX_CLOCK_SKEW_MS } from './decision.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const LIST = 'L1';
const empty = (): KlaviyoChannelState => ({ suppressions: [], listSuppressions: [] });
const state = (
  email: Partial<KlaviyoChannelState> = {},
  sms: Partial<KlaviyoChannelState> = {},
): KlaviyoConsentState => ({
  profileId: 'P1',
  email: { ...empty(), ...email },
  sms: { ...empty(), ...sms },
});
const subscribe = (at?: string, channel: 'email' | 'sms' = 'email'): ChannelIntent => ({
  channel,
  action: 'subscribe',
  ...(at ? { at } : {}),
  fallbackAt: '2026-05-01T00:00:00.000Z',
});
const optOut = (at?: string): ChannelIntent => ({
  channel: 'email',
  action: 'unsubscribe',
  ...(at ? { at } : {}),
  fallbackAt: '2026-05-01T00:00:00.000Z',
});
const ctx = { listId: LIST, nowMs: NOW };

describe('decideConsent: subscribing', () => {
  it('subscribes a profile Klaviyo does not have, or has never subscribed, at the commercetools consent time', () => {
    expect(decideConsent(subscribe('2025-01-02T03:04:05Z'), undefined, ctx)).toEqual({
      kind: 'subscribe',
      consentedAt: '2025-01-02T03:04:05.000Z',
    });
    expect(decideConsent(subscribe(), state({ consent: 'NEVER_SUBSCRIBED' }), ctx)).toEqual({
      kind: 'subscribe',
      consentedAt: '2026-05-01T00:00:00.000Z',
    });
  });

  it('leaves an already subscribed profile unchanged (only making sure it is on the list)', () => {
    expect(decideConsent(subscribe('2025-01-01T00:00:00Z'), state({ consent: 'SUBSCRIBED' }), ctx)).toEqual({
      kind: 'unchanged',
      ensureListMember: true,
    });
  });

  it('never re-subscribes when the Klaviyo opt-out is as new as or newer than the commercetools consent', () => {
    const unsubscribed = state({ consent: 'UNSUBSCRIBED', consentTimestamp: '2025-06-01T00:00:00Z' });
    expect(decideConsent(subscribe('2025-05-31T23:59:59Z'), unsubscribed, ctx)).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(
        /^unsubscribed in Klaviyo at 2025-06-01T00:00:00.000Z, after the commercetools consent/,
      ),
    });
    expect(decideConsent(subscribe('2025-06-01T00:00:00Z'), unsubscribed, ctx).kind).toBe('skip');
    // A consent given after the opt-out wins.
    expect(decideConsent(subscribe('2025-06-01T00:00:01Z'), unsubscribed, ctx)).toEqual({
      kind: 'subscribe',
      consentedAt: '2025-06-01T00:00:01.000Z',
    });
  });

  it('never re-subscribes an opted-out profile when commercetools records no consent time', () => {
    const d = decideConsent(
      subscribe(),
      state({ consent: 'UNSUBSCRIBED', consentTimestamp: '2001-01-01T00:00:00Z' }),
      ctx,
    );
    expect(d).toMatchObject({ kind: 'skip', reason: expect.stringMatching(/records no consent time/) });
  });

  it('counts suppressions and list suppressions of the consent list as opt-outs, with their times', () => {
    const suppressed = state({
      consent: 'SUBSCRIBED',
      suppressions: [{ reason: 'USER_SUPPRESSED', timestamp: '2025-03-01T00:00:00Z' }],
    });
    expect(decideConsent(subscribe('2025-02-01T00:00:00Z'), suppressed, ctx).kind).toBe('skip');
    expect(decideConsent(subscribe('2025-04-01T00:00:00Z'), suppressed, ctx).kind).toBe('subscribe');
    const listOptOut = state({
      consent: 'SUBSCRIBED',
      listSuppressions: [{ listId: LIST, reason: 'UNSUBSCRIBE', timestamp: '2025-03-01T00:00:00Z' }],
    });
    expect(decideConsent(subscribe('2025-02-01T00:00:00Z'), listOptOut, ctx)).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/unsubscribed from the list/),
    });
    // A suppression from another list is not an opt-out of this one.
    const otherList = state({
      consent: 'SUBSCRIBED',
      listSuppressions: [{ listId: 'other', reason: 'UNSUBSCRIBE', timestamp: '2025-03-01T00:00:00Z' }],
    });
    expect(decideConsent(subscribe('2025-02-01T00:00:00Z'), otherList, ctx).kind).toBe('unchanged');
    // An opt-out without a time counts as newer than any consent.
    const untimed = state({ consent: 'UNSUBSCRIBED' });
    expect(decideConsent(subscribe('2026-05-01T00:00:00Z'), untimed, ctx).kind).toBe('skip');
  });

  it('skips a profile suppressed for a reason subscribing does not lift', () => {
    const bounced = state({ suppressions: [{ reason: 'HARD_BOUNCE', timestamp: '2020-01-01T00:00:00Z' }] });
    expect(decideConsent(subscribe('2025-01-01T00:00:00Z'), bounced, ctx)).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/HARD_BOUNCE/),
    });
  });

  it('applies the SMS channel’s own consent, not the email one', () => {
    const s = state(
      { consent: 'UNSUBSCRIBED', consentTimestamp: '2026-01-01T00:00:00Z' },
      { consent: 'NEVER_SUBSCRIBED' },
    );
    expect(decideConsent(subscribe('2025-01-01T00:00:00Z', 'sms'), s, ctx).kind).toBe('subscribe');
    const smsOut = state({}, { consent: 'UNSUBSCRIBED', consentTimestamp: '2026-01-01T00:00:00Z' });
    expect(decideConsent(subscribe('2025-01-01T00:00:00Z', 'sms'), smsOut, ctx).kind).toBe('skip');
  });

  it('sends a time a moment ahead (clock skew) as a second ago, and refuses one far in the future', () => {
    const soon = new Date(NOW + 5_000).toISOString();
    expect(decideConsent(subscribe(soon), undefined, ctx)).toEqual({
      kind: 'subscribe',
      consentedAt: new Date(NOW - 1000).toISOString(),
    });
    const far = new Date(NOW + MAX_CLOCK_SKEW_MS + 1).toISOString();
    expect(decideConsent(subscribe(far), undefined, ctx)).toMatchObject({ kind: 'skip' });
  });
});

describe('decideConsent: opting out', () => {
  it('leaves a profile that is not on the list alone (Klaviyo would unsubscribe it everywhere)', () => {
    expect(
      decideConsent(optOut('2025-01-01T00:00:00Z'), state({ consent: 'SUBSCRIBED' }), { ...ctx, isListMember: false }),
    ).toMatchObject({
      kind: 'unchanged',
      reason: expect.stringMatching(/not on the consent list/),
    });
  });

  it('unsubscribes a list member, unless its Klaviyo subscription is newer than the opt-out', () => {
    const member = { ...ctx, isListMember: true };
    const subscribedIn2024 = state({ consent: 'SUBSCRIBED', consentTimestamp: '2024-01-01T00:00:00Z' });
    expect(decideConsent(optOut('2025-01-01T00:00:00Z'), subscribedIn2024, member)).toEqual({ kind: 'unsubscribe' });
    expect(decideConsent(optOut('2023-01-01T00:00:00Z'), subscribedIn2024, member)).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/subscribed in Klaviyo at .* after the commercetools opt-out/),
    });
    // Without an opt-out time, the opt-out wins: when in doubt, do not market.
    expect(decideConsent(optOut(), subscribedIn2024, member)).toEqual({ kind: 'unsubscribe' });
  });
});
