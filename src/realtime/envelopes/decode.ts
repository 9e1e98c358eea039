import { InvalidNotificationError, type Notification, parsePlatformPayload } from '../notification.ts';

type Json = Record<string, unknown>;

/** A CloudEvents (structured) envelope from commercetools: `data` holds the Platform payload. */
export function isCloudEvent(v: unknown): v is { specversion: string; data: unknown; id?: string } {
  return Boolean(v && typeof v === 'object' && typeof (v as Json).specversion === 'string' && 'data' in (v as Json));
}

/** Platform payload or CloudEvent → notification. */
export function decodeCommercetoolsPayload(payload: unknown): Notification {
  return parsePlatformPayload(isCloudEvent(payload) ? payload.data : payload);
}

export interface PubSubPush {
  message?: {
    data?: string;
    attributes?: Record<string, string>;
    messageId?: string;
    message_id?: string;
    publishTime?: string;
  };
  subscription?: string;
}

/**
 * A Google Pub/Sub push body (`{message:{data:<base64>, messageId}, subscription}`) → notification. With
 * `skipBase64Decode`, the body is the commercetools payload itself (the plugin's SKIP_BASE64_DECODE mode).
 */
export function decodePubSubPush(
  body: unknown,
  options: { skipBase64Decode: boolean },
): { notification: Notification; messageId?: string } {
  if (options.skipBase64Decode) return { notification: decodeCommercetoolsPayload(body) };
  const push = body as PubSubPush;
  const data = push?.message?.data;
  if (typeof data !== 'string') {
    // Some deliveries (and the plugin's raw mode) carry the payload unwrapped.
    if (body && typeof body === 'object' && ('notificationType' in (body as Json) || isCloudEvent(body)))
      return { notification: decodeCommercetoolsPayload(body) };
    throw new InvalidNotificationError('A Pub/Sub push needs message.data (base64 of the commercetools payload).');
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
  } catch {
    throw new InvalidNotificationError('message.data is not base64-encoded JSON.');
  }
  return {
    notification: decodeCommercetoolsPayload(json),
    messageId: push.message?.messageId ?? push.message?.message_id,
  };
}
