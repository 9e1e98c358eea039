import type { Customer } from '@commercetools/platform-sdk';
import { ctCall } from '../../commercetools/client.ts';
import { OPERATIONS } from '../../klaviyo/operations.ts';
import { customerToProfile } from '../../mapping/customer-to-profile.ts';
import type { Processor } from '../processor.ts';

/**
 * CustomerCreated and every other customer message or change → the customer as it is now, upserted with
 * profile-import (so an out-of-date notification never overwrites newer data). Deletions are ignored by
 * default: Klaviyo keeps the profile and its history.
 */
export const customerProcessor: Processor = {
  name: 'customer',
  handles: (n) => n.resourceType === 'customer',
  async process(n, ctx) {
    if (n.kind === 'deleted' || n.type === 'CustomerDeleted') {
      if (ctx.settings.customerDeleted !== 'mark') return { status: 'ignored', reason: 'customer deletions are not propagated (the Klaviyo profile and its history are kept)' };
      // REALTIME_CUSTOMER_DELETED=mark: the profile stays (Klaviyo holds its history) but says so, for segments.
      const at = typeof n.raw.modifiedAt === 'string' ? n.raw.modifiedAt : typeof n.raw.createdAt === 'string' ? n.raw.createdAt : new Date().toISOString();
      await ctx.klaviyo.request(OPERATIONS.createOrUpdateProfile, { method: 'POST', path: '/api/profile-import', body: { data: { type: 'profile', attributes: { external_id: n.resourceId, properties: { commercetools_deleted: true, commercetools_deleted_at: at } } } } });
      return { status: 'applied', detail: `profile of customer ${n.resourceId} marked deleted` };
    }
    const customer = await ctCall('customer read', () => ctx.ct.customers().withId({ ID: n.resourceId as string }).get().execute(), { budgetMs: ctx.ctBudgetMs });
    const m = customerToProfile(customer as Customer, { properties: ctx.settings.customerProperties });
    if (m.kind === 'skip') return { status: 'ignored', reason: m.reason };
    await ctx.klaviyo.request(OPERATIONS.createOrUpdateProfile, { method: 'POST', path: '/api/profile-import', body: { data: m.profile } });
    return { status: 'applied', detail: `profile upserted for customer ${customer.id}` };
  },
};
