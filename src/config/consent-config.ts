import type { ConsentConfig, ConsentFieldConfig } from '../mapping/consent.ts';

/** The consent and list variables (README, "Consent"), for the docs and the error messages. */
export const CONSENT_ENV_VARS: ReadonlyArray<{ name: string; required: false; description: string; example: string }> =
  [
    {
      name: 'CONSENT_LIST_ID',
      required: false,
      description:
        'consent: the Klaviyo list consenting profiles are subscribed to, and the only list an opt-out unsubscribes from (needed with any CONSENT_*_FIELD)',
      example: 'Y6nRLr',
    },
    {
      name: 'CONSENT_EMAIL_FIELD',
      required: false,
      description: 'consent: the customer custom field holding email marketing consent (Boolean, Enum or String)',
      example: 'emailConsent',
    },
    {
      name: 'CONSENT_EMAIL_SUBSCRIBED_VALUES',
      required: false,
      description: 'consent: values of that field meaning "subscribed" (comma-separated; default true)',
      example: 'true',
    },
    {
      name: 'CONSENT_EMAIL_UNSUBSCRIBED_VALUES',
      required: false,
      description:
        'consent: values meaning an explicit opt-out, which unsubscribes list members from the list (default none: nothing is unsubscribed)',
      example: 'opted-out',
    },
    {
      name: 'CONSENT_EMAIL_AT_FIELD',
      required: false,
      description: 'consent: the customer custom field (DateTime) holding when email consent was given or withdrawn',
      example: 'emailConsentAt',
    },
    {
      name: 'CONSENT_SMS_FIELD',
      required: false,
      description: 'consent: the customer custom field holding SMS marketing consent',
      example: 'smsConsent',
    },
    {
      name: 'CONSENT_SMS_SUBSCRIBED_VALUES',
      required: false,
      description: 'consent: values meaning "subscribed" to SMS (default true)',
      example: 'true',
    },
    {
      name: 'CONSENT_SMS_UNSUBSCRIBED_VALUES',
      required: false,
      description: 'consent: values meaning an explicit SMS opt-out (default none)',
      example: 'opted-out',
    },
    {
      name: 'CONSENT_SMS_AT_FIELD',
      required: false,
      description: 'consent: the customer custom field (DateTime) holding when SMS consent was given or withdrawn',
      example: 'smsConsentAt',
    },
    {
      name: 'CONSENT_ORDER_FIELD',
      required: false,
      description: 'consent: the order custom field holding a guest’s email consent given at checkout',
      example: 'marketingConsent',
    },
    {
      name: 'CONSENT_ORDER_SUBSCRIBED_VALUES',
      required: false,
      description: 'consent: values of the order field meaning "subscribed" (default true)',
      example: 'true',
    },
    {
      name: 'CONSENT_ORDER_UNSUBSCRIBED_VALUES',
      required: false,
      description: 'consent: values of the order field meaning an explicit opt-out (default none)',
      example: 'false',
    },
    {
      name: 'CUSTOMERS_LIST_ID',
      required: false,
      description:
        'a Klaviyo list every imported customer joins, consent or not (membership only; nothing is subscribed)',
      example: 'XyZ123',
    },
  ];

const FIELD = /^[A-Za-z0-9_-]{1,256}$/;
const LIST_ID = /^[A-Za-z0-9_-]{1,64}$/;

function values(raw: string | undefined, fallback: string[]): string[] {
  if (raw === undefined) return fallback;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface ListSettings {
  consent?: ConsentConfig;
  /** A list every imported customer joins (CUSTOMERS_LIST_ID). */
  customersListId?: string;
}

/** Reads the consent and list variables; every problem is pushed to `problems` with what a valid value looks like. */
export function loadConsentConfig(env: NodeJS.ProcessEnv, problems: string[]): ListSettings {
  const fieldConfig = (prefix: 'EMAIL' | 'SMS' | 'ORDER'): ConsentFieldConfig | undefined => {
    const field = env[`CONSENT_${prefix}_FIELD`]?.trim();
    if (!field) {
      for (const suffix of ['SUBSCRIBED_VALUES', 'UNSUBSCRIBED_VALUES', 'AT_FIELD'])
        if (env[`CONSENT_${prefix}_${suffix}`]?.trim())
          problems.push(`CONSENT_${prefix}_${suffix} is set but CONSENT_${prefix}_FIELD is not: name the custom field`);
      return undefined;
    }
    if (!FIELD.test(field))
      problems.push(`CONSENT_${prefix}_FIELD must be a custom field name (letters, digits, _ and -), got '${field}'`);
    const subscribedValues = values(env[`CONSENT_${prefix}_SUBSCRIBED_VALUES`], ['true']);
    const unsubscribedValues = values(env[`CONSENT_${prefix}_UNSUBSCRIBED_VALUES`], []);
    if (subscribedValues.length === 0)
      problems.push(`CONSENT_${prefix}_SUBSCRIBED_VALUES must name at least one value, e.g. true`);
    const both = subscribedValues.filter((v) => unsubscribedValues.includes(v));
    if (both.length)
      problems.push(
        `CONSENT_${prefix}_SUBSCRIBED_VALUES and CONSENT_${prefix}_UNSUBSCRIBED_VALUES share ${both.map((v) => `'${v}'`).join(', ')}: a value cannot mean both`,
      );
    const atField = prefix === 'ORDER' ? undefined : env[`CONSENT_${prefix}_AT_FIELD`]?.trim() || undefined;
    if (atField && !FIELD.test(atField))
      problems.push(`CONSENT_${prefix}_AT_FIELD must be a custom field name, got '${atField}'`);
    return { field, subscribedValues, unsubscribedValues, ...(atField ? { atField } : {}) };
  };
  const email = fieldConfig('EMAIL');
  const sms = fieldConfig('SMS');
  const guestOrder = fieldConfig('ORDER');
  const listId = env.CONSENT_LIST_ID?.trim() || undefined;
  const customersListId = env.CUSTOMERS_LIST_ID?.trim() || undefined;
  for (const [name, id] of [
    ['CONSENT_LIST_ID', listId],
    ['CUSTOMERS_LIST_ID', customersListId],
  ] as const)
    if (id !== undefined && !LIST_ID.test(id))
      problems.push(`${name} must be a Klaviyo list id (as in the list's URL, e.g. Y6nRLr), got '${id}'`);
  const hasField = Boolean(email || sms || guestOrder);
  if (hasField && !listId)
    problems.push(
      'CONSENT_LIST_ID is required with CONSENT_EMAIL_FIELD, CONSENT_SMS_FIELD or CONSENT_ORDER_FIELD: the Klaviyo list consenting profiles join (an opt-out only ever unsubscribes from it)',
    );
  if (listId && !hasField)
    problems.push(
      'CONSENT_LIST_ID is set but no consent field is: set CONSENT_EMAIL_FIELD, CONSENT_SMS_FIELD or CONSENT_ORDER_FIELD (or use CUSTOMERS_LIST_ID for a plain list)',
    );
  return {
    ...(hasField && listId
      ? {
          consent: {
            listId,
            ...(email ? { email } : {}),
            ...(sms ? { sms } : {}),
            ...(guestOrder ? { guestOrder } : {}),
          },
        }
      : {}),
    ...(customersListId ? { customersListId } : {}),
  };
}
