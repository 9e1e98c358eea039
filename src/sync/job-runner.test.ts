import { describe, expect, it } from 'vitest';
import { AbortedError, KlaviyoApiError, PermanentRecordError } from '../core/errors.ts';
import type { JobRef, RecoveredBatch } from '../core/job-progress.ts';
import { silentLogger } from '../core/logger.ts';
import type { BatchEntry, RecordOutcome } from '../core/record-outcome.ts';
import { freshReport, JobRunner, type RunHooks } from './job-runner.ts';
import type { RunReport } from './run-report.ts';
import type { Mapped, SourcePage, StreamDefinition } from './stream.ts';

type Rec = { id: string };

const ids = (n: number) => Array.from({ length: n }, (_, i) => `r${String(i + 1).padStart(2, '0')}`);

/** A write the test finishes when it wants, to make batches end out of order. */
interface PendingWrite {
  batch: Array<BatchEntry<string>>;
  finish(outcomes?: RecordOutcome[]): void;
  fail(e: unknown): void;
}

/** Resolves when `condition` holds, checking after every turn of the event loop (no timers). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function harness(o: {
  pages: Array<SourcePage<Rec>>;
  map?: (r: Rec) => Mapped<string>;
  maxBatchItems?: number;
  maxInFlight?: number;
  cursor?: string;
  autoFinish?: boolean;
  /** The stream can finish jobs a previous run left in flight: this decides what each recovery yields. */
  recover?: (jobs: JobRef[]) => RecoveredBatch | undefined;
  /** Writes report a job as soon as they start (a writer of Klaviyo jobs). */
  reportsJobs?: boolean;
}) {
  const recovered: JobRef[][] = [];
  const recoveredUnconfirmed: Array<number | undefined> = [];
  const writes: PendingWrite[] = [];
  const checkpoints: RunReport[] = [];
  const pagesAskedFrom: Array<string | undefined> = [];
  const stream: StreamDefinition<Rec, string> = {
    kind: 'customers',
    reader: {
      async *pages(_options, cursor) {
        pagesAskedFrom.push(cursor);
        for (const p of o.pages) yield p;
      },
    },
    map: o.map ?? ((r) => ({ kind: 'item', id: r.id, item: r.id, bytes: 10 })),
    limits: { maxBatchItems: o.maxBatchItems ?? 2, maxBatchBytes: 1_000_000, maxInFlight: o.maxInFlight ?? 3 },
    write: (batch, signal, progress) =>
      new Promise<RecordOutcome[]>((resolve, reject) => {
        const w: PendingWrite = {
          batch,
          finish: (outcomes) => resolve(outcomes ?? batch.map((b) => ({ id: b.id, outcome: 'succeeded' }))),
          fail: reject,
        };
        writes.push(w);
        if (o.reportsJobs) {
          progress?.submitted([{ kind: 'test-job', id: `job-of-${batch[0].id}` }], []);
          signal.addEventListener('abort', () => reject(new AbortedError()), { once: true });
        }
        if (o.autoFinish) w.finish();
      }),
    ...(o.recover
      ? {
          recover: async (jobs: JobRef[], _signal: AbortSignal, unconfirmed?: number) => {
            recovered.push(jobs);
            recoveredUnconfirmed.push(unconfirmed);
            return o.recover?.(jobs);
          },
        }
      : {}),
  };
  const report = freshReport({
    jobId: 'job-1',
    type: 'customers',
    options: {},
    owner: 'test',
    startedAt: new Date().toISOString(),
  });
  if (o.cursor) report.cursor = o.cursor;
  const hooks: RunHooks = {
    save: async (r) => void checkpoints.push(structuredClone(r)),
    heartbeat: async () => false,
    heartbeatEveryMs: 60_000,
    saveEveryMs: 0,
    drainTimeoutMs: 60_000,
  };
  const runner = new JobRunner<Rec, string>(stream, report, hooks, silentLogger());
  return { runner, writes, checkpoints, pagesAskedFrom, recovered, recoveredUnconfirmed, report };
}

const page = (records: string[], missingIds: string[] = []): SourcePage<Rec> => ({
  records: records.map((id) => ({ id })),
  missingIds,
});

