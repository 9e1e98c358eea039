import { InvalidRequestError } from '../core/errors.ts';

/**
 * The route a CLI run takes: a store key, `default` (the records of no routed store), or `task`: the route of this
 * task of a parallel job — CLOUD_RUN_TASK_INDEX (Cloud Run jobs) or JOB_COMPLETION_INDEX (Kubernetes indexed
 * jobs) picks from [default, ...routed stores in STORE_ROUTES order]. Undefined: the default route.
 */
export function routeOfRun(
  store: string | undefined,
  routed: readonly string[],
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (store === undefined || store === 'default') return undefined;
  if (store !== 'task') return store;
  const raw = env.CLOUD_RUN_TASK_INDEX ?? env.JOB_COMPLETION_INDEX;
  const index = Number(raw);
  const routes = [undefined, ...routed];
  if (raw === undefined || !Number.isInteger(index) || index < 0 || index >= routes.length)
    throw new InvalidRequestError(
      `--store task needs CLOUD_RUN_TASK_INDEX or JOB_COMPLETION_INDEX between 0 and ${routes.length - 1} (0: the default route${routed.length ? `, then ${routed.join(', ')}` : ''}); got '${raw ?? ''}'`,
    );
  return routes[index];
}
