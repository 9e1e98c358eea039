/**
 * Creates (or replaces) the commercetools subscription that feeds real-time sync: the messages and changes
 * of customers, orders, payments, categories, products and inventory (and carts with STARTED_CHECKOUT=true), delivered to Google Pub/Sub, SQS or
 * EventBridge, in Platform or CloudEvents format. Uses the same CT_* variables as the service.
 *
 *   npm run subscriptions -- --destination pubsub --project-id my-gcp-project --topic ct-klaviyo
 *   npm run subscriptions -- --destination sqs --queue-url https://sqs.eu-west-1.amazonaws.com/123/q --region eu-west-1
 *   npm run subscriptions -- --destination eventbridge --region eu-west-1 --account-id 123456789012
 */
import { parseArgs } from 'node:util';
import type { SubscriptionDraft } from '@commercetools/platform-sdk';
import { createCommercetoolsApi } from '../src/commercetools/client.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { ConfigError } from '../src/core/errors.ts';

export const SUBSCRIPTION_KEY = 'ct-klaviyo-sync';

/** What real-time sync listens to. Categories have no update/delete messages, so changes are subscribed too. */
export const SUBSCRIBED_MESSAGES: SubscriptionDraft['messages'] = [
  {
    resourceTypeId: 'customer',
    types: [
      'CustomerCreated',
      'CustomerEmailChanged',
      'CustomerFirstNameSet',
      'CustomerLastNameSet',
      'CustomerTitleSet',
      'CustomerCompanyNameSet',
      'CustomerAddressAdded',
      'CustomerAddressChanged',
      'CustomerAddressRemoved',
      'CustomerDefaultBillingAddressSet',
      'CustomerDeleted',
    ],
  },
  {
    resourceTypeId: 'order',
    types: [
      'OrderCreated',
      'OrderImported',
      'OrderCustomerSet',
      'OrderCustomerEmailSet',
      'OrderStateChanged',
      'OrderPaymentStateChanged',
      'OrderShipmentStateChanged',
      'DeliveryAdded',
      'DeliveryItemsUpdated',
      'ParcelAddedToDelivery',
      'ParcelItemsUpdated',
      'ParcelTrackingDataUpdated',
      'ReturnInfoAdded',
      'ReturnInfoSet',
    ],
  },
  { resourceTypeId: 'payment', types: ['PaymentTransactionAdded', 'PaymentTransactionStateChanged'] },
  { resourceTypeId: 'category', types: ['CategoryCreated'] },
  { resourceTypeId: 'product', types: ['ProductPublished', 'ProductUnpublished', 'ProductDeleted'] },
  { resourceTypeId: 'inventory-entry', types: ['InventoryEntryQuantitySet'] },
];
export const SUBSCRIBED_CHANGES: SubscriptionDraft['changes'] = [
  { resourceTypeId: 'customer' },
  { resourceTypeId: 'category' },
  { resourceTypeId: 'product' },
];

/** Carts have no messages worth subscribing to: their changes feed Started Checkout (STARTED_CHECKOUT=true). */
export const CART_CHANGES: NonNullable<SubscriptionDraft['changes']> = [{ resourceTypeId: 'cart' }];

export function subscriptionDraft(args: {
  destination: string;
  /** Subscribe to cart changes too (Started Checkout). */
  carts?: boolean;
  projectId?: string;
  topic?: string;
  queueUrl?: string;
  region?: string;
  accountId?: string;
  format?: string;
}): SubscriptionDraft {
  const problems: string[] = [];
  let destination: SubscriptionDraft['destination'];
  if (args.destination === 'pubsub') {
    if (!args.projectId || !args.topic) problems.push('--project-id and --topic are required for --destination pubsub');
    destination = { type: 'GoogleCloudPubSub', projectId: args.projectId ?? '', topic: args.topic ?? '' };
  } else if (args.destination === 'sqs') {
    if (!args.queueUrl || !args.region) problems.push('--queue-url and --region are required for --destination sqs');
    destination = { type: 'SQS', queueUrl: args.queueUrl ?? '', region: args.region ?? '', authenticationMode: 'IAM' };
  } else if (args.destination === 'eventbridge') {
    if (!args.region || !args.accountId)
      problems.push('--region and --account-id are required for --destination eventbridge');
    destination = {
      type: 'EventBridge',
      region: args.region ?? '',
      accountId: args.accountId ?? '',
      source: 'ct-klaviyo-sync',
    };
  } else {
    problems.push('--destination must be pubsub, sqs or eventbridge');
    destination = { type: 'GoogleCloudPubSub', projectId: '', topic: '' };
  }
  if (args.format && args.format !== 'platform' && args.format !== 'cloudevents')
    problems.push('--format must be platform or cloudevents');
  if (problems.length) throw new ConfigError(problems);
  return {
    key: SUBSCRIPTION_KEY,
    destination,
    messages: SUBSCRIBED_MESSAGES,
    changes: [...(SUBSCRIBED_CHANGES ?? []), ...(args.carts ? CART_CHANGES : [])],
    format: args.format === 'cloudevents' ? { type: 'CloudEvents', cloudEventsVersion: '1.0' } : { type: 'Platform' },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      destination: { type: 'string', default: 'pubsub' },
      'project-id': { type: 'string' },
      topic: { type: 'string' },
      'queue-url': { type: 'string' },
      region: { type: 'string' },
      'account-id': { type: 'string' },
      format: { type: 'string', default: 'platform' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run subscriptions -- --destination pubsub|sqs|eventbridge [--project-id p --topic t | --queue-url u --region r | --region r --account-id a] [--format platform|cloudevents]\n',
    );
    return;
  }
  try {
    const config = loadConfig();
    const draft = subscriptionDraft({
      destination: values.destination,
      projectId: values['project-id'],
      topic: values.topic,
      queueUrl: values['queue-url'],
      region: values.region,
      accountId: values['account-id'],
      format: values.format,
      carts: config.realtime.startedCheckout !== undefined,
    });
    const api = createCommercetoolsApi(config.commercetools);
    try {
      const existing = await api.subscriptions().withKey({ key: SUBSCRIPTION_KEY }).get().execute();
      await api
        .subscriptions()
        .withKey({ key: SUBSCRIPTION_KEY })
        .delete({ queryArgs: { version: existing.body.version } })
        .execute();
      process.stdout.write(`Replaced the existing subscription '${SUBSCRIPTION_KEY}'.\n`);
    } catch {
      // none yet
    }
    const created = await api.subscriptions().post({ body: draft }).execute();
    process.stdout.write(
      `Created subscription '${created.body.key}' (${created.body.id}) → ${draft.destination.type}. commercetools sends a test message first; the service acknowledges it.\n`,
    );
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1]?.endsWith('create-subscriptions.ts')) {
  await main();
  // The SDK keeps a keep-alive connection open; this is a one-shot command.
  process.exit(process.exitCode ?? 0);
}
