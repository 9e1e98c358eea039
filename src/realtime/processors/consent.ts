import { syncConsent } from '../../consent/sync-consent.ts';
import { PermanentRecordError } from '../../core/errors.ts';
import type { ConsentIntent } from '../../mapping/consent.ts';
import type { ProcessorContext } from '../processor.ts';

/**
 * Syncs one record's consent in real time, with the bulk import's rules (consent-sync), and says what happened
 * for the processor's result. A subscription Klaviyo refuses is a permanent error: the notification goes to the
 * dead letters with the reason.
 */
export async function syncRecordConsent(
  ctx: ProcessorContext,
  recordId: string,
  intent: ConsentIntent | undefined,
  by: 'external_id' | 'email',
): Promise<string> {
  const consent = ctx.settings.consent;
  if (!consent || !intent) return '';
  const results =
    (await syncConsent(ctx.klaviyo, consent, [{ recordId, intent }], { by, checkListMembership: true })).get(
      recordId,
    ) ?? [];
  const failed = results.filter((r) => r.result === 'failed');
  if (failed.length)
    throw new PermanentRecordError(
      'CONSENT_REFUSED',
      `consent of ${recordId}: ${failed.map((r) => `${r.channel}: ${r.reason}`).join('; ')}`,
    );
  const said = results.map((r) => `${r.channel} ${r.result}${r.reason ? ` (${r.reason})` : ''}`);
  return said.length ? `; consent: ${said.join(', ')}` : '';
}
