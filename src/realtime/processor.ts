import type { Customer, Order } from '@commercetools/platform-sdk';
import type { CommercetoolsApi } from '../commercetools/client.ts';
import type { Logger } from '../core/logger.ts';
import type { ConflictOutcome } from '../identity/resolve-conflicts.ts';
import type { KlaviyoHttp } from '../klaviyo/http.ts';
import type { CategoryNode } from '../mapping/category-tree.ts';
import type { ConsentConfig } from '../mapping/consent.ts';
import type { PropertyFilter } from '../mapping/mapping-options.ts';
import type { OrderMappingOptions, ProductSummary } from '../mapping/order-to-events.ts';
import type { EraseRequest, EraseResult } from '../privacy/erase-person.ts';
import type { BatchLoader } from './batch-loader.ts';
import type { EventWriter } from './event-coalescer.ts';
import type { Notification } from './notification.ts';
import type { ProfileCoalescer } from './profile-coalescer.ts';

export interface RealtimeSettings {
  customerProperties: PropertyFilter;
  orders: Omit<OrderMappingOptions, 'backfill'>;
  preferredLocale?: string;
  preferredCurrency?: string;
  productUrlTemplate?: string;
  inventoryChannelId?: string;
  allowImagelessProducts: boolean;
  customerDeleted: 'ignore' | 'mark' | 'erase';
  /** Marketing consent (customers, and guest orders when CONSENT_ORDER_FIELD is set). */
  consent?: ConsentConfig;
  /** A list every customer's profile joins. */
  customersListId?: string;
  /** Started Checkout from carts, when enabled. */
  startedCheckout?: { checkoutUrlTemplate?: string; windowMinutes: number };
}

export interface ProcessorContext {
  /** This service's commercetools project: notifications of any other are ignored. */
  projectKey: string;
  ct: CommercetoolsApi;
  klaviyo: KlaviyoHttp;
  /** Where events go: coalesced with other notifications' into bulk requests (default), or one call each. */
  events: EventWriter;
  /** Profiles in bulk import jobs when changes come fast (absent with REALTIME_PROFILE_BULK_RATE=off). */
  profiles?: Pick<ProfileCoalescer, 'isBulkNow' | 'write'>;
  /** Orders (with payments), customers and product summaries read together for notifications arriving together. */
  orders: BatchLoader<Order>;
  customers: BatchLoader<Customer>;
  products: BatchLoader<ProductSummary>;
  settings: RealtimeSettings;
  logger: Logger;
  /** Whether a person was erased on request (their records are never written again). */
  isErased(person: { customerId?: string; email?: string }): Promise<boolean>;
  /** A store route: whether the store sells the product (its product selections); absent: every product. */
  isInStoreCatalog?(productId: string): Promise<boolean>;
  /** Resolves customers' identity conflicts (409 duplicate_profile) by IDENTITY_CONFLICT. */
  resolveConflicts(customerIds: readonly string[]): Promise<Map<string, ConflictOutcome>>;
  /** Erases a person (REALTIME_CUSTOMER_DELETED=erase). */
  erase(request: EraseRequest): Promise<EraseResult>;
  /** The category tree, cached for a short while. */
  categoryTree(): Promise<ReadonlyMap<string, CategoryNode>>;
  /** How long commercetools reads of one notification may retry before it is handed back for redelivery. */
  ctBudgetMs: number;
}

export type ProcessResult =
  | { status: 'applied'; detail: string }
  /** `counted`: a short key under which the intake counts such notifications (`ctk_realtime_ignored`). */
  | { status: 'ignored'; reason: string; counted?: string };

/**
 * Handles the notifications of one resource type: decide, map, call one adapter function. What to do about an
 * error it throws is the error's own disposition (core/errors.ts).
 */
export interface Processor {
  name: string;
  handles(n: Notification): boolean;
  process(n: Notification, ctx: ProcessorContext): Promise<ProcessResult>;
}

export const applied = (detail: string): ProcessResult => ({ status: 'applied', detail });
export const ignored = (reason: string, counted?: string): ProcessResult => ({
  status: 'ignored',
  reason,
  ...(counted ? { counted } : {}),
});
