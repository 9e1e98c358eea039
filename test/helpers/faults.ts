import type { FaultRule } from '../../emulators/shared/faults.ts';
import { request } from './http.ts';

/** Adds fault rules to an emulator (Klaviyo or commercetools); fails loudly if the emulator refuses them. */
export async function addFaults(emulatorUrl: string, rules: FaultRule | FaultRule[]): Promise<void> {
  const r = await request('POST', `${emulatorUrl}/__emulator/faults`, {
    headers: { 'content-type': 'application/json' },
    body: rules,
  });
  if (r.status !== 201)
    throw new Error(`the emulator at ${emulatorUrl} refused the faults (${r.status}): ${JSON.stringify(r.body)}`);
}

/**
 * Removes every fault rule of these emulators, first adding what fired to `fired` by kind (`status:429`,
 * `lose-response`, …). Rules with a `count` leave once spent, so their firings are not in the tally.
 */
export async function clearFaults(
  emulatorUrls: string[],
  fired: Record<string, number> = {},
): Promise<Record<string, number>> {
  for (const url of emulatorUrls) {
    const rules = (await request<Array<FaultRule & { fired: number }>>('GET', `${url}/__emulator/faults`)).body;
    for (const r of rules) {
      const kind = `${r.kind}${r.status ? `:${r.status}` : ''}`;
      fired[kind] = (fired[kind] ?? 0) + r.fired;
    }
    await request('DELETE', `${url}/__emulator/faults`);
  }
  return fired;
}
