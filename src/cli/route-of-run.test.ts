import { describe, expect, it } from 'vitest';
import { routeOfRun } from './route-of-run.ts';

describe('routeOfRun', () => {
  const stores = ['de-shop', 'us-shop'];
  it('takes a store key, default, or the route of a parallel job’s task', () => {
    expect(routeOfRun(undefined, stores, {})).toBeUndefined();
    expect(routeOfRun('default', stores, {})).toBeUndefined();
    expect(routeOfRun('us-shop', stores, {})).toBe('us-shop');
    expect(routeOfRun('task', stores, { CLOUD_RUN_TASK_INDEX: '0' })).toBeUndefined();
    expect(routeOfRun('task', stores, { CLOUD_RUN_TASK_INDEX: '2' })).toBe('us-shop');
    expect(routeOfRun('task', stores, { JOB_COMPLETION_INDEX: '1' })).toBe('de-shop');
  });
  it('says which indexes exist when the task index is missing or out of range', () => {
    expect(() => routeOfRun('task', stores, {})).toThrow(
      /between 0 and 2 \(0: the default route, then de-shop, us-shop\)/,
    );
    expect(() => routeOfRun('task', stores, { CLOUD_RUN_TASK_INDEX: '3' })).toThrow(/got '3'/);
  });
});
