import { describe, expect, it } from 'vitest';
import { KlaviyoApiError, PermanentRecordError } from '../core/errors.ts';
import type { KlaviyoHttp } from '../klaviyo/http.ts';
import { DEFAULT_PROFILE_COALESCING, ProfileCoalescer, type ProfileCoalescerOptions } from './profile-coalescer.ts';
import type { ProfileJobFinisher } from './profile-job-finisher.ts';
import type { ProfileJobRecord, ProfileJobStore } from './profile-job-store.ts';

type Body = { data: { attributes: { profiles: { data: Array<{ attributes: Record<string, string> }> } } } };

/** A Klaviyo that accepts every job (or refuses the profile with a given email), and a store that records them. */
function setUp(options: Partial<ProfileCoalescerOptions> = {}, refuseEmail?: string) {
  const jobs: Body[] = [];
  const records: ProfileJobRecord[] = [];
  const tracked: string[] = [];
  const http = {
    async request(_op: unknown, req: { body: Body }) {
      const rows = req.body.data.attributes.profiles.data;
      const bad = rows.findIndex((r) => r.attributes.email === refuseEmail);
      if (bad >= 0)
        throw new KlaviyoApiError(
          400,
          [
            {
              code: 'invalid',
              detail: 'Invalid email.',
              source: { pointer: `/data/attributes/profiles/data/${bad}/attributes/email` },
            },
          ],
          'bulk_import_profiles',
        );
      jobs.push(req.body);
      return { status: 202, body: { data: { type: 'profile-bulk-import-job', id: `job${jobs.length}` } } };
    },
  } as unknown as KlaviyoHttp;
  const store = {
    async create(r: ProfileJobRecord) {
      records.push(r);
      return 1;
    },
  } as unknown as ProfileJobStore;
  const finished: Array<() => void> = [];
  const finisher = {
    track: (r: ProfileJobRecord, _v: number, onDone?: () => void) => {
      tracked.push(r.jobId);
      if (onDone) finished.push(onDone);
    },
  } as unknown as ProfileJobFinisher;
  const coalescer = new ProfileCoalescer(http, store, finisher, {
    ...DEFAULT_PROFILE_COALESCING,
    bulkFromPerSecond: 5,
    instanceId: 'test',
    leaseMs: 60_000,
    ctBudgetMs: 1_000,
    ...options,
  });
  return { coalescer, jobs, records, tracked, finished };
}

const write = (
  c: ProfileCoalescer,
  customerId: string,
  email: string,
  notificationId = `n-${customerId}`,
  extra: { listIds?: string[]; version?: number } = {},
) =>
  c.write({
    profile: { type: 'profile', attributes: { external_id: customerId, email } },
    customerId,
    listIds: extra.listIds ?? [],
    notification: { id: notificationId, type: 'CustomerCreated', payload: {} },
    hasConsent: false,
    version: extra.version,
  });

