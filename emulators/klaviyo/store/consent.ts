/**
 * A profile's consent and suppressions, kept the way Klaviyo reports them under
 * `attributes.subscriptions` (`additional-fields[profile]=subscriptions`; schemas `EmailMarketing`,
 * `SMSMarketing`, `SMSTransactional`, `EmailMarketingSuppression`, `EmailMarketingListSuppression`).
 */

export type ConsentStatus = 'SUBSCRIBED' | 'UNSUBSCRIBED' | 'NEVER_SUBSCRIBED';

export interface ConsentRecord {
  consent: ConsentStatus;
  /** When consent was given or withdrawn (for a historical import: the `consented_at` sent). */
  consent_timestamp: string | null;
  /** When this record last changed (always the emulator's clock). */
  last_updated: string | null;
  method: string | null;
  method_detail: string | null;
  custom_method_detail: string | null;
  double_optin: boolean | null;
}

/** Global email suppression reasons, as the spec's `EmailMarketingSuppression.reason` enum lists them. */
export type SuppressionReason = 'HARD_BOUNCE' | 'INVALID_EMAIL' | 'SPAM_COMPLAINT' | 'UNSUBSCRIBE' | 'USER_SUPPRESSED';

export interface Suppression {
  reason: SuppressionReason;
  timestamp: string;
}

export interface ListSuppression {
  list_id: string;
  reason: string;
  timestamp: string;
}

export interface ProfileConsent {
  email: ConsentRecord;
  sms: ConsentRecord;
  smsTransactional: ConsentRecord;
  /** Global email suppressions. */
  suppression: Suppression[];
  /** Email suppressions from one list (a list-scoped unsubscribe). */
  listSuppressions: ListSuppression[];
}

/**
 * Suppressions a subscribe removes. The operation description names `UNSUBSCRIBE`, `SPAM_REPORT` and
 * `USER_SUPPRESSED`; the response enum calls the spam reason `SPAM_COMPLAINT`. HARD_BOUNCE and INVALID_EMAIL stay.
 */
export const REMOVED_BY_SUBSCRIBE: ReadonlySet<string> = new Set([
  'UNSUBSCRIBE',
  'SPAM_REPORT',
  'SPAM_COMPLAINT',
  'USER_SUPPRESSED',
]);

function neverSubscribed(): ConsentRecord {
  return {
    consent: 'NEVER_SUBSCRIBED',
    consent_timestamp: null,
    last_updated: null,
    method: null,
    method_detail: null,
    custom_method_detail: null,
    double_optin: null,
  };
}

export function emptyConsent(): ProfileConsent {
  return {
    email: neverSubscribed(),
    sms: neverSubscribed(),
    smsTransactional: neverSubscribed(),
    suppression: [],
    listSuppressions: [],
  };
}

export function subscribed(
  consentedAt: string,
  now: string,
  customSource: string | null,
  isEmail: boolean,
): ConsentRecord {
  return {
    consent: 'SUBSCRIBED',
    consent_timestamp: consentedAt,
    last_updated: now,
    method: 'API',
    method_detail: '',
    custom_method_detail: customSource,
    double_optin: isEmail ? false : null,
  };
}

export function unsubscribed(now: string): ConsentRecord {
  return {
    consent: 'UNSUBSCRIBED',
    consent_timestamp: now,
    last_updated: now,
    method: 'API',
    method_detail: '',
    custom_method_detail: null,
    double_optin: null,
  };
}

/** `attributes.subscriptions` as Klaviyo answers it. */
export function renderSubscriptions(
  c: ProfileConsent,
  identifiers: { email: unknown; phone_number: unknown },
): Record<string, unknown> {
  const hasEmail = typeof identifiers.email === 'string' && identifiers.email !== '';
  const hasPhone = typeof identifiers.phone_number === 'string' && identifiers.phone_number !== '';
  const sms = (r: ConsentRecord) => ({
    consent: r.consent,
    consent_timestamp: r.consent_timestamp,
    method: r.method,
    method_detail: r.method_detail,
    last_updated: r.last_updated,
  });
  return {
    email: {
      marketing: {
        // "True if the profile does not have any global suppressions" (EmailMarketing); an unsubscribe is one.
        can_receive_email_marketing: hasEmail && c.suppression.length === 0 && c.email.consent !== 'UNSUBSCRIBED',
        ...c.email,
        suppression: c.suppression.map((s) => ({ ...s })),
        list_suppressions: c.listSuppressions.map((s) => ({ ...s })),
      },
    },
    sms: {
      marketing: { can_receive_sms_marketing: hasPhone && c.sms.consent === 'SUBSCRIBED', ...sms(c.sms) },
      transactional: {
        can_receive_sms_transactional: hasPhone && c.smsTransactional.consent === 'SUBSCRIBED',
        ...sms(c.smsTransactional),
      },
    },
  };
}
