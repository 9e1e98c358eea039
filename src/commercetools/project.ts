import { type CommercetoolsApi, ctCall } from './client.ts';
import { SYNC_CONTAINER } from './custom-objects.ts';

/**
 * Whether the credentials reach the project with the scope every run needs (custom objects hold locks and
 * checkpoints): one query of this service's container. Throws CommercetoolsError otherwise.
 */
export async function checkCommercetoolsAccess(api: CommercetoolsApi): Promise<void> {
  await ctCall(
    'custom object query',
    () =>
      api
        .customObjects()
        .withContainer({ container: SYNC_CONTAINER })
        .get({ queryArgs: { limit: 1 } })
        .execute(),
    { isRetryable: false },
  );
}
