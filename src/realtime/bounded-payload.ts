import { createHash } from 'node:crypto';

/** A dead letter's payload is kept whole up to this size; beyond it (or when it cannot be serialized) a skeleton. */
export const MAX_DEAD_LETTER_PAYLOAD_BYTES = 64_000;
/** Deeper than this, a payload is not stored whole (commercetools' JSON, like most parsers, limits nesting). */
export const MAX_DEAD_LETTER_PAYLOAD_DEPTH = 64;

/** Whether a JSON value nests deeper than `max` levels (walked without recursion, stopping at the first too deep). */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

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
export function boundedPayload(payload: unknown, options: { isSkeletonOnly?: boolean } = {}): unknown {
  const isTooDeep = nestsDeeperThan(payload, MAX_DEAD_LETTER_PAYLOAD_DEPTH);
  let text: string | undefined;
  try {
    text = isTooDeep ? undefined : JSON.stringify(payload);
  } catch {
    text = undefined;
  }
  const bytes = text === undefined ? undefined : Buffer.byteLength(text, 'utf8');
  if (!options.isSkeletonOnly && bytes !== undefined && bytes <= MAX_DEAD_LETTER_PAYLOAD_BYTES) return payload;
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
        ? `the payload is nested more than ${MAX_DEAD_LETTER_PAYLOAD_DEPTH} levels deep`
        : options.isSkeletonOnly
          ? 'commercetools refused to store the payload whole'
          : `the payload had ${bytes} bytes (more than ${MAX_DEAD_LETTER_PAYLOAD_BYTES})`,
    ...(text === undefined ? {} : { bytes, sha256: createHash('sha256').update(text).digest('hex') }),
  };
  return skeleton;
}