describe('ProfileCoalescer', () => {
  it('writes single profiles below the rate and goes in bulk from it (over the last 5 s)', () => {
    const { coalescer } = setUp({ bulkFromPerSecond: 2 });
    const t = 1_000_000;
    // 9 writes in 5 s: 1.8 a second, below 2.
    const below = Array.from({ length: 9 }, (_, i) => coalescer.isBulkNow(t + i * 500));
    expect(below.every((b) => !b)).toBe(true);
    // The tenth within the window reaches 2 a second.
    expect(coalescer.isBulkNow(t + 4_600)).toBe(true);
    // Later, the early arrivals have left the window.
    expect(coalescer.isBulkNow(t + 60_000)).toBe(false);
    expect(coalescer.stats.single).toBe(10);
  });

  it('goes in bulk at any rate with 0, and when a single call would wait for its limit', () => {
    expect(setUp({ bulkFromPerSecond: 0 }).coalescer.isBulkNow()).toBe(true);
    expect(setUp({ singleWaitMs: () => 250 }).coalescer.isBulkNow()).toBe(true);
    expect(setUp({ singleWaitMs: () => 0 }).coalescer.isBulkNow()).toBe(false);
  });

  it('puts profiles arriving together in one job, the same customer once with the newest read', async () => {
    const { coalescer, jobs, records, tracked } = setUp();
    const ids = await Promise.all([
      write(coalescer, 'c1', 'old@example.com', 'n1'),
      write(coalescer, 'c2', 'b@example.com'),
      write(coalescer, 'c1', 'new@example.com', 'n2'),
    ]);
    expect(ids).toEqual(['job1', 'job1', 'job1']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].data.attributes.profiles.data.map((p) => p.attributes.email).sort()).toEqual([
      'b@example.com',
      'new@example.com',
    ]);
    // The record answers both notifications of c1, and carries no email.
    expect(records[0].profiles.map((p) => [p.customerId, p.notifications.map((n) => n.id)]).sort()).toEqual([
      ['c1', ['n1', 'n2']],
      ['c2', ['n-c2']],
    ]);
    expect(JSON.stringify(records[0])).not.toMatch(/@example\.com/);
    expect(tracked).toEqual(['job1']);
  });

  it('a profile Klaviyo refuses fails alone, as a permanent error; the others go in the job', async () => {
    const { coalescer, records } = setUp({}, 'bad@example.com');
    const results = await Promise.allSettled([
      write(coalescer, 'c1', 'a@example.com'),
      write(coalescer, 'c2', 'bad@example.com'),
      write(coalescer, 'c3', 'c@example.com'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(PermanentRecordError);
    expect(records[0].profiles.map((p) => p.customerId)).toEqual(['c1', 'c3']);
  });

  it('closes a job at maxProfiles', async () => {
    const { coalescer, jobs } = setUp({ maxProfiles: 2 });
    await Promise.all(['c1', 'c2', 'c3'].map((id) => write(coalescer, id, `${id}@example.com`)));
    expect(jobs.map((j) => j.data.attributes.profiles.data.length)).toEqual([2, 1]);
  });

  it('a customer whose job has not finished waits for it: an older read never lands after a newer one', async () => {
    const { coalescer, jobs, finished } = setUp();
    expect(await write(coalescer, 'c1', 'first@example.com')).toBe('job1');
    let second: string | undefined;
    const pending = write(coalescer, 'c1', 'second@example.com', 'n2').then((id) => {
      second = id;
      return id;
    });
    // Any write now goes in a job (no single call may overtake job1), and c1's waits.
    expect(coalescer.isBulkNow()).toBe(true);
    await Promise.all([write(coalescer, 'c2', 'other@example.com'), Promise.resolve()]);
    expect(second).toBeUndefined();
    expect(jobs.flatMap((j) => j.data.attributes.profiles.data.map((p) => p.attributes.email))).toEqual([
      'first@example.com',
      'other@example.com',
    ]);
    // job1 finished: c1's newer read goes.
    finished[0]();
    expect(await pending).toBe('job3');
    expect(jobs[2].data.attributes.profiles.data.map((p) => p.attributes.email)).toEqual(['second@example.com']);
  });

  it('one customer in two list batches is one row, in both lists, with the newer version', async () => {
    const { coalescer, jobs } = setUp();
    const ids = await Promise.all([
      write(coalescer, 'c1', 'newer@example.com', 'n1', { listIds: ['L'], version: 5 }),
      write(coalescer, 'c1', 'older@example.com', 'n2', { version: 4 }),
    ]);
    expect(ids).toEqual(['job1', 'job1']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].data.attributes.profiles.data.map((p) => p.attributes.email)).toEqual(['newer@example.com']);
    expect((jobs[0].data as unknown as { relationships?: unknown }).relationships).toEqual({
      lists: { data: [{ type: 'list', id: 'L' }] },
    });
  });

  it('waits for an unfinished job at most maxDeferMs (a job whose outcome cannot be learned holds nothing for good)', async () => {
    const { coalescer, jobs } = setUp({ maxDeferMs: 50 });
    expect(await write(coalescer, 'c1', 'first@example.com')).toBe('job1');
    // job1 never finishes here; the newer write goes after 50 ms all the same.
    expect(await write(coalescer, 'c1', 'second@example.com', 'n2')).toBe('job2');
    expect(jobs[1].data.attributes.profiles.data.map((p) => p.attributes.email)).toEqual(['second@example.com']);
  });
});
