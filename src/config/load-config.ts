import { existsSync } from 'node:fs';
import { type EntityKind, isEntityKind } from '../core/entity-kind.ts';
import { ConfigError } from '../core/errors.ts';

export type AppType = 'BULK_IMPORT' | 'EVENT' | 'ALL';

import type { CommercetoolsSettings } from '../commercetools/client.ts';
import type { ConsentConfig } from '../mapping/consent.ts';
import type { PropertyFilter } from '../mapping/mapping-options.ts';
import { DEFAULT_ORDER_METRICS, type OrderMetricNames } from '../mapping/order-to-events.ts';
import { CONSENT_ENV_VARS, loadConsentConfig } from './consent-config.ts';
import { parseStoreRoutes, type StoreRoute } from './store-routes.ts';

export interface Config {
  commercetools: CommercetoolsSettings;
  klaviyo: {
    apiKey: string;
    apiUrl: string;
    /** Per-operation limits replacing the published ones (operationId → limits). */
    rateLimits: Readonly<Record<string, { burstPerSecond: number; steadyPerMinute: number }>>;
  };
  appType: AppType;
  port: number;
  host: string;
  productUrlTemplate?: string;
  preferredLocale?: string;
  preferredCurrency?: string;
  /** Catalog prices: the price channel and customer group whose prices come first (a store route's). */
  priceChannelId?: string;
  priceCustomerGroupId?: string;
  /** Supply channel whose stock is sent for variants. */
  inventoryChannelId?: string;
  allowImagelessProducts: boolean;
  lockTtlMs: number;
  /** A delta from the high-water mark starts this much earlier (clocks a little apart lose nothing). */
  deltaOverlapMs: number;
  /** What a 409 duplicate_profile does: fail the record naming the profiles, or merge them into the customer's. */
  identityConflict: 'fail' | 'merge';
  /**
   * Stores routed to Klaviyo accounts of their own (STORE_ROUTES); records of no store follow this configuration
   * (the default route). Empty: one account for everything.
   */
  storeRoutes: readonly StoreRoute[];
  /** Profiles per Klaviyo bulk import job (≤ 10,000). */
  profileBatchSize: number;
  /** Bulk jobs (or catalog batches) an import keeps in flight at once. */
  bulkJobsInFlight: number;
  logLevel: string;
  customerProperties: PropertyFilter;
  /** Marketing consent synced to Klaviyo (CONSENT_*); absent when not configured. */
  consent?: ConsentConfig;
  /** A Klaviyo list every imported customer joins (CUSTOMERS_LIST_ID). */
  customersListId?: string;
  orders: {
    metrics: OrderMetricNames;
    fulfilledStates: string[];
    cancelledStates: string[];
    paidStates: string[];
    deliveredStates: string[];
    textLocale: 'order' | 'preferred';
    properties: PropertyFilter;
  };
  /** What POST /job (a scheduled import, e.g. a commercetools Connect job) imports, in order. */
  scheduledImportTypes: EntityKind[];
  /** What POST /job runs: full imports, or deltas from each type's high-water mark (a full import where none). */
  scheduledImportMode: 'full' | 'delta';
  /** Bearer token required on the management API (sync, stop, status, dead letters), when set. */
  syncApiToken?: string;
  realtime: {
    skipBase64Decode: boolean;
    /** How long one notification may retry Klaviyo before it is handed back for redelivery. */
    retryBudgetMs: number;
    /** Longest a notification's events wait to share a bulk request with others'; 0: one create_event each. */
    eventHoldMs: number;
    /** A batch of events goes this long after the last arrival when nothing else comes. */
    eventIdleMs: number;
    /** Profile writes a second from which real-time profiles go through bulk import jobs (0: always); absent: never. */
    profileBulkRate?: number;
    /** How long an instance keeps a real-time profile job to itself before another may finish it. */
    profileJobLeaseMs: number;
    disabledProcessors: string[];
    /** What a deleted commercetools customer does to its Klaviyo profile: nothing, or mark it. */
    customerDeleted: 'ignore' | 'mark' | 'erase';
    /** Started Checkout from carts (STARTED_CHECKOUT=true). */
    startedCheckout?: { checkoutUrlTemplate?: string; windowMinutes: number };
    pushToken?: string;
    oidcAudience?: string;
    oidcJwksUrl: string;
    oidcIssuer: string;
    oidcEmail?: string;
  };
  /** Identifies this process in locks (`host:pid:random`). */
  instanceId: string;
}

