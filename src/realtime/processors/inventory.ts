import type { InventoryEntry } from '@commercetools/platform-sdk';
import { getInventoryEntry } from '../../commercetools/inventory.ts';
import { catalogId } from '../../core/catalog-id.ts';
import { setVariantStock } from '../../klaviyo/catalog-items.ts';
import { applied, ignored, type Processor } from '../processor.ts';

type StockEntry = Pick<InventoryEntry, 'sku' | 'availableQuantity' | 'supplyChannel'>;

/** Inventory changes → the variant's stock (0 included), when the entry is the configured channel's (or the overall one). */
export const inventoryProcessor: Processor = {
  name: 'inventory',
  handles: (n) => n.resourceType === 'inventory-entry',
  async process(n, ctx) {
    if (n.kind === 'deleted') return ignored('inventory deletions are not synced');
    const message = n.message as
      | { sku?: string; supplyChannel?: StockEntry['supplyChannel']; newAvailableQuantity?: number }
      | undefined;
    const entry: StockEntry =
      message && typeof message.newAvailableQuantity === 'number' && message.sku
        ? { sku: message.sku, availableQuantity: message.newAvailableQuantity, supplyChannel: message.supplyChannel }
        : await getInventoryEntry(ctx.ct, n.resourceId as string, ctx.ctBudgetMs);
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
