import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeCommercetoolsPayload, decodePubSubPush } from './envelopes/decode.ts';
import { InvalidNotificationError, parsePlatformPayload } from './notification.ts';

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../vendor/commercetools/examples');
/**
 * The published examples hold placeholders for ids (`"<customer_id>"`), which are not ids commercetools could send:
 * each becomes an id of that shape (`customer-id-…`).
 */
const asId = (what: string) => `${what}-id-1f0e3dad-9908-4c2b-8b8e-0123456789ab`;
const example = (name: string): unknown =>
  JSON.parse(
    readFileSync(`${EXAMPLES}/${name}.example.json`, 'utf8').replace(
      /"<([a-z]+)[-_]id>"/g,
      (_m, what: string) => `"${asId(what)}"`,
    ),
  );

describe('commercetools payloads (the published examples)', () => {
  it('a Message with its payload', () => {
    const n = parsePlatformPayload(example('message-payload'));
    expect(n).toMatchObject({
      kind: 'message',
      id: asId('message'),
      resourceType: 'customer',
      resourceId: asId('customer'),
      type: 'CustomerLastNameSet',
      version: 2,
      isPayloadIncluded: true,
    });
    expect(n.message?.lastName).toBe('Doe');
  });

  it.each([
    ['resource-created-payload', 'created'],
    ['resource-updated-payload', 'updated'],
    ['resource-deleted-payload', 'deleted'],
  ])('%s → %s', (name, kind) => {
    const n = parsePlatformPayload(example(name));
    expect(n).toMatchObject({
      kind,
      resourceType: 'product',
      resourceId: asId('product'),
      version: expect.any(Number),
    });
    expect(n.id).toContain(n.resourceId);
  });

  it('a Message whose payload was not included', () => {
    const n = parsePlatformPayload({
      ...(example('message-payload') as object),
      type: undefined,
      lastName: undefined,
      payloadNotIncluded: example('payload-not-included'),
    });
    expect(n).toMatchObject({
      kind: 'message',
      isPayloadIncluded: false,
      type: 'ProductPublished',
      message: undefined,
    });
  });

  it('CloudEvents: data holds the platform payload', () => {
    const n = decodeCommercetoolsPayload(example('cloudevents-payload'));
    expect(n).toMatchObject({
      kind: 'message',
      type: 'ProductPublished',
      resourceType: 'product',
      resourceId: 'b32d1013-cd25-4cb4-95ab-99c494531d73',
    });
  });

  it('an Event payload is recognized (and not synced)', () => {
    expect(parsePlatformPayload(example('event-payload'))).toMatchObject({
      kind: 'event',
      type: 'ImportContainerCreated',
    });
  });

  it('rejects what is not a JSON object', () => {
    expect(() => parsePlatformPayload('text')).toThrow(InvalidNotificationError);
  });
});

describe('Pub/Sub push envelopes', () => {
  const payload = example('message-payload');
  it('decodes base64 message.data and keeps the delivery id', () => {
    const body = {
      message: { data: Buffer.from(JSON.stringify(payload)).toString('base64'), messageId: 'm-1' },
      subscription: 's',
    };
    const { notification, messageId } = decodePubSubPush(body, { skipBase64Decode: false });
    expect(messageId).toBe('m-1');
    expect(notification.type).toBe('CustomerLastNameSet');
  });

  it('takes the raw payload in SKIP_BASE64_DECODE mode, and tells what is missing otherwise', () => {
    expect(decodePubSubPush(payload, { skipBase64Decode: true }).notification.type).toBe('CustomerLastNameSet');
    expect(() => decodePubSubPush({ message: {} }, { skipBase64Decode: false })).toThrow('message.data');
    expect(() => decodePubSubPush({ message: { data: '%%%' } }, { skipBase64Decode: false })).toThrow(
      'not base64-encoded JSON',
    );
  });
});