/** Every environment variable the service reads, for docs and the error message. */
export const ENV_VARS: ReadonlyArray<{ name: string; required: boolean; description: string; example: string }> = [
  {
    name: 'CT_API_URL',
    required: true,
    description: 'commercetools API URL',
    example: 'https://api.us-central1.gcp.commercetools.com',
  },
  {
    name: 'CT_AUTH_URL',
    required: true,
    description: 'commercetools auth URL',
    example: 'https://auth.us-central1.gcp.commercetools.com',
  },
  { name: 'CT_PROJECT_ID', required: true, description: 'commercetools project key', example: 'my-project-prod' },
  {
    name: 'CT_SCOPE',
    required: true,
    description: 'API client scopes, space-separated (CT_SCOPES is accepted too)',
    example: 'view_orders:my-project view_customers:my-project manage_key_value_documents:my-project',
  },
  {
    name: 'CT_API_CLIENT',
    required: true,
    description: 'API client id and secret as JSON',
    example: '{"clientId":"…","secret":"…"}',
  },
  { name: 'KLAVIYO_AUTH_KEY', required: true, description: 'Klaviyo private API key', example: 'pk_…' },
  {
    name: 'KLAVIYO_API_URL',
    required: false,
    description: 'Klaviyo API base URL (the emulator’s URL in tests and the demo)',
    example: 'https://a.klaviyo.com',
  },
  {
    name: 'KLAVIYO_RATE_LIMITS',
    required: false,
    description: 'per-operation rate limits replacing the published ones, as JSON',
    example: '{"bulk_import_profiles":{"burstPerSecond":5,"steadyPerMinute":100}}',
  },
  {
    name: 'APP_TYPE',
    required: false,
    description: 'BULK_IMPORT (bulk API only), EVENT (real-time only); unset runs both',
    example: 'BULK_IMPORT',
  },
  { name: 'PUB_SUB_PORT', required: false, description: 'HTTP port', example: '6779' },
  {
    name: 'HOST',
    required: false,
    description: 'interface to listen on (0.0.0.0 in containers)',
    example: '127.0.0.1',
  },
  {
    name: 'PRODUCT_URL_TEMPLATE',
    required: false,
    description: 'product URL with {{productSlug}}',
    example: 'https://example-store.com/products/{{productSlug}}',
  },
  { name: 'PREFERRED_LOCALE', required: false, description: 'locale for localized strings', example: 'en-US' },
  { name: 'PREFERRED_CURRENCY', required: false, description: 'currency for prices', example: 'EUR' },
  {
    name: 'INVENTORY_CHANNEL_ID',
    required: false,
    description:
      "supply channel id whose stock is sent (its 0 means out of stock); otherwise the variant's overall stock",
    example: 'a1b2c3d4-…',
  },
  {
    name: 'ALLOW_IMAGELESS_PRODUCTS',
    required: false,
    description: 'import products without an image (the seed requires one)',
    example: 'false',
  },
  {
    name: 'LOCK_TTL_SECONDS',
    required: false,
    description: 'lease of the per-type import lock; a crashed holder’s lock expires after this',
    example: '180',
  },
  {
    name: 'PROFILE_BATCH_SIZE',
    required: false,
    description: 'profiles per Klaviyo bulk import job (1-10000; smaller means more frequent checkpoints)',
    example: '10000',
  },
  {
    name: 'BULK_JOBS_IN_FLIGHT',
    required: false,
    description:
      'bulk jobs an import keeps in flight at once (profile import jobs; catalog batches), 1-500: enough that slow Klaviyo jobs do not bound throughput, the rate limits do',
    example: '100',
  },
  {
    name: 'SCHEDULED_IMPORT_TYPES',
    required: false,
    description: 'what POST /job imports, in order (comma-separated)',
    example: 'categories,products,customers,orders',
  },
  {
    name: 'STORE_ROUTES',
    required: false,
    description:
      'several stores, several Klaviyo accounts: a JSON array of routes [{"store":"<store key>","klaviyoAuthKeyEnv":"<variable holding its key>","locale":"de-DE","currency":"EUR","priceChannelId":…,"customerGroupId":…,"consentListId":…,"customersListId":…}] (or STORE_ROUTES_FILE, a path to it); records of no store follow KLAVIYO_AUTH_KEY and the rest of this configuration',
    example: '[{"store":"de","klaviyoAuthKeyEnv":"KLAVIYO_KEY_DE","locale":"de-DE","currency":"EUR"}]',
  },
  {
    name: 'IDENTITY_CONFLICT',
    required: false,
    description:
      "when Klaviyo says a customer's email or phone belongs to another profile (409 duplicate_profile): 'fail' the record with a reason naming both profiles (default), or 'merge' the other profile into the customer's (profile-merge) and write it; bulk and real time alike",
    example: 'fail',
  },
  {
    name: 'DELTA_OVERLAP_SECONDS',
    required: false,
    description:
      'a delta from the last completed run ({"delta": true}) starts this many seconds before that run started, so clocks a little apart lose nothing (0-3600, default 60; what is read twice is written twice, harmlessly)',
    example: '60',
  },
  {
    name: 'SCHEDULED_IMPORT_MODE',
    required: false,
    description:
      "what POST /job runs: 'full' imports (default) or 'delta' (what changed since each type's last completed run, a full import where none has completed); POST /job with {\"delta\": true} asks for a delta once",
    example: 'delta',
  },
  {
    name: 'SYNC_API_TOKEN',
    required: false,
    description: 'Bearer token required on the management API (≥ 16 characters); required when HOST is not loopback',
    example: 'a-long-random-string',
  },
  {
    name: 'ALLOW_UNAUTHENTICATED_API',
    required: false,
    description: 'listen beyond loopback without SYNC_API_TOKEN (only behind a network that protects it)',
    example: 'false',
  },
  {
    name: 'ALLOW_UNAUTHENTICATED_PUSH',
    required: false,
    description:
      'listen beyond loopback with real-time push endpoints but no push authentication (only behind a network that protects them)',
    example: 'false',
  },
  {
    name: 'SKIP_BASE64_DECODE',
    required: false,
    description: 'real-time: the push body is the commercetools payload itself, not a base64 Pub/Sub envelope',
    example: 'false',
  },
  {
    name: 'REALTIME_RETRY_BUDGET_SECONDS',
    required: false,
    description: 'real-time: seconds one notification may retry Klaviyo before asking for redelivery',
    example: '20',
  },
  {
    name: 'REALTIME_EVENT_HOLD_MS',
    required: false,
    description:
      "real-time: longest a notification's events wait to share one bulk events request with others' (0-5000, default 1000; sent 25 ms after the last arrival when traffic is low); 0 sends one create_event per event",
    example: '1000',
  },
  {
    name: 'REALTIME_EVENT_IDLE_MS',
    required: false,
    description:
      'real-time: a batch of events goes this many milliseconds after the last arrival when nothing else comes (1-5000, default 25): the latency of a lone notification',
    example: '25',
  },
  {
    name: 'REALTIME_PROFILE_BULK_RATE',
    required: false,
    description:
      'real-time: customer changes a second (over the last 5 s) from which profiles go through bulk profile import jobs (up to 2,500 a job, held up to 1 s) instead of one profile-import call each (default 5; 0: always in jobs; off: never). Jobs are recorded in commercetools custom objects until they complete; profiles Klaviyo refuses in a job become dead letters',
    example: '5',
  },
  {
    name: 'REALTIME_PROFILE_JOB_LEASE_SECONDS',
    required: false,
    description:
      'real-time: how long the instance that submitted a bulk profile import job keeps finishing it to itself (5-3600, default 300); after that any instance (or the restarted one) takes it over',
    example: '300',
  },
  {
    name: 'REALTIME_DISABLED_PROCESSORS',
    required: false,
    description: 'real-time processors switched off (customer, order, payment, category, product, inventory)',
    example: 'inventory',
  },
  {
    name: 'REALTIME_CUSTOMER_DELETED',
    required: false,
    description:
      "real-time: 'ignore' a deleted customer (default), 'mark' its profile (properties commercetools_deleted, commercetools_deleted_at), or 'erase' the person (Klaviyo profile deletion, recorded so no import brings them back; see POST /privacy/erase)",
    example: 'ignore',
  },
  {
    name: 'STARTED_CHECKOUT',
    required: false,
    description:
      'real-time: send Started Checkout for active carts with an email (or a customer) and line items; the subscription script then subscribes to carts',
    example: 'true',
  },
  {
    name: 'CHECKOUT_URL_TEMPLATE',
    required: false,
    description: "real-time: Started Checkout's CheckoutURL, with {{cartId}}",
    example: 'https://example-store.com/checkout?cart={{cartId}}',
  },
  {
    name: 'STARTED_CHECKOUT_WINDOW_MINUTES',
    required: false,
    description: 'real-time: at most one Started Checkout per cart in each window of this many minutes (default 60)',
    example: '60',
  },
  {
    name: 'PUSH_AUTH_TOKEN',
    required: false,
    description: 'real-time: shared token required on pushes (Authorization: Bearer, X-Push-Token or ?token=)',
    example: 'a-long-random-string',
  },
  {
    name: 'PUSH_OIDC_AUDIENCE',
    required: false,
    description: 'real-time: verify the Pub/Sub push OIDC token for this audience',
    example: 'https://sync.example.com/',
  },
  {
    name: 'PUSH_OIDC_JWKS_URL',
    required: false,
    description: 'real-time: where the OIDC signing keys are',
    example: 'https://www.googleapis.com/oauth2/v3/certs',
  },
  {
    name: 'PUSH_OIDC_ISSUER',
    required: false,
    description: 'real-time: expected OIDC issuer',
    example: 'https://accounts.google.com',
  },
  {
    name: 'PUSH_OIDC_EMAIL',
    required: false,
    description:
      'real-time: the service account the push subscription signs as (required with PUSH_OIDC_AUDIENCE; the token must carry it as a verified email)',
    example: 'pubsub@my-project.iam.gserviceaccount.com',
  },
  { name: 'LOG_LEVEL', required: false, description: 'pino log level', example: 'info' },
  {
    name: 'CUSTOMER_PROPERTIES_INCLUDE',
    required: false,
    description: 'custom fields sent as profile properties (comma-separated; empty = all)',
    example: 'loyaltyTier,newsletterOptIn',
  },
  {
    name: 'CUSTOMER_PROPERTIES_EXCLUDE',
    required: false,
    description: 'custom fields never sent (comma-separated)',
    example: 'internalNotes',
  },
  {
    name: 'ORDER_METRIC_NAMES',
    required: false,
    description:
      'event names, as JSON (placedOrder, orderedProduct, fulfilledOrder, cancelledOrder, refundedOrder, paidOrder, shippedOrder, partiallyShippedOrder, deliveredOrder, returnedItems, startedCheckout)',
    example: '{"placedOrder":"Placed Order"}',
  },
  {
    name: 'ORDER_FULFILLED_STATES',
    required: false,
    description: 'order states that send Fulfilled Order (comma-separated)',
    example: 'Confirmed,Complete',
  },
  {
    name: 'ORDER_CANCELLED_STATES',
    required: false,
    description: 'order states that send Cancelled Order (comma-separated)',
    example: 'Cancelled',
  },
  {
    name: 'ORDER_PAID_STATES',
    required: false,
    description: 'payment states that send Paid Order (comma-separated; empty: none)',
    example: 'Paid',
  },
  {
    name: 'ORDER_DELIVERED_STATES',
    required: false,
    description: 'shipment states that send Delivered Order (comma-separated; empty: none)',
    example: 'Delivered',
  },
  {
    name: 'ORDER_TEXT_LOCALE',
    required: false,
    description:
      "'order': product and category names in the order's (or cart's) own locale when it has one; 'preferred' (default): PREFERRED_LOCALE",
    example: 'order',
  },
  {
    name: 'ORDER_PROPERTIES_INCLUDE',
    required: false,
    description: 'order event properties sent (comma-separated; empty = all)',
    example: 'OrderId,ItemNames,Categories',
  },
  {
    name: 'ORDER_PROPERTIES_EXCLUDE',
    required: false,
    description: 'order event properties never sent (comma-separated)',
    example: 'BillingCity',
  },
  {
    name: 'ORDER_PROPERTIES_RENAME',
    required: false,
    description: 'order event property → name, as JSON',
    example: '{"OrderNumber":"Order Number"}',
  },
  {
    name: 'CUSTOMER_PROPERTIES_RENAME',
    required: false,
    description: 'custom field → property name, as JSON',
    example: '{"loyaltyTier":"Loyalty Tier"}',
  },
  ...CONSENT_ENV_VARS,
];

