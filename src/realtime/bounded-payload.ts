import { createHash } from 'node:crypto';

/** A dead letter's payload is kept whole up to this size; beyond it (or when it cannot be serialized) a skeleton. */
export const MAX_DEAD_LETTER_PAYLOAD_BYTES = 64_000;
/** The fields that route a notification: with the resource read from commercetools, all a replay needs. */
const SKELETON_FIELDS = [
  'notificationType',
  'projectKey',
  'id',
  'type',
  'resource',
  'resourceVersion',
  'version',
  'createdAt',
  'modifiedAt',
  'lastModifiedAt',
];

/**
 * What a dead letter stores of a payload: the payload itself when it is small enough; otherwise its routing fields
 * (bounded), with its size and SHA-256 — never megabytes, never a structure too deep to write.
 */
export function boundedPayload(payload: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch {
    text = undefined;
  }
  const bytes = text === undefined ? undefined : Buffer.byteLength(text, 'utf8');
  if (bytes !== undefined && bytes <= MAX_DEAD_LETTER_PAYLOAD_BYTES) return payload;
  const skeleton: Record<string, unknown> = {};
  if (payload && typeof payload === 'object' && !Array.isArray(payload)) {
    const p = payload as Record<string, unknown>;
    for (const field of SKELETON_FIELDS) {
      const v = p[field];
      if (typeof v === 'string') skeleton[field] = v.slice(0, 256);
      else if (typeof v === 'number' || typeof v === 'boolean') skeleton[field] = v;
      else if (field === 'resource' && v && typeof v === 'object') {
        const r = v as Record<string, unknown>;
        skeleton.resource = {
          typeId: typeof r.typeId === 'string' ? r.typeId.slice(0, 64) : undefined,
          id: typeof r.id === 'string' ? r.id.slice(0, 256) : undefined,
        };
      }
    }
  }
  skeleton.truncated = {
    reason:
      text === undefined
        ? 'the payload could not be serialized (nested too deeply)'
        : `the payload had ${bytes} bytes (more than ${MAX_DEAD_LETTER_PAYLOAD_BYTES})`,
    ...(text === undefined ? {} : { bytes, sha256: createHash('sha256').update(text).digest('hex') }),
  };
  return skeleton;
}
