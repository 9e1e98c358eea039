import { ConfigError } from '../../core/errors.ts';
import { findList } from '../../klaviyo/consent.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';

/**
 * Checks, before anything is read, that the configured lists exist in this Klaviyo account: a mistyped list id
 * fails the run at once with the variable to fix, rather than every subscription later.
 */
export async function requireLists(
  klaviyo: KlaviyoHttp,
  lists: { consent?: string; customers?: string },
  signal?: AbortSignal,
): Promise<void> {
  const problems: string[] = [];
  for (const [variable, id] of [
    ['CONSENT_LIST_ID', lists.consent],
    ['CUSTOMERS_LIST_ID', lists.customers],
  ] as const) {
    if (id === undefined) continue;
    if ((await findList(klaviyo, id, signal)) === undefined)
      problems.push(
        `${variable}: this Klaviyo account has no list with id '${id}' (Lists & Segments shows each list's id)`,
      );
  }
  if (problems.length) throw new ConfigError(problems);
}
