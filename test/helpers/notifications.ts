import { randomUUID } from 'node:crypto';

type Json = Record<string, unknown>;

/** A commercetools Message in Platform format. */
export function message(
  resourceType: string,
  resourceId: string,
  type: string,
  fields: Json = {},
  options: { id?: string; resourceVersion?: number } = {},
): Json {
  return {
    notificationType: 'Message',
    projectKey: 'demo',
    id: options.id ?? randomUUID(),
    version: 1,
    sequenceNumber: 1,
    resource: { typeId: resourceType, id: resourceId },
    resourceVersion: options.resourceVersion ?? 2,
    resourceUserProvidedIdentifiers: {},
    type,
    createdAt: new Date().toISOString(),
    lastModifiedAt: new Date().toISOString(),
    ...fields,
  };
}

/** A ResourceCreated/Updated/Deleted change notification. */
export function change(
  kind: 'ResourceCreated' | 'ResourceUpdated' | 'ResourceDeleted',
  resourceType: string,
  resourceId: string,
  version = 3,
): Json {
  return {
    notificationType: kind,
    projectKey: 'demo',
    resource: { typeId: resourceType, id: resourceId },
    resourceUserProvidedIdentifiers: {},
    version,
    oldVersion: version - 1,
    modifiedAt: new Date().toISOString(),
  };
}

/** The same payload in commercetools' CloudEvents format. */
export function cloudEvent(payload: Json): Json {
  const resource = payload.resource as { typeId: string; id: string };
  return {
    specversion: '1.0',
    id: String(payload.id ?? randomUUID()),
    type: `com.commercetools.${resource.typeId}.message.${String(payload.type)}`,
    source: `/demo/${resource.typeId}s`,
    subject: resource.id,
    time: new Date().toISOString(),
    data: payload,
  };
}

/** A Google Pub/Sub push body around a payload. */
export function pubsub(payload: unknown, messageId: string = randomUUID()): Json {
  return {
    message: {
      data: Buffer.from(JSON.stringify(payload)).toString('base64'),
      attributes: {},
      messageId,
      publishTime: new Date().toISOString(),
    },
    subscription: 'projects/p/subscriptions/s',
  };
}
