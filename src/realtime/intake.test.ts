import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '../commercetools/dead-letter-store.ts';
import { CommercetoolsError, KlaviyoApiError, PermanentRecordError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import { Dispatcher } from './dispatcher.ts';
import { type DeadLetterStorage, Intake } from './intake.ts';
import { applied, type Processor, type ProcessorContext } from './processor.ts';

/** Dead letters in memory; `isDown` makes every write fail (commercetools unreachable). */
class MemoryDeadLetters implements DeadLetterStorage {
  readonly letters = new Map<string, DeadLetter & { key: string; version: number }>();
  isDown = false;

  async put(letter: Omit<DeadLetter, 'firstFailedAt' | 'lastFailedAt' | 'attempts'>): Promise<void> {
    if (this.isDown) throw new CommercetoolsError(503, 'commercetools dead letter write failed (503)');
    const previous = this.letters.get(letter.notificationId);
    const at = new Date().toISOString();
    this.letters.set(letter.notificationId, {
      ...letter,
      key: letter.notificationId,
      version: (previous?.version ?? 0) + 1,
      firstFailedAt: previous?.firstFailedAt ?? at,
      lastFailedAt: at,
      attempts: (previous?.attempts ?? 0) + 1,
    });
  }

  async get(key: string): Promise<(DeadLetter & { key: string; version: number }) | undefined> {
    return this.letters.get(key);
  }

  async list(limit = 500, after?: string): Promise<Array<DeadLetter & { key: string; version: number }>> {
    return [...this.letters.values()]
      .filter((l) => after === undefined || l.key > after)
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .slice(0, limit);
  }

  async remove(key: string): Promise<void> {
    this.letters.delete(key);
  }
}

/** A customer message as commercetools sends it. */
const message = (id: string, customerId = 'c-1') => ({
  notificationType: 'Message',
  projectKey: 'demo',
  id,
  type: 'CustomerCreated',
  resourceVersion: 1,
  resource: { typeId: 'customer', id: customerId },
});
const pubsub = (payload: unknown, messageId: string) => ({
  message: { data: Buffer.from(JSON.stringify(payload)).toString('base64'), messageId },
  subscription: 's',
});

function setup(behaviour: () => Promise<void> = async () => undefined) {
  const calls: string[] = [];
  const processor: Processor = {
    name: 'customer',
    handles: (n) => n.resourceType === 'customer',
    async process(n) {
      calls.push(n.id);
      await behaviour();
      return applied(`profile upserted for ${n.resourceId}`);
    },
  };
  const deadLetters = new MemoryDeadLetters();
  const intake = new Intake(
    new Dispatcher([processor], { projectKey: 'demo' } as ProcessorContext, new Set()),
    deadLetters,
    silentLogger(),
  );
  return { intake, deadLetters, calls };
}

describe('Intake: what is acknowledged and what is redelivered', () => {
  it('applies a notification and acknowledges it; a redelivery of it is acknowledged as a duplicate without applying it again', async () => {
    const { intake, calls } = setup();
    expect(await intake.receive({ body: pubsub(message('m-1'), 'd-1'), envelope: 'pubsub' })).toEqual({
      isAcknowledged: true,
      status: 'applied',
      detail: 'profile upserted for c-1',
    });
    expect(await intake.receive({ body: pubsub(message('m-1'), 'd-2'), envelope: 'pubsub' })).toMatchObject({
      isAcknowledged: true,
      status: 'duplicate',
    });
    expect(await intake.receive({ body: message('m-1'), envelope: 'platform', deliveryId: 'sqs-1' })).toMatchObject({
      status: 'duplicate',
    });
    expect(calls).toEqual(['m-1']);
    expect(intake.stats.byStatus).toMatchObject({ applied: 1, duplicate: 2 });
  });

  it.each([
    [
      'Klaviyo throttled the call (429)',
      new KlaviyoApiError(429, [{ code: 'throttled', detail: 'Request was throttled.' }], 'create_or_update_profile'),
    ],
    [
      'Klaviyo is down (503)',
      new KlaviyoApiError(503, [{ code: 'error', detail: 'A server error occurred.' }], 'create_or_update_profile'),
    ],
    [
      'no answer from Klaviyo',
      new KlaviyoApiError(0, [{ code: 'network', detail: 'no answer' }], 'create_or_update_profile'),
    ],
    ['commercetools is down (502)', new CommercetoolsError(502, 'commercetools customer read failed (502)')],
    [
      'Klaviyo refuses the key (401: fatal, not the message’s fault)',
      new KlaviyoApiError(401, [{ code: 'not_authenticated', detail: 'Invalid key.' }], 'create_or_update_profile'),
    ],
  ])('%s → not acknowledged, not dead-lettered, and handled again when redelivered', async (_what, error) => {
    let isFailing = true;
    const { intake, deadLetters, calls } = setup(async () => {
      if (isFailing) throw error;
    });
    expect(await intake.receive({ body: pubsub(message('m-2'), 'd-1'), envelope: 'pubsub' })).toMatchObject({
      isAcknowledged: false,
      status: 'retry',
    });
    expect(deadLetters.letters.size).toBe(0);
    isFailing = false;
    expect(await intake.receive({ body: pubsub(message('m-2'), 'd-1'), envelope: 'pubsub' })).toMatchObject({
      isAcknowledged: true,
      status: 'applied',
    });
    expect(calls).toEqual(['m-2', 'm-2']);
  });

  it.each([
    [
      'Klaviyo refuses the payload (400)',
      new KlaviyoApiError(
        400,
        [{ code: 'invalid', detail: 'Invalid email.', source: { pointer: '/data/attributes/email' } }],
        'create_or_update_profile',
      ),
      'invalid',
    ],
    [
      'the resource is gone (404)',
      new CommercetoolsError(404, 'commercetools customer read failed (404)', 'ResourceNotFound'),
      'ResourceNotFound',
    ],
    [
      'a record that cannot be written',
      new PermanentRecordError('catalog_job_error', 'Klaviyo could not create item x'),
      'catalog_job_error',
    ],
    // Not classified as passing: it would fail the same way forever (a poison message).
    ['an unexpected error', new TypeError('Cannot read properties of undefined'), 'unexpected_error'],
  ])('%s → kept as a dead letter with its reason and code, and acknowledged', async (_what, error, code) => {
    const { intake, deadLetters } = setup(async () => {
      throw error;
    });
    expect(await intake.receive({ body: pubsub(message('m-3'), 'd-1'), envelope: 'pubsub' })).toMatchObject({
      isAcknowledged: true,
      status: 'dead-lettered',
      detail: error.message,
    });
    expect(deadLetters.letters.get('m-3')).toMatchObject({
      resourceType: 'customer',
      resourceId: 'c-1',
      type: 'CustomerCreated',
      code,
      reason: error.message,
      payload: message('m-3'),
      attempts: 1,
    });
  });

  it('a permanent failure whose dead letter cannot be stored is redelivered, never dropped', async () => {
    const { intake, deadLetters } = setup(async () => {
      throw new KlaviyoApiError(400, [{ code: 'invalid', detail: 'Invalid email.' }], 'create_or_update_profile');
    });
    deadLetters.isDown = true;
    expect(await intake.receive({ body: pubsub(message('m-4'), 'd-1'), envelope: 'pubsub' })).toMatchObject({
      isAcknowledged: false,
      status: 'retry',
      detail: expect.stringContaining('could not store the dead letter'),
    });
  });

  it.each([
    ['a Pub/Sub push without message.data', { message: {} }, 'pubsub'],
    ['message.data that is not base64 JSON', { message: { data: '%%%' } }, 'pubsub'],
    ['a payload that is not an object', 'text', 'platform'],
  ] as const)(
    '%s → kept as an invalid notification and acknowledged (it can never succeed)',
    async (_what, body, envelope) => {
      const { intake, deadLetters, calls } = setup();
      expect(await intake.receive({ body, envelope, deliveryId: 'sqs-9' })).toMatchObject({
        isAcknowledged: true,
        status: 'dead-lettered',
      });
      expect([...deadLetters.letters.values()]).toMatchObject([{ code: 'invalid_notification', payload: body }]);
      expect(calls).toEqual([]);
    },
  );

  it('test messages, Events and unknown payloads are acknowledged and ignored', async () => {
    const { intake, calls } = setup();
    expect(
      await intake.receive({
        body: {
          notificationType: 'Message',
          projectKey: 'demo',
          id: 'x',
          type: 'ProductPublished',
          resource: { typeId: 'product', id: 'p' },
        },
        envelope: 'platform',
      }),
    ).toMatchObject({ isAcknowledged: true, status: 'ignored', detail: 'no processor for product' });
    expect(
      await intake.receive({
        body: { notificationType: 'Event', id: 'e', type: 'ImportContainerCreated' },
        envelope: 'platform',
      }),
    ).toMatchObject({ isAcknowledged: true, status: 'ignored' });
    expect(await intake.receive({ body: { projectKey: 'demo', id: 't' }, envelope: 'platform' })).toMatchObject({
      isAcknowledged: true,
      status: 'ignored',
      detail: 'subscription test message acknowledged',
    });
    expect(calls).toEqual([]);
  });

  it('replay applies the dead letters that now succeed and removes them; those that fail again stay, counted', async () => {
    let isFailing = true;
    const { intake, deadLetters } = setup(async () => {
      if (isFailing)
        throw new KlaviyoApiError(400, [{ code: 'invalid', detail: 'Invalid email.' }], 'create_or_update_profile');
    });
    await intake.receive({ body: message('m-5', 'c-5'), envelope: 'platform' });
    await intake.receive({ body: message('m-6', 'c-6'), envelope: 'platform' });
    expect(deadLetters.letters.size).toBe(2);
    expect(await intake.replay(['m-5'])).toMatchObject([{ key: 'm-5', status: 'dead-lettered' }]);
    expect(deadLetters.letters.get('m-5')?.attempts).toBe(2);
    isFailing = false;
    expect(await intake.replay()).toMatchObject([
      { key: 'm-5', status: 'applied' },
      { key: 'm-6', status: 'applied' },
    ]);
    expect(deadLetters.letters.size).toBe(0);
  });

  it('a notification of another project, or of none, is acknowledged and ignored, never applied', async () => {
    const { intake, calls } = setup();
    expect(
      await intake.receive({ body: { ...message('m-7'), projectKey: 'some-other-project' }, envelope: 'platform' }),
    ).toMatchObject({ isAcknowledged: true, status: 'ignored', detail: 'the notification is of another project' });
    const { projectKey: _p, ...keyless } = message('m-8');
    expect(await intake.receive({ body: keyless, envelope: 'platform' })).toMatchObject({
      isAcknowledged: true,
      status: 'ignored',
    });
    expect(calls).toEqual([]);
  });

  it.each([
    ['a resource id that is a path segment', '.'],
    ['a resource id with a slash', 'a/../b'],
    ['a resource id of 5,000 characters', 'x'.repeat(5000)],
  ])('%s → dead-lettered as invalid and acknowledged, the processor never called', async (_what, id) => {
    const { intake, deadLetters, calls } = setup();
    expect(await intake.receive({ body: message('m-9', id), envelope: 'platform' })).toMatchObject({
      isAcknowledged: true,
      status: 'dead-lettered',
    });
    expect([...deadLetters.letters.values()]).toMatchObject([{ code: 'invalid_notification' }]);
    expect(calls).toEqual([]);
  });

  it('a reused delivery id does not hide a different notification; the same notification under a new delivery id is a duplicate', async () => {
    const { intake, calls } = setup();
    await intake.receive({ body: pubsub(message('m-10', 'c-10'), 'reused'), envelope: 'pubsub' });
    expect(await intake.receive({ body: pubsub(message('m-11', 'c-11'), 'reused'), envelope: 'pubsub' })).toMatchObject(
      { status: 'applied' },
    );
    expect(await intake.receive({ body: pubsub(message('m-11', 'c-11'), 'other'), envelope: 'pubsub' })).toMatchObject({
      status: 'duplicate',
    });
    expect(calls).toEqual(['m-10', 'm-11']);
  });

  it('a payload too deep or too big to store is dead-lettered as a bounded skeleton with its size and hash', async () => {
    const { intake, deadLetters } = setup(async () => {
      throw new TypeError('Cannot read properties of undefined');
    });
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++) deep = { deep };
    const big = { ...message('m-12'), padding: 'x'.repeat(200_000) };
    expect(await intake.receive({ body: { ...message('m-13'), deep }, envelope: 'platform' })).toMatchObject({
      isAcknowledged: true,
      status: 'dead-lettered',
    });
    expect(await intake.receive({ body: big, envelope: 'platform' })).toMatchObject({ status: 'dead-lettered' });
    const stored = deadLetters.letters.get('m-12')?.payload as Record<string, any>;
    expect(JSON.stringify(stored).length).toBeLessThan(2_000);
    expect(stored).toMatchObject({
      notificationType: 'Message',
      id: 'm-12',
      resource: { typeId: 'customer', id: 'c-1' },
      truncated: { bytes: JSON.stringify(big).length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(deadLetters.letters.get('m-13')?.payload).toMatchObject({
      id: 'm-13',
      truncated: { reason: expect.stringContaining('levels deep') },
    });
  });
});
