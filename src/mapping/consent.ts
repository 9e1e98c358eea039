import type { Customer, Order } from '@commercetools/platform-sdk';

export type ConsentChannel = 'email' | 'sms';

/** Where one channel's consent lives in a commercetools custom field, and what its values mean. */
export interface ConsentFieldConfig {
  /** The custom field (Boolean, Enum, LocalizedEnum or String). */
  field: string;
  /** Values that mean "subscribed" (a Boolean field's `true` is `'true'`; an enum is compared by key). */
  subscribedValues: string[];
  /** Values that mean an explicit opt-out. Empty: nothing ever unsubscribes anyone. */
  unsubscribedValues: string[];
  /** A DateTime custom field holding when consent was given or withdrawn. */
  atField?: string;
}

/** What the merchant configured (CONSENT_* variables); absent when consent is not synced. */
export interface ConsentConfig {
  /** The Klaviyo list subscribed profiles join, and the only list an opt-out unsubscribes from. */
  listId: string;
  email?: ConsentFieldConfig;
  sms?: ConsentFieldConfig;
  /** Guest checkout consent (email) on the order's custom fields. */
  guestOrder?: Omit<ConsentFieldConfig, 'atField'>;
}

/** What commercetools says one channel's consent is. */
export interface ChannelIntent {
  channel: ConsentChannel;
  action: 'subscribe' | 'unsubscribe';
  /** When it was given or withdrawn, when commercetools records it. */
  at?: string;
  /** The time sent as Klaviyo's `consented_at` when `at` is unknown: the latest moment consent is known to hold. */
  fallbackAt: string;
}

/** A record's consent as commercetools has it: the profile it concerns and each channel's intent. */
export interface ConsentIntent {
  externalId?: string;
  email?: string;
  phone?: string;
  channels: ChannelIntent[];
  /** Channels that cannot be sent, with the reason (SMS consent without a valid phone number). */
  skipped: Array<{ channel: ConsentChannel; reason: string }>;
}

/** A field value as text: booleans and numbers as written, enums by key. */
function valueText(v: unknown): string | undefined {
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'object' && v !== null && typeof (v as { key?: unknown }).key === 'string')
    return (v as { key: string }).key;
  return undefined;
}

function instant(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The action a consent field's value asks for, or undefined (absent, or a value that is neither). */
export function consentAction(
  fields: Record<string, unknown> | undefined,
  config: Omit<ConsentFieldConfig, 'atField'>,
): 'subscribe' | 'unsubscribe' | undefined {
  const text = valueText(fields?.[config.field]);
  if (text === undefined || text === '') return undefined;
  if (config.subscribedValues.includes(text)) return 'subscribe';
  if (config.unsubscribedValues.includes(text)) return 'unsubscribe';
  return undefined;
}

/**
 * A customer's consent for the channels configured. `phone` is the E.164 number the profile carries (the
 * customer mapping's normalisation); SMS consent without one is skipped with the reason. Undefined when the
 * customer says nothing either way.
 */
export function customerConsent(
  customer: Customer,
  config: ConsentConfig,
  identity: { email?: string; phone?: string },
): ConsentIntent | undefined {
  const fields = customer.custom?.fields as Record<string, unknown> | undefined;
  const intent: ConsentIntent = { externalId: customer.id, ...identity, channels: [], skipped: [] };
  const fallbackAt = customer.lastModifiedAt ?? customer.createdAt;
  for (const channel of ['email', 'sms'] as const) {
    const c = config[channel];
    if (!c) continue;
    const action = consentAction(fields, c);
    if (!action) continue;
    if (channel === 'email' && !identity.email) {
      intent.skipped.push({ channel, reason: 'the customer has no email address' });
      continue;
    }
    if (channel === 'sms' && !identity.phone) {
      intent.skipped.push({
        channel,
        reason: 'the customer has no phone number that is valid in E.164 form',
      });
      continue;
    }
    const at = c.atField ? instant(fields?.[c.atField]) : undefined;
    intent.channels.push({ channel, action, ...(at ? { at } : {}), fallbackAt });
  }
  return intent.channels.length || intent.skipped.length ? intent : undefined;
}

/**
 * A guest order's checkout consent (email): given when the order was placed, so `at` is the order's creation
 * time. Orders of registered customers take their consent from the customer, never from here.
 */
export function guestOrderConsent(order: Order, config: ConsentConfig): ConsentIntent | undefined {
  const c = config.guestOrder;
  if (!c || order.customerId) return undefined;
  const action = consentAction(order.custom?.fields as Record<string, unknown> | undefined, c);
  const email = order.customerEmail?.trim();
  if (!action) return undefined;
  if (!email)
    return {
      channels: [],
      skipped: [{ channel: 'email', reason: 'the order has no email address' }],
    };
  const at = order.createdAt;
  return { email, channels: [{ channel: 'email', action, at, fallbackAt: at }], skipped: [] };
}
