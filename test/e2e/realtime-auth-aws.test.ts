import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createLambdaHandlers } from '../../src/lambda.ts';
import { request } from '../helpers/http.ts';
import { message, pubsub } from '../helpers/notifications.ts';
import { runNode } from '../helpers/service-process.ts';
import { KLAVIYO_KEY, type Stack, serviceEnv, startStack } from '../helpers/stack.ts';

type R = Record<string, any>;
const AUDIENCE = 'https://sync.example.test/events/pubsub';
const customers = [...generateDataset({ size: 'tiny' })]
  .filter((r) => r.typeId === 'customer')
  .map((r) => r.resource as R);
let jwks: Server;
let jwksUrl: string;
let sign: (claims: { aud?: string; iss?: string; email?: string; emailVerified?: boolean }) => Promise<string>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const address = jwks.address();
  jwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/certs`;
  sign = (claims) =>
    new SignJWT({
      email: claims.email ?? 'pubsub@project.iam.gserviceaccount.com',
      email_verified: claims.emailVerified ?? true,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(claims.iss ?? 'https://accounts.google.com')
      .setAudience(claims.aud ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
});
afterAll(async () => {
  await new Promise((resolve) => jwks.close(resolve));
});

describe('Pub/Sub OIDC push authentication', () => {
  it('accepts a token signed for the configured audience and refuses others with 401', async () => {
    const stack = await startStack({
      env: {
        PUSH_OIDC_AUDIENCE: AUDIENCE,
        PUSH_OIDC_JWKS_URL: jwksUrl,
        PUSH_OIDC_EMAIL: 'pubsub@project.iam.gserviceaccount.com',
      },
    });
    try {
      const post = async (token?: string) =>
        request<any>('POST', `${stack.service.url}/events/pubsub`, {
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: pubsub(message('customer', customers[0].id, 'CustomerCreated')),
        });
      expect((await post(await sign({}))).status).toBe(200);
      expect((await post(await sign({ aud: 'https://other.example/' }))).status).toBe(401);
      expect((await post(await sign({ iss: 'https://evil.example' }))).status).toBe(401);
      expect((await post(await sign({ email: 'someone@else.example' }))).status).toBe(401);
      // The right service account, but an email Google did not verify.
      expect((await post(await sign({ emailVerified: false }))).status).toBe(401);
      expect((await post()).status).toBe(401);
      const body = (await post('not.a.jwt')).body;
      expect(body).toEqual({ error: 'UNAUTHENTICATED', message: 'Authentication required.' });
    } finally {
      await stack.close();
    }
  });
});

describe('AWS Lambda handlers', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack.close());

  it('SQS: processes a batch and reports only the transiently failed records for redelivery', async () => {
    const config = loadConfig(serviceEnv(stack.ct, stack.klaviyo.url, { REALTIME_RETRY_BUDGET_SECONDS: '0' }), {
      envFile: false,
    });
    const handlers = createLambdaHandlers(config, createLogger({ level: 'silent' }));
    await request('POST', `${stack.klaviyo.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'create_or_update_profile', kind: 'status', status: 503, count: 1 },
    });
    const result = await handlers.sqs({
      Records: [
        { messageId: 'sqs-1', body: JSON.stringify(message('customer', customers[4].id, 'CustomerCreated')) },
        { messageId: 'sqs-2', body: JSON.stringify(message('customer', customers[5].id, 'CustomerCreated')) },
        { messageId: 'sqs-3', body: 'not json' },
      ],
    });
    // The records are handled together: whichever reached Klaviyo first met the one 503. Exactly that record is
    // named for redelivery (the unparseable one is acknowledged: redelivering it would never help).
    expect(result.batchItemFailures).toHaveLength(1);
    const failedId = result.batchItemFailures[0].itemIdentifier;
    expect(['sqs-1', 'sqs-2']).toContain(failedId);
    const [failed, landed] = failedId === 'sqs-1' ? [customers[4], customers[5]] : [customers[5], customers[4]];
    const profiles = (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/profiles?key=${KLAVIYO_KEY}`)).body;
    expect(profiles.map((p) => p.external_id)).toContain(landed.id);
    expect(profiles.map((p) => p.external_id)).not.toContain(failed.id);
    const retried = await handlers.sqs({
      Records: [{ messageId: failedId, body: JSON.stringify(message('customer', failed.id, 'CustomerCreated')) }],
    });
    expect(retried.batchItemFailures).toEqual([]);
  });

  it('EventBridge: detail is the payload; a transient failure throws so EventBridge retries', async () => {
    const config = loadConfig(serviceEnv(stack.ct, stack.klaviyo.url, { REALTIME_RETRY_BUDGET_SECONDS: '0' }), {
      envFile: false,
    });
    const handlers = createLambdaHandlers(config, createLogger({ level: 'silent' }));
    expect(
      await handlers.eventBridge({ id: 'eb-1', detail: message('customer', customers[6].id, 'CustomerCreated') }),
    ).toEqual({ status: 'ok' });
    await request('POST', `${stack.klaviyo.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'create_or_update_profile', kind: 'status', status: 500, count: 1 },
    });
    await expect(
      handlers.eventBridge({ id: 'eb-2', detail: message('customer', customers[7].id, 'CustomerCreated') }),
    ).rejects.toThrow('EventBridge will retry');
  });
});

