import { sleep } from '../core/abort.ts';
import { UnexpectedResponseError } from '../core/errors.ts';
import type { KlaviyoHttp } from './http.ts';
import type { KlaviyoOperation } from './operations.ts';

/** A job is finished when Klaviyo says `complete` or `cancelled`; `queued` and `processing` are not. */
export type JobStatus = 'queued' | 'processing' | 'complete' | 'cancelled';

export interface PollSchedule {
  /** Wait before the first look (0: look at once). */
  firstDelayMs: number;
  /** Wait after a first unfinished look; each next wait is `factor` times the last, up to `maxDelayMs`. */
  initialDelayMs: number;
  factor: number;
  maxDelayMs: number;
}

/** A job as Klaviyo shows it: its attributes, and the resources it processed (catalog jobs list them). */
export interface JobResource<A> {
  id?: string;
  attributes?: A;
  relationships?: Record<string, { data?: Array<{ type: string; id: string }> | null }>;
}

interface JobDocument<A> {
  data?: JobResource<A>;
}

/**
 * How long finished jobs took, per job-GET operation and client, so that the next job is first looked at
 * when it is likely done: one or two polls a job, however slow jobs are, keeps polling far inside the
 * job-GET rate limit even with many jobs in flight.
 */
const observedMs = new WeakMap<KlaviyoHttp, Map<string, number>>();

function expectedDuration(http: KlaviyoHttp, op: KlaviyoOperation): number {
  return observedMs.get(http)?.get(op.id) ?? 0;
}

function observeDuration(http: KlaviyoHttp, op: KlaviyoOperation, ms: number): void {
  let byOp = observedMs.get(http);
  if (!byOp) {
    byOp = new Map();
    observedMs.set(http, byOp);
  }
  const previous = byOp.get(op.id);
  byOp.set(op.id, previous === undefined ? ms : 0.7 * previous + 0.3 * ms);
}

/** The id of a job Klaviyo has just accepted (202); an acceptance without one breaks the API's contract. */
export function acceptedJobId(body: JobDocument<unknown> | undefined, what: string): string {
  const id = body?.data?.id;
  if (!id) throw new UnexpectedResponseError(`Klaviyo accepted the ${what} job but returned no job id`);
  return id;
}

/** How long a finished job took by Klaviyo's own clock (`created_at` to `completed_at`), when it says. */
function serverDuration(attributes: { created_at?: unknown; completed_at?: unknown }): number | undefined {
  const created = typeof attributes.created_at === 'string' ? Date.parse(attributes.created_at) : Number.NaN;
  const completed = typeof attributes.completed_at === 'string' ? Date.parse(attributes.completed_at) : Number.NaN;
  return completed >= created ? completed - created : undefined;
}

/**
 * Polls a job until it is finished. Job GETs have no more rate limit than job POSTs, so a job may cost about
 * one poll if submissions are to run at their ceiling: the first look comes just after jobs of this kind have
 * recently taken (by Klaviyo's own timestamps), or after `firstDelayMs` before any has finished; then looks
 * back off. `submittedAtMs` is when the job was accepted (for a recovered job, now).
 */
export async function waitForJob<A extends { status: string; created_at?: unknown; completed_at?: unknown }>(
  http: KlaviyoHttp,
  op: KlaviyoOperation,
  path: string,
  schedule: PollSchedule,
  signal?: AbortSignal,
  submittedAtMs = Date.now(),
): Promise<JobResource<A> & { attributes: A }> {
  const expected = expectedDuration(http, op);
  let delayMs = Math.max(schedule.initialDelayMs, expected / 10);
  const maxDelayMs = Math.max(schedule.maxDelayMs, expected / 4);
  const firstLookMs = Math.max(schedule.firstDelayMs, 1.05 * expected + 200 - (Date.now() - submittedAtMs));
  if (firstLookMs > 0) await sleep(firstLookMs, signal);
  for (;;) {
    const res = await http.request<JobDocument<A>>(op, { method: 'GET', path, signal });
    const job = res.body?.data;
    const status = job?.attributes?.status;
    if (job?.attributes && (status === 'complete' || status === 'cancelled')) {
      observeDuration(http, op, serverDuration(job.attributes) ?? Date.now() - submittedAtMs);
      return job as JobResource<A> & { attributes: A };
    }
    await sleep(delayMs, signal);
    // A job already long running is looked at less often (before any job of its kind has finished, its age
    // is the only hint of how long such jobs take).
    delayMs = Math.min(delayMs * schedule.factor, Math.max(maxDelayMs, (Date.now() - submittedAtMs) / 3));
  }
}
