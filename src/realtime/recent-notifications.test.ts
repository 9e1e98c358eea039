import { describe, expect, it } from 'vitest';
import type { Notification } from './notification.ts';
import { RecentNotifications } from './recent-notifications.ts';

const n = (id: string, extra: Partial<Notification> = {}): Notification => ({
  kind: 'message',
  id,
  projectKey: 'demo',
  resourceType: 'customer',
  resourceId: 'c-1',
  version: 2,
  type: 'CustomerCreated',
  isPayloadIncluded: true,
  raw: {},
  ...extra,
});

describe('RecentNotifications', () => {
  it('knows a notification by its project, id, resource, version and type together', () => {
    const recent = new RecentNotifications();
    recent.add(n('m-1'));
    expect(recent.has(n('m-1'))).toBe(true);
    expect(recent.has(n('m-1', { resourceId: 'c-2' }))).toBe(false);
    expect(recent.has(n('m-1', { version: 3 }))).toBe(false);
    expect(recent.has(n('m-1', { projectKey: 'other' }))).toBe(false);
  });

  it('forgets the oldest past its count or byte bound, and anything past its age', () => {
    let now = 0;
    const recent = new RecentNotifications({ maxEntries: 2, maxBytes: 1_000_000, maxAgeMs: 1000 }, () => now);
    recent.add(n('a'));
    recent.add(n('b'));
    recent.add(n('c'));
    expect([recent.has(n('a')), recent.has(n('b')), recent.has(n('c'))]).toEqual([false, true, true]);
    now = 1000;
    expect(recent.has(n('c'))).toBe(false);
    const small = new RecentNotifications({ maxEntries: 100, maxBytes: 200, maxAgeMs: 1000 }, () => 0);
    for (const id of ['x1', 'x2', 'x3', 'x4']) small.add(n(id));
    expect(small.has(n('x1'))).toBe(false);
    expect(small.has(n('x4'))).toBe(true);
  });
});