describe('JobRunner', () => {
  it('moves the checkpoint cursor only over finished batches, in id order, whatever order they finish in', async () => {
    const h = harness({ pages: [page(ids(6))], maxInFlight: 3 });
    const done = h.runner.start();
    await until(() => h.writes.length === 3, 'three batches in flight');
    expect(h.writes.map((w) => w.batch.map((b) => b.id))).toEqual([
      ['r01', 'r02'],
      ['r03', 'r04'],
      ['r05', 'r06'],
    ]);
    h.writes[2].finish();
    h.writes[1].finish();
    await until(() => h.runner.report.counts.succeeded === 4, 'the later batches to be counted');
    // The first batch is unfinished: no checkpoint may claim anything after it.
    expect(h.checkpoints.every((c) => c.cursor === undefined && c.counts.succeeded === 0)).toBe(true);
    h.writes[0].finish();
    const report = await done;
    expect(report).toMatchObject({
      status: 'completed',
      cursor: 'r06',
      counts: { read: 6, succeeded: 6, failed: 0, skipped: 0 },
    });
    expect(h.checkpoints.at(-1)).toMatchObject({ cursor: 'r06', counts: { read: 6, succeeded: 6 } });
    // Every checkpoint counts exactly the records its cursor covers.
    for (const c of h.checkpoints)
      expect(c.counts.succeeded).toBe(c.cursor ? ids(6).filter((id) => id <= (c.cursor as string)).length : 0);
  });

  it('gives every record exactly one outcome: skipped and failed by the mapper, failed or succeeded by the writer', async () => {
    const map = (r: Rec): Mapped<string> =>
      r.id === 'r02'
        ? { kind: 'skip', id: r.id, reason: 'no email' }
        : r.id === 'r03'
          ? { kind: 'fail', id: r.id, reason: 'too large' }
          : { kind: 'item', id: r.id, item: r.id, bytes: 10 };
    const h = harness({ pages: [page(ids(5), ['r06'])], map });
    const done = h.runner.start();
    await until(() => h.writes.length === 2, 'both batches');
    h.writes[0].finish([
      { id: 'r01', outcome: 'succeeded' },
      { id: 'r04', outcome: 'failed', reason: 'Klaviyo rejected the profile: bad phone', code: 'invalid' },
    ]);
    h.writes[1].finish();
    const report = await done;
    expect(report.counts).toEqual({ read: 6, succeeded: 2, failed: 2, skipped: 2 });
    expect(report.lastErrors.map((e) => [e.id, e.outcome, e.reason])).toEqual([
      ['r06', 'skipped', 'not found in commercetools'],
      ['r02', 'skipped', 'no email'],
      ['r03', 'failed', 'too large'],
      ['r04', 'failed', 'Klaviyo rejected the profile: bad phone'],
    ]);
    expect(h.runner.failures.failures.map((f) => f.id).sort()).toEqual(['r02', 'r03', 'r04', 'r06']);
    expect(report.cursor).toBe('r06');
  });

  it('a batch the writer cannot write (a permanent error) fails its records with the reason, and the run goes on', async () => {
    const h = harness({ pages: [page(ids(4))] });
    const done = h.runner.start();
    await until(() => h.writes.length === 2, 'both batches');
    h.writes[0].fail(new PermanentRecordError('invalid', 'Klaviyo refused the batch'));
    h.writes[1].finish();
    const report = await done;
    expect(report.status).toBe('completed');
    expect(report.counts).toEqual({ read: 4, succeeded: 2, failed: 2, skipped: 0 });
    expect(report.lastErrors.map((e) => [e.id, e.reason, e.code])).toEqual([
      ['r01', 'Klaviyo refused the batch', 'invalid'],
      ['r02', 'Klaviyo refused the batch', 'invalid'],
    ]);
  });

  it('a fatal error (Klaviyo refuses the key) fails the run, and the checkpoint keeps only finished work', async () => {
    const h = harness({ pages: [page(ids(4))] });
    const done = h.runner.start();
    await until(() => h.writes.length === 2, 'both batches');
    h.writes[0].finish();
    await until(() => h.runner.report.cursor === 'r02', 'the first batch to be covered');
    h.writes[1].fail(
      new KlaviyoApiError(
        401,
        [{ code: 'not_authenticated', detail: 'Missing or invalid key.' }],
        'bulk_import_profiles',
      ),
    );
    const report = await done;
    expect(report.status).toBe('failed');
    expect(report.error).toEqual({
      code: 'KLAVIYO_AUTH_FAILED',
      message: 'Klaviyo bulk_import_profiles answered 401: not_authenticated Missing or invalid key.',
    });
    expect(report.cursor).toBe('r02');
    expect(report.counts).toEqual({ read: 2, succeeded: 2, failed: 0, skipped: 0 });
  });

  it('a stop lets in-flight batches finish, writes no new one, and counts nothing the cursor does not cover', async () => {
    const h = harness({ pages: [page(ids(3)), page(['r04', 'r05', 'r06', 'r07'])], maxInFlight: 1 });
    const done = h.runner.start();
    await until(() => h.writes.length === 1, 'the first batch');
    h.runner.stop();
    h.writes[0].finish();
    const report = await done;
    expect(report.status).toBe('stopped');
    expect(report.cursor).toBe('r02');
    expect(report.counts).toEqual({ read: 2, succeeded: 2, failed: 0, skipped: 0 });
    expect(h.writes).toHaveLength(1);
  });

  it('a resumed run reads from its checkpoint cursor, and its counts start from the checkpoint', async () => {
    const h = harness({ pages: [page(['r03', 'r04'])], cursor: 'r02', autoFinish: true });
    h.runner.report.counts = { read: 2, succeeded: 1, failed: 1, skipped: 0 };
    const report = await h.runner.start();
    expect(h.pagesAskedFrom).toEqual(['r02']);
    expect(report.counts).toEqual({ read: 4, succeeded: 3, failed: 1, skipped: 0 });
    expect(report.cursor).toBe('r04');
  });

  it('a stop with jobs accepted records them in the checkpoint, with the counts of their segments, and waits for none', async () => {
    const h = harness({ pages: [page(ids(4))], reportsJobs: true, recover: () => undefined });
    const done = h.runner.start();
    await until(() => h.writes.length === 2, 'both batches sent');
    h.runner.stop();
    const report = await done;
    expect(report.status).toBe('stopped');
    expect(report.counts).toEqual({ read: 0, succeeded: 0, failed: 0, skipped: 0 });
    expect(report.inFlight).toEqual([
      {
        endId: 'r02',
        counts: { read: 2, succeeded: 0, failed: 0, skipped: 0 },
        isDone: false,
        jobs: [{ kind: 'test-job', id: 'job-of-r01' }],
        settled: [],
        unconfirmed: 2,
      },
      {
        endId: 'r04',
        counts: { read: 2, succeeded: 0, failed: 0, skipped: 0 },
        isDone: false,
        jobs: [{ kind: 'test-job', id: 'job-of-r03' }],
        settled: [],
        unconfirmed: 2,
      },
    ]);
    expect(h.checkpoints.at(-1)?.inFlight).toEqual(report.inFlight);
  });

  it('a resume finishes the jobs left in flight first, then reads after them: nothing is sent twice', async () => {
    const h = harness({
      pages: [page(['r05', 'r06'])],
      autoFinish: true,
      recover: () => ({
        succeeded: 1,
        failures: [{ id: 'r02', outcome: 'failed', reason: 'Klaviyo rejected the profile: bad email' }],
      }),
    });
    h.report.inFlight = [
      {
        endId: 'r02',
        counts: { read: 2, succeeded: 0, failed: 0, skipped: 0 },
        isDone: false,
        jobs: [{ kind: 'test-job', id: 'j1' }],
        settled: [],
        unconfirmed: 2,
      },
      { endId: 'r04', counts: { read: 2, succeeded: 2, failed: 0, skipped: 0 }, isDone: true },
    ];
    const report = await h.runner.start();
    expect(h.recovered).toEqual([[{ kind: 'test-job', id: 'j1' }]]);
    expect(h.recoveredUnconfirmed).toEqual([2]);
    expect(h.pagesAskedFrom).toEqual(['r04']);
    expect(h.writes.map((w) => w.batch.map((b) => b.id))).toEqual([['r05', 'r06']]);
    expect(report).toMatchObject({
      status: 'completed',
      cursor: 'r06',
      counts: { read: 6, succeeded: 5, failed: 1, skipped: 0 },
    });
    expect(report.lastErrors.map((e) => e.id)).toEqual(['r02']);
    expect(report.inFlight).toBeUndefined();
  });

  it('jobs that cannot be attributed are not counted: their segment and everything after it is read and sent again', async () => {
    const h = harness({ pages: [page(ids(4))], autoFinish: true, recover: () => undefined });
    h.report.inFlight = [
      {
        endId: 'r02',
        counts: { read: 2, succeeded: 0, failed: 0, skipped: 0 },
        isDone: false,
        jobs: [{ kind: 'test-job', id: 'j1' }],
        settled: [],
      },
      { endId: 'r04', counts: { read: 2, succeeded: 2, failed: 0, skipped: 0 }, isDone: true },
    ];
    const report = await h.runner.start();
    expect(h.pagesAskedFrom).toEqual([undefined]);
    expect(report).toMatchObject({
      status: 'completed',
      cursor: 'r04',
      counts: { read: 4, succeeded: 4, failed: 0, skipped: 0 },
    });
  });
});
