import { randomUUID } from 'node:crypto';
import { invalid, KlaviyoError } from '../jsonapi.ts';
import type { JobOutcome } from '../store/jobs.ts';
import { type JsonObject, type OpContext, type OpHandler, requireData } from './context.ts';

const JOB_TYPE = 'profile-merge';
const SOURCES_POINTER = '/data/relationships/profiles/data';

function unknownProfile(id: string, pointer: string): KlaviyoError {
  return new KlaviyoError(404, 'not_found', 'Not found.', `A profile with id '${id}' does not exist.`, { pointer });
}

/** The destination (`data.id`) and the one source (`relationships.profiles.data`), both existing profiles. */
function mergeParties(ctx: OpContext): { destinationId: string; sourceId: string } {
  const d = requireData(ctx.body, JOB_TYPE);
  const destinationId = d.id;
  if (typeof destinationId !== 'string' || destinationId === '')
    throw invalid("'id' (the destination profile) is a required field.", { pointer: '/data/id' });
  const sources = ((d.relationships as JsonObject | undefined)?.profiles as JsonObject | undefined)?.data;
  if (!Array.isArray(sources) || sources.length !== 1) {
    // "This endpoint accepts only one source profile."
    const got = Array.isArray(sources) ? sources.length : 'none';
    throw invalid(`This endpoint accepts exactly one source profile (got ${got}).`, { pointer: SOURCES_POINTER });
  }
  const sourceId = (sources[0] as JsonObject | null)?.id;
  if (typeof sourceId !== 'string' || sourceId === '')
    throw invalid("'id' is a required field.", { pointer: `${SOURCES_POINTER}/0/id` });
  if (sourceId === destinationId)
    throw invalid('A profile cannot be merged into itself.', { pointer: `${SOURCES_POINTER}/0/id` });
  if (!ctx.account.profiles.get(destinationId)) throw unknownProfile(destinationId, '/data/id');
  if (!ctx.account.profiles.get(sourceId)) throw unknownProfile(sourceId, `${SOURCES_POINTER}/0/id`);
  return { destinationId, sourceId };
}

/**
 * merge_profiles: "queues an asynchronous task which will merge data from the source profile into the destination
 * profile, deleting the source profile in the process". Answered 201 with the destination's id, as the spec
 * says; the merge happens when its job runs (`profile-merge` in `/__emulator/jobs`, listed with its outcome at
 * `/__emulator/merges`).
 */
const mergeProfiles: OpHandler = (ctx) => {
  const { destinationId, sourceId } = mergeParties(ctx);
  const account = ctx.account;
  const job = account.jobs.create(JOB_TYPE, 1, ctx.nowMs, (): JobOutcome => {
    const now = new Date().toISOString();
    request.completedAt = now;
    const destination = account.profiles.get(destinationId);
    const source = account.profiles.get(sourceId);
    if (!destination || !source) {
      // Deleted, or merged away, between the request and the merge.
      request.outcome = 'skipped';
      const [id, pointer] = destination ? [sourceId, `${SOURCES_POINTER}/0/id`] : [destinationId, '/data/id'];
      const detail = `A profile with id '${id}' no longer exists.`;
      return {
        completed: 0,
        failed: 1,
        errors: [{ id: randomUUID(), code: 'not_found', title: 'Not found.', detail, source: { pointer } }],
        resultIds: [],
      };
    }
    request.moved = account.mergeProfiles(destination, source, now);
    request.outcome = 'merged';
    return { completed: 1, failed: 0, errors: [], resultIds: [destination.id] };
  });
  const request = account.mergeRequests.add(job.id, destinationId, sourceId, ctx.nowIso);
  return {
    status: 201,
    body: {
      data: { type: 'profile', id: destinationId, links: { self: `${ctx.baseUrl}/api/profiles/${destinationId}` } },
      links: { self: `${ctx.baseUrl}/api/profile-merge` },
    },
  };
};

export const profileMergeHandlers: Record<string, OpHandler> = {
  merge_profiles: mergeProfiles,
};
