import type { Customer, Order } from '@commercetools/platform-sdk';
import { describe, expect, it } from 'vitest';
import { type ConsentConfig, consentAction, customerConsent, guestOrderConsent } from './consent.ts';

const config: ConsentConfig = {
  listId: 'L1',
  email: {
    field: 'newsletter',
    subscribedValues: ['true', 'opted-in'],
    unsubscribedValues: ['opted-out'],
    atField: 'newsletterAt',
  },
  sms: { field: 'sms', subscribedValues: ['true'], unsubscribedValues: [] },
  guestOrder: { field: 'marketingConsent', subscribedValues: ['true'], unsubscribedValues: [] },
};

const customer = (fields: Record<string, unknown> | undefined): Customer =>
  ({
    id: 'c1',
    version: 1,
    createdAt: '2024-01-01T00:00:00.000Z',
    lastModifiedAt: '2024-02-01T00:00:00.000Z',
    email: 'a@example.com',
    ...(fields ? { custom: { type: { typeId: 'type', id: 't' }, fields } } : {}),
  }) as unknown as Customer;

describe('consentAction', () => {
  it('reads booleans, strings and enums by key; anything else asks for nothing', () => {
    const c = config.email as NonNullable<ConsentConfig['email']>;
    expect(consentAction({ newsletter: true }, c)).toBe('subscribe');
    expect(consentAction({ newsletter: false }, c)).toBeUndefined();
    expect(consentAction({ newsletter: { key: 'opted-in', label: 'Yes' } }, c)).toBe('subscribe');
    expect(consentAction({ newsletter: { key: 'opted-out', label: { en: 'No' } } }, c)).toBe('unsubscribe');
    expect(consentAction({ newsletter: ' opted-out ' }, c)).toBe('unsubscribe');
    expect(consentAction({ newsletter: 'maybe' }, c)).toBeUndefined();
    expect(consentAction({}, c)).toBeUndefined();
    expect(consentAction(undefined, c)).toBeUndefined();
  });
});

describe('customerConsent', () => {
  it('gives each configured channel its intent, with the consent time when the customer has one', () => {
    const intent = customerConsent(
      customer({ newsletter: true, newsletterAt: '2023-05-05T10:00:00Z', sms: true }),
      config,
      {
        email: 'a@example.com',
        phone: '+4915112345678',
      },
    );
    expect(intent).toEqual({
      externalId: 'c1',
      email: 'a@example.com',
      phone: '+4915112345678',
      channels: [
        {
          channel: 'email',
          action: 'subscribe',
          at: '2023-05-05T10:00:00.000Z',
          fallbackAt: '2024-02-01T00:00:00.000Z',
        },
        { channel: 'sms', action: 'subscribe', fallbackAt: '2024-02-01T00:00:00.000Z' },
      ],
      skipped: [],
    });
  });

  it('skips SMS consent without a valid phone number, and email consent without an email, with the reason', () => {
    const intent = customerConsent(customer({ newsletter: true, sms: true }), config, {});
    expect(intent?.channels).toEqual([]);
    expect(intent?.skipped).toEqual([
      { channel: 'email', reason: 'the customer has no email address' },
      { channel: 'sms', reason: 'the customer has no phone number that is valid in E.164 form' },
    ]);
  });

  it('is undefined when the customer says nothing either way', () => {
    expect(customerConsent(customer(undefined), config, { email: 'a@example.com' })).toBeUndefined();
    expect(customerConsent(customer({ newsletter: false }), config, { email: 'a@example.com' })).toBeUndefined();
    expect(
      customerConsent(customer({ newsletter: true }), { listId: 'L1' }, { email: 'a@example.com' }),
    ).toBeUndefined();
  });
});

describe('guestOrderConsent', () => {
  const order = (o: Record<string, unknown>): Order =>
    ({ id: 'o1', createdAt: '2025-03-03T03:03:03.000Z', customerEmail: 'g@example.com', ...o }) as unknown as Order;
  const consenting = { custom: { type: { typeId: 'type', id: 't' }, fields: { marketingConsent: true } } };

  it('takes a guest’s checkout consent, given when the order was placed', () => {
    expect(guestOrderConsent(order(consenting), config)).toEqual({
      email: 'g@example.com',
      channels: [
        {
          channel: 'email',
          action: 'subscribe',
          at: '2025-03-03T03:03:03.000Z',
          fallbackAt: '2025-03-03T03:03:03.000Z',
        },
      ],
      skipped: [],
    });
  });

  it('ignores orders of registered customers (their consent is the customer’s) and orders without consent', () => {
    expect(guestOrderConsent(order({ ...consenting, customerId: 'c1' }), config)).toBeUndefined();
    expect(guestOrderConsent(order({}), config)).toBeUndefined();
    expect(guestOrderConsent(order(consenting), { listId: 'L1' })).toBeUndefined();
  });
});
