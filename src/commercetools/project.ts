import { type CommercetoolsApi, ctCall } from './client.ts';

/** Whether the credentials reach the project (one read of the project); throws CommercetoolsError otherwise. */
export async function checkCommercetoolsAccess(api: CommercetoolsApi): Promise<void> {
  await ctCall('project read', () => api.get().execute(), { isRetryable: false });
}
