import { describe, expect, it } from 'vitest';
import { loadConsentConfig } from './consent-config.ts';

function load(env: Record<string, string>) {
  const problems: string[] = [];
  const settings = loadConsentConfig(env, problems);
  return { settings, problems };
}

describe('loadConsentConfig', () => {
  it('is empty when nothing is configured: consent is not synced', () => {
    expect(load({})).toEqual({ settings: {}, problems: [] });
  });

  it('reads each channel with its defaults: true subscribes, nothing unsubscribes', () => {
    const { settings, problems } = load({
      CONSENT_LIST_ID: 'Y6nRLr',
      CONSENT_EMAIL_FIELD: 'emailConsent',
      CONSENT_EMAIL_AT_FIELD: 'emailConsentAt',
      CONSENT_SMS_FIELD: 'smsStatus',
      CONSENT_SMS_SUBSCRIBED_VALUES: 'yes, double-yes',
      CONSENT_SMS_UNSUBSCRIBED_VALUES: 'no',
      CONSENT_ORDER_FIELD: 'marketingConsent',
      CUSTOMERS_LIST_ID: 'All123',
    });
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      consent: {
        listId: 'Y6nRLr',
        email: { field: 'emailConsent', subscribedValues: ['true'], unsubscribedValues: [], atField: 'emailConsentAt' },
        sms: { field: 'smsStatus', subscribedValues: ['yes', 'double-yes'], unsubscribedValues: ['no'] },
        guestOrder: { field: 'marketingConsent', subscribedValues: ['true'], unsubscribedValues: [] },
      },
      customersListId: 'All123',
    });
  });

  it('says what to fix: a field without a list, a list without a field, a value meaning both, stray settings', () => {
    expect(load({ CONSENT_EMAIL_FIELD: 'emailConsent' }).problems).toEqual([
      expect.stringMatching(/^CONSENT_LIST_ID is required with CONSENT_EMAIL_FIELD/),
    ]);
    expect(load({ CONSENT_LIST_ID: 'Y6nRLr' }).problems).toEqual([
      expect.stringMatching(/^CONSENT_LIST_ID is set but no consent field is/),
    ]);
    expect(
      load({
        CONSENT_LIST_ID: 'Y6nRLr',
        CONSENT_EMAIL_FIELD: 'emailConsent',
        CONSENT_EMAIL_UNSUBSCRIBED_VALUES: 'true,no',
      }).problems,
    ).toEqual([expect.stringMatching(/share 'true': a value cannot mean both/)]);
    expect(
      load({ CONSENT_LIST_ID: 'Y6nRLr', CONSENT_EMAIL_FIELD: 'e', CONSENT_SMS_AT_FIELD: 'smsAt' }).problems,
    ).toEqual(['CONSENT_SMS_AT_FIELD is set but CONSENT_SMS_FIELD is not: name the custom field']);
    expect(load({ CONSENT_LIST_ID: 'not a list id', CONSENT_EMAIL_FIELD: 'e' }).problems).toEqual([
      expect.stringMatching(/^CONSENT_LIST_ID must be a Klaviyo list id/),
    ]);
  });
});
