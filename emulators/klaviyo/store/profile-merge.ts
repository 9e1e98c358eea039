import type { ConsentRecord, ListSuppression, ProfileConsent, Suppression } from './consent.ts';

/**
 * What a merge keeps. Klaviyo's merge help page says only that two profiles become one "with 1 email address";
 * the rules below are the emulator's reading (emulators/README.md, "Deletion and merge"): the destination wins
 * wherever it has a value, the source fills its blanks, and no opt-out or suppression is ever lost.
 */

type Attributes = Record<string, unknown>;

/** Attributes merged by key rather than as one value. */
const MERGED_BY_KEY = new Set(['location', 'properties']);

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function isObject(value: unknown): value is Attributes {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The destination's attributes, with the source's filling those it lacks (`location`, `properties`: per key). */
export function mergedAttributes(destination: Attributes, source: Attributes): Attributes {
  const out: Attributes = { ...destination };
  for (const [key, theirs] of Object.entries(source)) {
    if (isBlank(theirs)) continue;
    const mine = out[key];
    if (MERGED_BY_KEY.has(key) && isObject(theirs) && (isBlank(mine) || isObject(mine))) {
      const merged: Attributes = { ...(isObject(mine) ? mine : {}) };
      for (const [k, v] of Object.entries(theirs)) if (isBlank(merged[k]) && !isBlank(v)) merged[k] = v;
      out[key] = merged;
    } else if (isBlank(mine)) {
      out[key] = theirs;
    }
  }
  return out;
}

/**
 * One channel's consent after a merge: an unsubscribe on either side wins (the destination's if both); else the
 * destination's consent where it has one; else the source's only when the destination took the source's address
 * for that channel (consent belongs to an address: a subscription of the source's email does not subscribe the
 * destination's). Otherwise the destination stays never subscribed.
 */
function mergedChannel(mine: ConsentRecord, theirs: ConsentRecord, tookAddress: boolean): ConsentRecord {
  if (mine.consent === 'UNSUBSCRIBED') return mine;
  if (theirs.consent === 'UNSUBSCRIBED') return { ...theirs };
  if (mine.consent !== 'NEVER_SUBSCRIBED') return mine;
  return tookAddress ? { ...theirs } : mine;
}

/** Consent and suppressions after a merge; suppressions are the union of both (one per reason, one per list). */
export function mergedConsent(
  destination: ProfileConsent,
  source: ProfileConsent,
  took: { email: boolean; phoneNumber: boolean },
): ProfileConsent {
  const suppression: Suppression[] = [...destination.suppression];
  for (const s of source.suppression) if (!suppression.some((x) => x.reason === s.reason)) suppression.push({ ...s });
  const listSuppressions: ListSuppression[] = [...destination.listSuppressions];
  for (const s of source.listSuppressions)
    if (!listSuppressions.some((x) => x.list_id === s.list_id)) listSuppressions.push({ ...s });
  return {
    email: mergedChannel(destination.email, source.email, took.email),
    sms: mergedChannel(destination.sms, source.sms, took.phoneNumber),
    smsTransactional: mergedChannel(destination.smsTransactional, source.smsTransactional, took.phoneNumber),
    suppression,
    listSuppressions,
  };
}

/** Whether the destination takes the source's value of an identifier (it has none, the source has one). */
export function takesIdentifier(destination: Attributes, source: Attributes, field: string): boolean {
  return isBlank(destination[field]) && !isBlank(source[field]);
}
