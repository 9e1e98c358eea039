import type { Payment } from '@commercetools/platform-sdk';
import { type CommercetoolsApi, ctCall } from './client.ts';

/** One payment as it is now; retries transient failures within `budgetMs`. */
export function getPayment(api: CommercetoolsApi, id: string, budgetMs?: number): Promise<Payment> {
  return ctCall('payment read', () => api.payments().withId({ ID: id }).get().execute(), { budgetMs });
}