const LOCALE = /^[a-z]{2}(-[A-Z]{2})?$/;
const CURRENCY = /^[A-Z]{3}$/;

/** A secret worth the name: at least 16 characters, none of them whitespace. */
function isStrongToken(value: string): boolean {
  return /^\S{16,}$/.test(value);
}

function isTrue(value: string | undefined): boolean {
  return (value ?? '').trim().toLowerCase() === 'true';
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function url(name: string, value: string | undefined, problems: string[]): string {
  if (!value) return '';
  const protocol = URL.canParse(value) ? new URL(value).protocol : undefined;
  if (protocol === 'http:' || protocol === 'https:') return value.replace(/\/+$/, '');
  problems.push(`${name} must be an http(s) URL, e.g. ${ENV_VARS.find((v) => v.name === name)?.example}`);
  return '';
}

/** JSON.parse, or undefined for text that is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads the environment once (and `.env` when present), validates everything and returns a frozen Config, or
 * throws ConfigError listing every problem with what a valid value looks like. Secrets are never echoed.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: { envFile?: string | false; instanceId?: string } = {},
): Config {
  const envFile = options.envFile ?? '.env';
  if (envFile && env === process.env && existsSync(envFile)) process.loadEnvFile(envFile);
  const problems: string[] = [];
  for (const v of ENV_VARS) {
    const value = v.name === 'CT_SCOPE' ? (env.CT_SCOPE ?? env.CT_SCOPES) : env[v.name];
    if (v.required && (value === undefined || value.trim() === ''))
      problems.push(`${v.name} is required: ${v.description}, e.g. ${v.example}`);
  }

  let clientId = '';
  let clientSecret = '';
  if (env.CT_API_CLIENT) {
    const parsed = parseJson(env.CT_API_CLIENT);
    if (
      isPlainObject(parsed) &&
      typeof parsed.clientId === 'string' &&
      typeof parsed.secret === 'string' &&
      parsed.clientId &&
      parsed.secret
    ) {
      clientId = parsed.clientId;
      clientSecret = parsed.secret;
    } else {
      problems.push(
        'CT_API_CLIENT must be JSON with string "clientId" and "secret", e.g. {"clientId":"…","secret":"…"} (value not shown)',
      );
    }
  }

  const appTypeRaw = (env.APP_TYPE ?? '').trim();
  let appType: AppType = 'ALL';
  if (appTypeRaw === 'BULK_IMPORT' || appTypeRaw === 'EVENT') appType = appTypeRaw;
  else if (appTypeRaw !== '')
    problems.push(`APP_TYPE must be BULK_IMPORT or EVENT (or unset for both), got '${appTypeRaw}'`);

  const port = env.PUB_SUB_PORT === undefined || env.PUB_SUB_PORT === '' ? 6779 : Number(env.PUB_SUB_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`PUB_SUB_PORT must be a port number (0-65535), got '${env.PUB_SUB_PORT}'`);

  const ttlSeconds = env.LOCK_TTL_SECONDS ? Number(env.LOCK_TTL_SECONDS) : 180;
  if (!(ttlSeconds >= 1 && ttlSeconds <= 86_400))
    problems.push(`LOCK_TTL_SECONDS must be a number of seconds between 1 and 86400, got '${env.LOCK_TTL_SECONDS}'`);

  const imageless = (env.ALLOW_IMAGELESS_PRODUCTS ?? 'false').trim().toLowerCase();
  if (!['true', 'false', ''].includes(imageless))
    problems.push(`ALLOW_IMAGELESS_PRODUCTS must be true or false, got '${env.ALLOW_IMAGELESS_PRODUCTS}'`);

  const skipBase64 = (env.SKIP_BASE64_DECODE ?? 'false').trim().toLowerCase();
  if (!['true', 'false', ''].includes(skipBase64))
    problems.push(`SKIP_BASE64_DECODE must be true or false, got '${env.SKIP_BASE64_DECODE}'`);
  const retryBudgetSeconds = env.REALTIME_RETRY_BUDGET_SECONDS ? Number(env.REALTIME_RETRY_BUDGET_SECONDS) : 20;
  if (!(retryBudgetSeconds >= 0 && retryBudgetSeconds <= 600))
    problems.push(
      `REALTIME_RETRY_BUDGET_SECONDS must be between 0 and 600, got '${env.REALTIME_RETRY_BUDGET_SECONDS}'`,
    );
  const eventHoldMs = env.REALTIME_EVENT_HOLD_MS ? Number(env.REALTIME_EVENT_HOLD_MS) : 1000;
  if (!(Number.isInteger(eventHoldMs) && eventHoldMs >= 0 && eventHoldMs <= 5000))
    problems.push(
      `REALTIME_EVENT_HOLD_MS must be a whole number of milliseconds between 0 and 5000, got '${env.REALTIME_EVENT_HOLD_MS}'`,
    );
  const eventIdleMs = env.REALTIME_EVENT_IDLE_MS ? Number(env.REALTIME_EVENT_IDLE_MS) : 25;
  if (!(Number.isInteger(eventIdleMs) && eventIdleMs >= 1 && eventIdleMs <= 5000))
    problems.push(
      `REALTIME_EVENT_IDLE_MS must be a whole number of milliseconds between 1 and 5000, got '${env.REALTIME_EVENT_IDLE_MS}'`,
    );
  const profileBulkRaw = (env.REALTIME_PROFILE_BULK_RATE ?? '').trim() || '5';
  const profileBulkRate = profileBulkRaw === 'off' ? undefined : Number(profileBulkRaw);
  if (profileBulkRate !== undefined && !(Number.isFinite(profileBulkRate) && profileBulkRate >= 0))
    problems.push(
      `REALTIME_PROFILE_BULK_RATE must be a number of customer changes a second (0 or more) or off, got '${env.REALTIME_PROFILE_BULK_RATE}'`,
    );
  const leaseSeconds = env.REALTIME_PROFILE_JOB_LEASE_SECONDS ? Number(env.REALTIME_PROFILE_JOB_LEASE_SECONDS) : 300;
  if (!(Number.isInteger(leaseSeconds) && leaseSeconds >= 5 && leaseSeconds <= 3600))
    problems.push(
      `REALTIME_PROFILE_JOB_LEASE_SECONDS must be a whole number of seconds between 5 and 3600, got '${env.REALTIME_PROFILE_JOB_LEASE_SECONDS}'`,
    );
  const customerDeleted = (env.REALTIME_CUSTOMER_DELETED ?? 'ignore').trim() || 'ignore';
  if (customerDeleted !== 'ignore' && customerDeleted !== 'mark' && customerDeleted !== 'erase')
    problems.push(`REALTIME_CUSTOMER_DELETED must be ignore, mark or erase, got '${customerDeleted}'`);
  const disabledProcessors = list(env.REALTIME_DISABLED_PROCESSORS);
  const knownProcessors = ['customer', 'order', 'payment', 'category', 'product', 'inventory', 'cart'];
  const checkoutRaw = (env.STARTED_CHECKOUT ?? 'false').trim().toLowerCase();
  if (!['true', 'false', ''].includes(checkoutRaw))
    problems.push(`STARTED_CHECKOUT must be true or false, got '${env.STARTED_CHECKOUT}'`);
  const checkoutWindow = env.STARTED_CHECKOUT_WINDOW_MINUTES ? Number(env.STARTED_CHECKOUT_WINDOW_MINUTES) : 60;
  if (!(Number.isInteger(checkoutWindow) && checkoutWindow >= 1 && checkoutWindow <= 10_080))
    problems.push(
      `STARTED_CHECKOUT_WINDOW_MINUTES must be a whole number of minutes between 1 and 10080, got '${env.STARTED_CHECKOUT_WINDOW_MINUTES}'`,
    );
  const checkoutUrlTemplate = env.CHECKOUT_URL_TEMPLATE?.trim() || undefined;
  if (checkoutUrlTemplate && !checkoutUrlTemplate.includes('{{cartId}}'))
    problems.push(
      'CHECKOUT_URL_TEMPLATE must contain {{cartId}}, e.g. https://example-store.com/checkout?cart={{cartId}}',
    );
  const unknownProcessors = disabledProcessors.filter((p) => !knownProcessors.includes(p));
  if (unknownProcessors.length)
    problems.push(
      `REALTIME_DISABLED_PROCESSORS has unknown names (${unknownProcessors.join(', ')}); use ${knownProcessors.join(', ')}`,
    );
  if (env.PUSH_AUTH_TOKEN !== undefined && env.PUSH_AUTH_TOKEN.length > 0 && !isStrongToken(env.PUSH_AUTH_TOKEN))
    problems.push('PUSH_AUTH_TOKEN must be at least 16 characters without spaces (value not shown)');
  if (env.PUSH_OIDC_AUDIENCE && !env.PUSH_OIDC_EMAIL?.trim())
    problems.push(
      'PUSH_OIDC_AUDIENCE needs PUSH_OIDC_EMAIL, the service account your Pub/Sub push subscription signs as: without it any Google-signed token for that audience would be accepted',
    );
  const oidcJwksUrl = env.PUSH_OIDC_JWKS_URL
    ? url('PUSH_OIDC_JWKS_URL', env.PUSH_OIDC_JWKS_URL, problems)
    : 'https://www.googleapis.com/oauth2/v3/certs';

  const scheduled =
    env.SCHEDULED_IMPORT_TYPES === undefined
      ? ['categories', 'products', 'customers', 'orders']
      : list(env.SCHEDULED_IMPORT_TYPES);
  const unknownTypes = scheduled.filter((t) => !isEntityKind(t));
  if (unknownTypes.length)
    problems.push(
      `SCHEDULED_IMPORT_TYPES has unknown types (${unknownTypes.join(', ')}); use customers, orders, categories, products`,
    );

  const identityConflict = (env.IDENTITY_CONFLICT ?? '').trim().toLowerCase() || 'fail';
  if (identityConflict !== 'fail' && identityConflict !== 'merge')
    problems.push(`IDENTITY_CONFLICT must be fail or merge, got '${env.IDENTITY_CONFLICT}'`);
  const overlapSeconds = env.DELTA_OVERLAP_SECONDS ? Number(env.DELTA_OVERLAP_SECONDS) : 60;
  if (!(Number.isInteger(overlapSeconds) && overlapSeconds >= 0 && overlapSeconds <= 3600))
    problems.push(
      `DELTA_OVERLAP_SECONDS must be a whole number of seconds between 0 and 3600, got '${env.DELTA_OVERLAP_SECONDS}'`,
    );
  const scheduledMode = (env.SCHEDULED_IMPORT_MODE ?? '').trim().toLowerCase() || 'full';
  if (scheduledMode !== 'full' && scheduledMode !== 'delta')
    problems.push(`SCHEDULED_IMPORT_MODE must be full or delta, got '${env.SCHEDULED_IMPORT_MODE}'`);
  const host = env.HOST?.trim() || '127.0.0.1';
  const syncApiToken = env.SYNC_API_TOKEN || undefined;
  if (syncApiToken !== undefined && !isStrongToken(syncApiToken))
    problems.push('SYNC_API_TOKEN must be at least 16 characters without spaces (value not shown)');
  const isLoopback = ['127.0.0.1', '::1', 'localhost'].includes(host) || host.startsWith('127.');
  if (!isLoopback && !syncApiToken && !isTrue(env.ALLOW_UNAUTHENTICATED_API)) {
    problems.push(
      `HOST=${host} exposes the import API beyond this machine: set SYNC_API_TOKEN (or ALLOW_UNAUTHENTICATED_API=true if a private network protects it)`,
    );
  }
  // Pushes change Klaviyo: beyond loopback they must be authenticated, unless the real-time routes are not mounted.
  const isPushAuthenticated = Boolean(env.PUSH_AUTH_TOKEN || env.PUSH_OIDC_AUDIENCE);
  if (!isLoopback && appType !== 'BULK_IMPORT' && !isPushAuthenticated && !isTrue(env.ALLOW_UNAUTHENTICATED_PUSH)) {
    problems.push(
      `HOST=${host} exposes the real-time push endpoints beyond this machine: set PUSH_AUTH_TOKEN, or PUSH_OIDC_AUDIENCE with PUSH_OIDC_EMAIL (or APP_TYPE=BULK_IMPORT to serve imports only, or ALLOW_UNAUTHENTICATED_PUSH=true if a private network protects them)`,
    );
  }

  const bulkJobsInFlight = env.BULK_JOBS_IN_FLIGHT ? Number(env.BULK_JOBS_IN_FLIGHT) : 100;
  if (!(Number.isInteger(bulkJobsInFlight) && bulkJobsInFlight >= 1 && bulkJobsInFlight <= 500))
    problems.push(`BULK_JOBS_IN_FLIGHT must be an integer between 1 and 500, got '${env.BULK_JOBS_IN_FLIGHT}'`);
  const profileBatchSize = env.PROFILE_BATCH_SIZE ? Number(env.PROFILE_BATCH_SIZE) : 10_000;
  if (!(Number.isInteger(profileBatchSize) && profileBatchSize >= 1 && profileBatchSize <= 10_000))
    problems.push(`PROFILE_BATCH_SIZE must be an integer between 1 and 10000, got '${env.PROFILE_BATCH_SIZE}'`);

  if (env.PREFERRED_LOCALE && !LOCALE.test(env.PREFERRED_LOCALE))
    problems.push(`PREFERRED_LOCALE must look like 'en' or 'en-US', got '${env.PREFERRED_LOCALE}'`);
  if (env.PREFERRED_CURRENCY && !CURRENCY.test(env.PREFERRED_CURRENCY))
    problems.push(`PREFERRED_CURRENCY must be an ISO 4217 code such as EUR, got '${env.PREFERRED_CURRENCY}'`);
  if (env.PRODUCT_URL_TEMPLATE && !env.PRODUCT_URL_TEMPLATE.includes('{{productSlug}}'))
    problems.push(
      'PRODUCT_URL_TEMPLATE must contain {{productSlug}}, e.g. https://example-store.com/products/{{productSlug}}',
    );

  const stringMap = (name: string): Record<string, string> => {
    const raw = env[name];
    if (!raw) return {};
    const parsed = parseJson(raw);
    if (isPlainObject(parsed) && Object.values(parsed).every((v) => typeof v === 'string' && v !== ''))
      return parsed as Record<string, string>;
    problems.push(
      `${name} must be a JSON object of non-empty strings, e.g. ${ENV_VARS.find((v) => v.name === name)?.example}`,
    );
    return {};
  };
  const rename = stringMap('CUSTOMER_PROPERTIES_RENAME');
  const orderRename = stringMap('ORDER_PROPERTIES_RENAME');
  const metricNames = stringMap('ORDER_METRIC_NAMES');
  const unknownMetrics = Object.keys(metricNames).filter((k) => !(k in DEFAULT_ORDER_METRICS));
  if (unknownMetrics.length)
    problems.push(
      `ORDER_METRIC_NAMES has unknown keys (${unknownMetrics.join(', ')}); use ${Object.keys(DEFAULT_ORDER_METRICS).join(', ')}`,
    );
  if (Object.values(metricNames).some((n) => n.length >= 128))
    problems.push('ORDER_METRIC_NAMES: Klaviyo metric names must be shorter than 128 characters');

  const textLocale = env.ORDER_TEXT_LOCALE?.trim();
  if (textLocale && textLocale !== 'order' && textLocale !== 'preferred')
    problems.push(`ORDER_TEXT_LOCALE must be order or preferred, got '${textLocale}'`);

  let rateLimits: Record<string, { burstPerSecond: number; steadyPerMinute: number }> = {};
  if (env.KLAVIYO_RATE_LIMITS) {
    const parsed = parseJson(env.KLAVIYO_RATE_LIMITS);
    const isLimit = (v: unknown) =>
      isPlainObject(v) &&
      typeof v.burstPerSecond === 'number' &&
      v.burstPerSecond > 0 &&
      typeof v.steadyPerMinute === 'number' &&
      v.steadyPerMinute > 0;
    if (isPlainObject(parsed) && Object.values(parsed).every(isLimit)) rateLimits = parsed as typeof rateLimits;
    else
      problems.push(
        'KLAVIYO_RATE_LIMITS must be JSON mapping operation ids to positive limits, e.g. {"bulk_import_profiles":{"burstPerSecond":5,"steadyPerMinute":100}}',
      );
  }

  const lists = loadConsentConfig(env, problems);
  const storeRoutes = parseStoreRoutes(env, problems);
  const apiUrl = url('CT_API_URL', env.CT_API_URL, problems);
  const authUrl = url('CT_AUTH_URL', env.CT_AUTH_URL, problems);
  const klaviyoUrl = url('KLAVIYO_API_URL', env.KLAVIYO_API_URL ?? 'https://a.klaviyo.com', problems);

  if (problems.length) throw new ConfigError(problems);
  return Object.freeze({
    commercetools: Object.freeze({
      apiUrl,
      authUrl,
      projectKey: (env.CT_PROJECT_ID as string).trim(),
      scopes: (env.CT_SCOPE ?? env.CT_SCOPES ?? '').split(/\s+/).filter(Boolean),
      clientId,
      clientSecret,
    }),
    klaviyo: Object.freeze({
      apiKey: (env.KLAVIYO_AUTH_KEY as string).trim(),
      apiUrl: klaviyoUrl,
      rateLimits: Object.freeze(rateLimits),
    }),
    appType,
    port,
    host,
    syncApiToken,
    scheduledImportTypes: scheduled.filter(isEntityKind),
    scheduledImportMode: scheduledMode === 'delta' ? 'delta' : 'full',
    productUrlTemplate: env.PRODUCT_URL_TEMPLATE || undefined,
    preferredLocale: env.PREFERRED_LOCALE || undefined,
    preferredCurrency: env.PREFERRED_CURRENCY || undefined,
    inventoryChannelId: env.INVENTORY_CHANNEL_ID?.trim() || undefined,
    allowImagelessProducts: imageless === 'true',
    lockTtlMs: ttlSeconds * 1000,
    deltaOverlapMs: overlapSeconds * 1000,
    identityConflict: identityConflict === 'merge' ? 'merge' : 'fail',
    storeRoutes: Object.freeze(storeRoutes),
    profileBatchSize,
    bulkJobsInFlight,
    logLevel: env.LOG_LEVEL || 'info',
    customerProperties: Object.freeze({
      include: list(env.CUSTOMER_PROPERTIES_INCLUDE),
      exclude: list(env.CUSTOMER_PROPERTIES_EXCLUDE),
      rename,
    }),
    ...lists,
    orders: Object.freeze({
      metrics: { ...DEFAULT_ORDER_METRICS, ...metricNames },
      fulfilledStates:
        env.ORDER_FULFILLED_STATES === undefined ? ['Confirmed', 'Complete'] : list(env.ORDER_FULFILLED_STATES),
      cancelledStates: env.ORDER_CANCELLED_STATES === undefined ? ['Cancelled'] : list(env.ORDER_CANCELLED_STATES),
      paidStates: env.ORDER_PAID_STATES === undefined ? ['Paid'] : list(env.ORDER_PAID_STATES),
      deliveredStates: env.ORDER_DELIVERED_STATES === undefined ? ['Delivered'] : list(env.ORDER_DELIVERED_STATES),
      textLocale: env.ORDER_TEXT_LOCALE?.trim() === 'order' ? 'order' : 'preferred',
      properties: {
        include: list(env.ORDER_PROPERTIES_INCLUDE),
        exclude: list(env.ORDER_PROPERTIES_EXCLUDE),
        rename: orderRename,
      },
    }),
    realtime: Object.freeze({
      skipBase64Decode: skipBase64 === 'true',
      retryBudgetMs: retryBudgetSeconds * 1000,
      eventHoldMs,
      eventIdleMs,
      ...(profileBulkRate === undefined ? {} : { profileBulkRate }),
      profileJobLeaseMs: leaseSeconds * 1000,
      disabledProcessors,
      customerDeleted: customerDeleted === 'mark' || customerDeleted === 'erase' ? customerDeleted : 'ignore',
      ...(checkoutRaw === 'true'
        ? {
            startedCheckout: { windowMinutes: checkoutWindow, ...(checkoutUrlTemplate ? { checkoutUrlTemplate } : {}) },
          }
        : {}),
      pushToken: env.PUSH_AUTH_TOKEN || undefined,
      oidcAudience: env.PUSH_OIDC_AUDIENCE || undefined,
      oidcJwksUrl,
      oidcIssuer: env.PUSH_OIDC_ISSUER || 'https://accounts.google.com',
      oidcEmail: env.PUSH_OIDC_EMAIL || undefined,
    }),
    instanceId:
      options.instanceId ??
      `${process.env.HOSTNAME ?? 'local'}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
  });
}
