import type { ChildProcess } from 'node:child_process';
import { Random } from '../../emulators/data/random.ts';
import { request, waitFor } from './http.ts';
import { startServiceProcess } from './service-process.ts';

interface Counts {
  read: number;
  succeeded: number;
  failed: number;
  skipped: number;
  /** Runs that sync consent: by channel and result. */
  consent?: Record<string, Record<string, number>>;
}
interface Report {
  status: string;
  counts: Counts;
  jobId: string;
  resumedFrom?: string;
  error?: unknown;
}

export interface CrashChainOptions {
  /** Environment of every service process (pointing at the shared emulators). */
  env: Record<string, string>;
  type: 'customers' | 'orders' | 'categories' | 'products';
  /** Seeds the kill points, so a failing chain can be replayed. */
  seed: number;
  kills: number;
  /** Records the run will process in all (to spread the kill points over the run). */
  expectedProcessed: number;
  /** The body of the first start (default none: a full import), e.g. `{"delta": true}`. */
  startBody?: unknown;
  /** Called before the last, unkilled, process resumes (e.g. to lift the faults that slowed the run). */
  beforeFinalResume?: () => Promise<unknown>;
  children: ChildProcess[];
  timeoutMs?: number;
}

export interface CrashChainResult {
  /** Records processed (succeeded + failed + skipped) by the dead process at each SIGKILL. */
  killedAt: number[];
  /** Runs after the first that resumed from the previous one's checkpoint. */
  resumes: number;
  report: Report;
}

const processed = (c: Counts) => c.succeeded + c.failed + c.skipped;
const status = async (url: string, type: string) => (await request<Report>('GET', `${url}/sync/${type}`)).body;
/** Waits until the run of `type` on that instance is no longer running, and returns its report. */
const ended = (url: string, type: string, timeoutMs: number, what: string) =>
  waitFor(
    async () => {
      const s = await status(url, type);
      return s.status !== 'running' ? s : undefined;
    },
    timeoutMs,
    what,
  );
const post = (url: string, body: unknown) =>
  request<Report & { message?: string }>('POST', url, { headers: { 'content-type': 'application/json' }, body });

/**
 * One import of `type`, run by a chain of service processes: each is SIGKILLed when its progress reaches a
 * seeded random point, the next one waits for the dead holder's lease to expire and resumes from the
 * checkpoint, and the last one runs to the end. Returns where the kills landed and the final report.
 */
export async function runCrashChain(o: CrashChainOptions): Promise<CrashChainResult> {
  const random = new Random(o.seed * 7919 + o.type.length);
  const timeoutMs = o.timeoutMs ?? 60_000;
  const killedAt: number[] = [];
  let resumes = 0;
  let previousJob: string | undefined;
  // The next process boots while the current one works, as a standby replica would.
  let next = startServiceProcess(o.env, o.children);
  for (let k = 0; k <= o.kills; k++) {
    const last = k === o.kills;
    const { url, child } = await next;
    if (!last) next = startServiceProcess(o.env, o.children);
    if (last) await o.beforeFinalResume?.();
    let before = 0;
    if (previousJob) {
      // The dead holder's lease is still valid for a moment; the run shows as interrupted once it expires.
      const seen = await ended(url, o.type, 30_000, 'the dead holder’s lease to expire');
      if (seen.status === 'completed') return { killedAt, resumes, report: seen };
      before = processed(seen.counts);
      const resumed = await post(`${url}/sync/${o.type}`, { resume: true });
      if (resumed.status !== 202) throw new Error(`resume was refused (${resumed.status}): ${resumed.body.message}`);
      if (resumed.body.resumedFrom !== previousJob)
        throw new Error(`resumed ${resumed.body.resumedFrom}, expected ${previousJob}`);
      previousJob = resumed.body.jobId;
      resumes++;
    } else {
      const started = await post(`${url}/sync/${o.type}`, o.startBody ?? {});
      if (started.status !== 202) throw new Error(`start was refused (${started.status}): ${started.body.message}`);
      previousJob = started.body.jobId;
    }
    if (last) {
      const report = await ended(url, o.type, timeoutMs, `the ${o.type} run to end`);
      child.kill('SIGTERM');
      return { killedAt, resumes, report };
    }
    // The kill point: a seeded share (10–50 %) of the work this process has left, so each kill lands while the
    // run is going (a condition on its progress, not a timer).
    const target = before + Math.max(1, Math.ceil((o.expectedProcessed - before) * (0.1 + 0.4 * random.next())));
    const at = await waitFor(
      async () => {
        const s = await status(url, o.type);
        return s.status !== 'running' || processed(s.counts) >= target ? s : undefined;
      },
      timeoutMs,
      `${o.type} progress to reach ${target}`,
    );
    child.kill('SIGKILL');
    await new Promise((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve),
    );
    if (at.status !== 'running') return { killedAt, resumes, report: at };
    killedAt.push(processed(at.counts));
  }
  throw new Error('unreachable');
}
