import { invalid } from '../jsonapi.ts';
import type { Account } from '../store/account.ts';
import type { DeletionIdentifierType } from '../store/deletion-requests.ts';
import { E164, EMAIL } from '../store/profiles.ts';
import { type JsonObject, type OpHandler, requireData } from './context.ts';

const JOB_TYPE = 'data-privacy-deletion-job';
const PROFILE_POINTER = '/data/attributes/profile/data';

interface Identifier {
  type: DeletionIdentifierType;
  value: string;
}

/**
 * The one identifier a deletion request names. "Request a deletion for the profiles corresponding to one of the
 * following identifiers: email, phone_number, or id. If multiple identifiers are provided, we will return an
 * error." A `null` identifier counts as not given; none at all is refused too (there is nothing to delete by).
 */
function identifierOf(d: JsonObject): Identifier {
  const profile = ((d.attributes as JsonObject | undefined)?.profile as JsonObject | undefined)?.data;
  if (!profile || typeof profile !== 'object' || Array.isArray(profile))
    throw invalid("'profile' is a required field.", { pointer: '/data/attributes/profile' });
  const p = profile as JsonObject;
  const a = (p.attributes as JsonObject | undefined) ?? {};
  const given = [
    { type: 'email' as const, value: a.email, pointer: `${PROFILE_POINTER}/attributes/email` },
    { type: 'phone_number' as const, value: a.phone_number, pointer: `${PROFILE_POINTER}/attributes/phone_number` },
    { type: 'id' as const, value: p.id, pointer: `${PROFILE_POINTER}/id` },
  ].filter((g) => g.value !== undefined && g.value !== null);
  if (given.length === 0)
    throw invalid('Exactly one of email, phone_number or id is required to identify the profiles to delete.', {
      pointer: PROFILE_POINTER,
    });
  if (given.length > 1) {
    throw invalid(
      `Only one identifier may be provided, but ${given.map((g) => g.type).join(', ')} were: give exactly one of email, phone_number or id.`,
      { pointer: given[1].pointer },
    );
  }
  const [g] = given;
  if (typeof g.value !== 'string' || g.value === '')
    throw invalid(`'${g.type}' must be a non-empty string.`, { pointer: g.pointer });
  if (g.type === 'email' && !EMAIL.test(g.value)) throw invalid('Invalid email address.', { pointer: g.pointer });
  if (g.type === 'phone_number' && !E164.test(g.value))
    throw invalid('Invalid phone number format (Example of a valid format: +12345678901).', { pointer: g.pointer });
  return { type: g.type, value: g.value };
}

/** "All profiles that match the provided identifier will be deleted": those matching when the deletion runs. */
function matchingProfileIds(account: Account, { type, value }: Identifier): string[] {
  if (type === 'id') return account.profiles.get(value) ? [value] : [];
  const profile = account.profiles.findBy(type, value);
  return profile ? [profile.id] : [];
}

/**
 * request_profile_deletion: 202 without a body, the deletion done later by a job (`data-privacy-deletion-job` in
 * `/__emulator/jobs`, listed with its outcome at `/__emulator/deletions`). An identifier no profile has is
 * accepted all the same and deletes nothing.
 */
const requestProfileDeletion: OpHandler = (ctx) => {
  const d = requireData(ctx.body, JOB_TYPE);
  const identifier = identifierOf(d);
  const account = ctx.account;
  const job = account.jobs.create(JOB_TYPE, 1, ctx.nowMs, () => {
    const ids = matchingProfileIds(account, identifier);
    for (const id of ids) account.eraseProfile(id);
    request.deletedProfileIds = ids;
    request.completedAt = new Date().toISOString();
    return { completed: 1, failed: 0, errors: [], resultIds: [] };
  });
  const request = account.deletionRequests.add(job.id, identifier.type, identifier.value, ctx.nowIso);
  return { status: 202 };
};

export const dataPrivacyHandlers: Record<string, OpHandler> = {
  request_profile_deletion: requestProfileDeletion,
};
