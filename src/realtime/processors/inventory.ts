import { findInventoryEntry } from '../../commercetools/inventory.ts';
import { catalogId } from '../../core/catalog-id.ts';
import { setVariantStock } from '../../klaviyo/catalog-items.ts';
import { applied, ignored, type Processor } from '../processor.ts';

/**
 * Inventory changes → the variant's stock (0 included) as the entry stands in commercetools now, when the entry
 * is the configured channel's (or the overall one). The quantity a message carries is never used: it may be stale
 * or made up.
 */
export const inventoryProcessor: Processor = {
  name: 'inventory',
  handles: (n) => n.resourceType === 'inventory-entry',
  async process(n, ctx) {
    if (n.kind === 'deleted') return ignored('inventory deletions are not synced');
    const entry = await findInventoryEntry(ctx.ct, n.resourceId as string, ctx.ctBudgetMs);
    if (!entry) return ignored(`inventory entry ${n.resourceId} is not in commercetools`);
    const channel = entry.supplyChannel?.id;
    const wanted = ctx.settings.inventoryChannelId;
    if ((wanted && channel !== wanted) || (!wanted && channel))
      return ignored(`stock of channel ${channel ?? '(none)'} is not the one synced`);
    const result = await setVariantStock(ctx.klaviyo, catalogId(entry.sku), entry.availableQuantity);
    return result === 'updated'
      ? applied(`stock of ${entry.sku} set to ${entry.availableQuantity}`)
      : ignored(`variant ${entry.sku} is not in Klaviyo`);
  },
};
