import type { Customer } from '@commercetools/platform-sdk';
import { describe, expect, it } from 'vitest';
import { chooseAddress, customerToProfile } from './customer-to-profile.ts';
import { NO_FILTER } from './mapping-options.ts';
import { toE164 } from './phone.ts';
import { filterProperties } from './property-filter.ts';

const base = {
  id: 'c-1',
  version: 1,
  createdAt: '2024-01-01T00:00:00.000Z',
  lastModifiedAt: '2024-01-01T00:00:00.000Z',
  addresses: [],
  isEmailVerified: true,
  stores: [],
  authenticationMode: 'Password',
  email: 'ann@example.com',
} as unknown as Customer;

const customer = (over: Partial<Customer>): Customer => ({ ...base, ...over }) as Customer;

describe('customerToProfile', () => {
  it('maps the identity, names, organization, locale and custom fields', () => {
    const r = customerToProfile(
      customer({
        firstName: 'Ann',
        lastName: 'Oak',
        title: 'Dr.',
        companyName: 'Acme',
        locale: 'de-DE',
        custom: { type: { typeId: 'type', id: 't' }, fields: { tier: 'gold', points: 0, optIn: false } },
      }),
      { properties: NO_FILTER },
    );
    expect(r).toEqual({
      kind: 'profile',
      warnings: [],
      profile: {
        type: 'profile',
        attributes: {
          external_id: 'c-1',
          email: 'ann@example.com',
          first_name: 'Ann',
          last_name: 'Oak',
          title: 'Dr.',
          organization: 'Acme',
          locale: 'de-DE',
          properties: { tier: 'gold', points: 0, optIn: false },
        },
      },
    });
  });

  it.each([
    [
      'default billing address',
      { defaultBillingAddressId: 'b', billingAddressIds: ['a'], defaultShippingAddressId: 'c' },
      'b',
    ],
    [
      'first billing address when the default billing id points nowhere',
      { defaultBillingAddressId: 'missing', billingAddressIds: ['a'] },
      'a',
    ],
    ['default shipping address when there is no billing address', { defaultShippingAddressId: 'c' }, 'c'],
    ['first address otherwise', {}, 'a'],
  ])('chooses the %s', (_name, ids, expected) => {
    const addresses = ['a', 'b', 'c'].map((id) => ({ id, country: 'DE' }));
    expect(chooseAddress(customer({ addresses, ...ids }))?.id).toBe(expected);
  });

  it('builds the location and an E.164 phone from the chosen address, mobile first', () => {
    const r = customerToProfile(
      customer({
        addresses: [
          {
            id: 'a',
            country: 'DE',
            streetName: 'Lindenallee',
            streetNumber: '5',
            building: 'B',
            apartment: '3',
            additionalStreetInfo: 'Hinterhaus',
            city: 'Berlin',
            postalCode: '10115',
            region: 'Berlin',
            phone: '030 1234567',
            mobile: '+49 151 23456789',
          },
        ],
      }),
      { properties: NO_FILTER },
    );
    expect(r.kind === 'profile' && r.profile.attributes).toMatchObject({
      phone_number: '+4915123456789',
      location: {
        address1: '3, B, 5 Lindenallee',
        address2: 'Hinterhaus',
        city: 'Berlin',
        country: 'DE',
        region: 'Berlin',
        zip: '10115',
      },
    });
  });

  it('leaves out a phone that cannot be made valid, with a warning, and still sends the profile', () => {
    const r = customerToProfile(customer({ addresses: [{ id: 'a', country: 'DE', phone: '12' }] }), {
      properties: NO_FILTER,
    });
    expect(r.kind).toBe('profile');
    if (r.kind === 'profile') {
      expect(r.profile.attributes.phone_number).toBeUndefined();
      expect(r.warnings).toEqual(['phone number is not valid; sent without it']);
    }
  });

  it('imports a customer without email or phone by external_id only', () => {
    const r = customerToProfile(customer({ email: undefined as unknown as string, firstName: 'NoMail' }), {
      properties: NO_FILTER,
    });
    expect(r.kind === 'profile' && r.profile.attributes).toEqual({ external_id: 'c-1', first_name: 'NoMail' });
  });

  it('skips a record without an id, with a reason', () => {
    expect(customerToProfile(customer({ id: '' }), { properties: NO_FILTER })).toEqual({
      kind: 'skip',
      reason: 'customer has no id',
    });
  });
});

describe('toE164', () => {
  it.each([
    ['+49 30 1234567', undefined, '+49301234567'],
    ['030 1234567', 'DE', '+49301234567'],
    ['0049 30 1234567', undefined, '+49301234567'],
    ['(217) 555-0123', 'US', '+12175550123'],
    ['12', 'DE', undefined],
    ['', 'DE', undefined],
    ['030 1234567', undefined, undefined],
  ])('%j in %s → %s', (raw, country, expected) => {
    expect(toE164(raw, country)).toBe(expected);
  });
});

describe('filterProperties', () => {
  const fields = { a: 1, b: 0, c: false, d: '', e: null };
  it.each([
    [
      'all by default, keeping falsy values and dropping null',
      { include: [], exclude: [], rename: {} },
      { a: 1, b: 0, c: false, d: '' },
    ],
    ['only included', { include: ['a', 'b'], exclude: [], rename: {} }, { a: 1, b: 0 }],
    ['without excluded', { include: [], exclude: ['a', 'd'], rename: {} }, { b: 0, c: false }],
    ['renamed', { include: ['a'], exclude: [], rename: { a: 'Alpha' } }, { Alpha: 1 }],
  ])('%s', (_name, filter, expected) => {
    expect(filterProperties(fields, filter)).toEqual(expected);
  });

  it('returns undefined when nothing is left', () => {
    expect(filterProperties({ a: 1 }, { include: ['z'], exclude: [], rename: {} })).toBeUndefined();
    expect(filterProperties(undefined, NO_FILTER)).toBeUndefined();
  });
});
