import { AppError, PermanentRecordError } from '../../core/errors.ts';
import { isDuplicateProfile } from '../../identity/resolve-conflicts.ts';
import { addProfilesToList } from '../../klaviyo/consent.ts';
import { upsertProfile } from '../../klaviyo/profiles.ts';
import type { ProfileAttributes } from '../../klaviyo/types.ts';
import { customerConsent } from '../../mapping/consent.ts';
import { customerToProfile, deletedCustomerProfile } from '../../mapping/customer-to-profile.ts';
import { boundedPayload } from '../bounded-payload.ts';
import { applied, ignored, type Processor, type ProcessorContext } from '../processor.ts';
import { syncRecordConsent } from './consent.ts';

/** Upserts a profile; a 409 duplicate_profile is resolved by IDENTITY_CONFLICT (merged, or failed naming both). */
async function upsertWithConflicts(
  ctx: ProcessorContext,
  customerId: string,
  attributes: ProfileAttributes,
): Promise<string | undefined> {
  try {
    return await upsertProfile(ctx.klaviyo, attributes);
  } catch (e) {
    if (!isDuplicateProfile(e)) throw e;
    const r = (await ctx.resolveConflicts([customerId])).get(customerId);
    if (r?.outcome === 'failed') {
      throw r.retryable
        ? new AppError(r.code, r.reason, { disposition: 'retryable' })
        : new PermanentRecordError(r.code, r.reason);
    }
    return upsertProfile(ctx.klaviyo, attributes);
  }
}

/**
 * Any customer notification → the customer as commercetools has it now, upserted with profile-import (so an
 * out-of-date notification never overwrites newer data). A customer commercetools no longer has is, by default,
 * left alone: Klaviyo keeps the profile and its history; REALTIME_CUSTOMER_DELETED=mark marks the profile instead.
 * A deletion message for a customer that exists is stale, and is handled as a change. With consent configured,
 * the customer's consent as commercetools has it now is then synced, with the bulk import's rules. When customer
 * changes arrive faster than REALTIME_PROFILE_BULK_RATE, the profile goes in a bulk import job with others'
 * (the profile coalescer): the notification is acknowledged once the job is accepted and recorded, and its
 * consent is synced when the job has completed.
 */
export const customerProcessor: Processor = {
  name: 'customer',
  handles: (n) => n.resourceType === 'customer',
  async process(n, ctx) {
    const customerId = n.resourceId as string;
    // Read with the customers of other notifications arriving together (one query); absent when commercetools
    // has no such customer.
    const customer = await ctx.customers.get(customerId);
    if (!customer) {
      const isDeletion = n.kind === 'deleted' || n.type === 'CustomerDeleted';
      // Only a deletion marks a profile: any other notification of an id commercetools lacks (made up, or deleted
      // since) changes nothing.
      if (!isDeletion) return ignored(`customer ${customerId} is not in commercetools`);
      if (ctx.settings.customerDeleted === 'erase') {
        const erased = await ctx.erase({ customerId });
        return applied(
          `customer ${customerId} erased: ${erased.profilesDeleted.length} Klaviyo profile(s) queued for deletion, the erasure recorded`,
        );
      }
      if (ctx.settings.customerDeleted !== 'mark')
        return ignored(
          `customer ${customerId} is not in commercetools; deletions are not propagated (the Klaviyo profile and its history are kept)`,
        );
      const at =
        typeof n.raw.modifiedAt === 'string'
          ? n.raw.modifiedAt
          : typeof n.raw.createdAt === 'string'
            ? n.raw.createdAt
            : new Date().toISOString();
      await upsertProfile(ctx.klaviyo, deletedCustomerProfile(customerId, at));
      return applied(`profile of customer ${customerId} marked deleted`);
    }
    if (await ctx.isErased({ customerId: customer.id, email: customer.email }))
      return ignored(`customer ${customer.id} was erased on request`, 'erased');
    const m = customerToProfile(customer, { properties: ctx.settings.customerProperties });
    if (m.kind === 'skip') return ignored(m.reason);
    const a = m.profile.attributes;
    const { consent, customersListId } = ctx.settings;
    // A new customer joins the customers list (add-to-list allows 150 calls a minute: not one per change).
    const isCreation = n.kind === 'created' || n.type === 'CustomerCreated';
    const intent = consent ? customerConsent(customer, consent, { email: a.email, phone: a.phone_number }) : undefined;
    if (ctx.profiles?.isBulkNow()) {
      const hasConsent = intent !== undefined;
      const jobId = await ctx.profiles.write({
        profile: m.profile,
        customerId: customer.id,
        listIds: customersListId && isCreation ? [customersListId] : [],
        notification: { id: n.id, type: n.type, payload: boundedPayload(n.raw, { isSkeletonOnly: true }) },
        hasConsent,
        version: customer.version,
      });
      return applied(
        `profile of customer ${customer.id} in import job ${jobId}${hasConsent ? '; consent once the job has completed' : ''}`,
      );
    }
    const profileId = await upsertWithConflicts(ctx, customer.id, a);
    if (customersListId && profileId && isCreation) await addProfilesToList(ctx.klaviyo, customersListId, [profileId]);
    const said = await syncRecordConsent(ctx, customer.id, intent, 'external_id');
    return applied(`profile upserted for customer ${customer.id}${said}`);
  },
};