describe('subscription setup', () => {
  it('creates the subscription with the messages and changes real-time sync handles, replacing an old one', async () => {
    const stack = await startStack();
    try {
      const env = { ...process.env, ...serviceEnv(stack.ct, stack.klaviyo.url) };
      for (let i = 0; i < 2; i++) {
        const r = await runNode(
          [
            'scripts/create-subscriptions.ts',
            '--destination',
            'pubsub',
            '--project-id',
            'gcp-p',
            '--topic',
            'ct-events',
          ],
          env,
        );
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toContain("Created subscription 'ct-klaviyo-sync'");
      }
      const token = (
        await request<any>('POST', `${stack.ct.url}/oauth/token?grant_type=client_credentials`, {
          headers: { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        })
      ).body.access_token;
      const subs = await request<any>('GET', `${stack.ct.url}/demo/subscriptions`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(subs.body.results).toHaveLength(1);
      expect(subs.body.results[0]).toMatchObject({
        key: 'ct-klaviyo-sync',
        destination: { type: 'GoogleCloudPubSub', projectId: 'gcp-p', topic: 'ct-events' },
      });
      expect(subs.body.results[0].messages.map((m: R) => m.resourceTypeId).sort()).toEqual([
        'category',
        'customer',
        'inventory-entry',
        'order',
        'payment',
        'product',
      ]);
      const orderMessages = subs.body.results[0].messages.find((m: R) => m.resourceTypeId === 'order').types;
      expect(orderMessages).toEqual(
        expect.arrayContaining([
          'OrderPaymentStateChanged',
          'OrderShipmentStateChanged',
          'DeliveryAdded',
          'ReturnInfoAdded',
        ]),
      );
      const changes = (body: R) => body.results[0].changes.map((c: R) => c.resourceTypeId).sort();
      expect(changes(subs.body)).toEqual(['category', 'customer', 'product']);
      // With Started Checkout on, cart changes are subscribed too.
      const withCarts = await runNode(
        ['scripts/create-subscriptions.ts', '--destination', 'pubsub', '--project-id', 'gcp-p', '--topic', 'ct-events'],
        { ...env, STARTED_CHECKOUT: 'true' },
      );
      expect(withCarts.status, withCarts.stderr).toBe(0);
      const after = await request<any>('GET', `${stack.ct.url}/demo/subscriptions`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(changes(after.body)).toEqual(['cart', 'category', 'customer', 'product']);
      const bad = await runNode(['scripts/create-subscriptions.ts', '--destination', 'sqs'], env);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('--queue-url and --region are required');
    } finally {
      await stack.close();
    }
  });
});
