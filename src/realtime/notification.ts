import { AppError } from '../core/errors.ts';

/** A commercetools subscription notification, whatever envelope carried it. */
export interface Notification {
  kind: 'message' | 'created' | 'updated' | 'deleted' | 'test' | 'event' | 'unknown';
  /** Stable id for deduplication: the message id, or resource id + version for changes. */
  id: string;
  /** The project the notification says it is from (checked against this service's before anything is done). */
  projectKey?: string;
  resourceType?: string;
  resourceId?: string;
  /** Message type (`OrderCreated`) or change type (`ResourceUpdated`). */
  type?: string;
  /** Resource version the notification is about. */
  version?: number;
  /** The Message fields, when it was a message with its payload included. */
  message?: Record<string, unknown>;
  isPayloadIncluded: boolean;
  raw: Record<string, unknown>;
}

/** A delivery that is not a commercetools notification: it can never succeed, so it is kept as a dead letter. */
export class InvalidNotificationError extends AppError {
  constructor(message: string) {
    super('NOTIFICATION_INVALID', message, { disposition: 'permanent' });
  }
}

type Json = Record<string, unknown>;

/**
 * commercetools ids are UUIDs; keys of other resources are at most 256 characters of [A-Za-z0-9_-]. Anything else
 * in an id (a path segment like "." or "..", a slash, megabytes) is not from commercetools.
 */
const RESOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,255}$/;
/** Message ids are UUIDs; a test message may carry other short ids. */
const MAX_ID_LENGTH = 256;

function asObject(v: unknown): Json | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

/**
 * Turns a commercetools Platform-format payload (Message, ResourceCreated/Updated/Deleted, the subscription
 * test message, Event) into one normalized notification. Untrusted input: what is not a notification throws
 * InvalidNotificationError; a notification type not known here is `unknown`.
 */
export function parsePlatformPayload(input: unknown): Notification {
  const p = asObject(input);
  if (!p) throw new InvalidNotificationError('The notification is not a JSON object.');
  const resource = asObject(p.resource);
  const resourceType = typeof resource?.typeId === 'string' ? resource.typeId : undefined;
  const resourceId = typeof resource?.id === 'string' ? resource.id : undefined;
  if (resourceId !== undefined && !RESOURCE_ID.test(resourceId))
    throw new InvalidNotificationError(
      `The resource id is not a commercetools id (${resourceId.length > 40 ? `${resourceId.length} characters` : JSON.stringify(resourceId)}).`,
    );
  if (resourceType !== undefined && !/^[a-z][a-z-]{0,63}$/.test(resourceType))
    throw new InvalidNotificationError('The resource typeId is not a commercetools resource type.');
  if (p.id !== undefined && !(typeof p.id === 'string' && p.id.length > 0 && p.id.length <= MAX_ID_LENGTH))
    throw new InvalidNotificationError(`The notification id must be a string of 1 to ${MAX_ID_LENGTH} characters.`);
  for (const field of ['projectKey', 'type', 'notificationType'] as const) {
    const v = p[field];
    if (v !== undefined && !(typeof v === 'string' && v.length <= 256))
      throw new InvalidNotificationError(`The notification's ${field} must be a string of at most 256 characters.`);
  }
  if (p.notificationType === undefined && resource !== undefined)
    throw new InvalidNotificationError('The payload names a resource but no notificationType: it is no notification.');
  const projectKey = typeof p.projectKey === 'string' ? p.projectKey : undefined;
  const resourceVersion = typeof p.resourceVersion === 'number' ? p.resourceVersion : undefined;
  const base = { resourceType, resourceId, projectKey, raw: p, isPayloadIncluded: true };
  // The message commercetools sends when a subscription is created or changed, to test the destination.
  if (
    resourceType === 'subscription' ||
    (typeof p.type === 'string' && /test/i.test(p.type)) ||
    (p.notificationType === undefined && resource === undefined && typeof p.projectKey === 'string')
  ) {
    return { ...base, kind: 'test', id: `test:${typeof p.id === 'string' ? p.id : (projectKey ?? '')}` };
  }
  if (p.notificationType === 'Message') {
    const id = typeof p.id === 'string' ? p.id : `${resourceId}:${String(resourceVersion)}`;
    const isIncluded = !asObject(p.payloadNotIncluded);
    return {
      ...base,
      kind: 'message',
      id,
      type: typeof p.type === 'string' ? p.type : (asObject(p.payloadNotIncluded)?.payloadType as string | undefined),
      version: resourceVersion,
      message: isIncluded ? p : undefined,
      isPayloadIncluded: isIncluded,
    };
  }
  if (
    p.notificationType === 'ResourceCreated' ||
    p.notificationType === 'ResourceUpdated' ||
    p.notificationType === 'ResourceDeleted'
  ) {
    const kind =
      p.notificationType === 'ResourceCreated'
        ? 'created'
        : p.notificationType === 'ResourceUpdated'
          ? 'updated'
          : 'deleted';
    const version = typeof p.version === 'number' ? p.version : undefined;
    return {
      ...base,
      kind,
      id: `${resourceType}:${resourceId}:${p.notificationType}:${String(version)}`,
      type: p.notificationType,
      version,
    };
  }
  if (p.notificationType === 'Event')
    return {
      ...base,
      kind: 'event',
      id: typeof p.id === 'string' ? p.id : 'event',
      type: typeof p.type === 'string' ? p.type : undefined,
    };
  // A notification type commercetools may add later is acknowledged and ignored; no type at all is no notification.
  if (p.notificationType === undefined)
    throw new InvalidNotificationError('The payload has no notificationType: it is not a commercetools notification.');
  return {
    ...base,
    kind: 'unknown',
    id: typeof p.id === 'string' ? p.id : 'unknown',
    type: typeof p.type === 'string' ? p.type : undefined,
  };
}
