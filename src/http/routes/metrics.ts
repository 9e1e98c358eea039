import type { FastifyInstance } from 'fastify';
import { Gauge, Registry } from 'prom-client';
import { ENTITY_KINDS } from '../../core/entity-kind.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import type { KlaviyoRateLimiter } from '../../klaviyo/rate-limiter.ts';
import type { EventCoalescer } from '../../realtime/event-coalescer.ts';
import type { Intake } from '../../realtime/intake.ts';
import type { ProfileCoalescer } from '../../realtime/profile-coalescer.ts';
import type { ProfileJobFinisher } from '../../realtime/profile-job-finisher.ts';
import type { JobRegistry } from '../../sync/job-registry.ts';

export interface MetricsSources {
  registry: JobRegistry;
  klaviyo: KlaviyoHttp[];
  limiter: KlaviyoRateLimiter;
  intake: Intake;
  /** Real-time events coalesced into bulk requests (absent with REALTIME_EVENT_HOLD_MS=0). */
  coalescer?: EventCoalescer;
  /** Real-time profiles in bulk import jobs (absent with REALTIME_PROFILE_BULK_RATE=off), and their finishing. */
  profiles?: ProfileCoalescer;
  profileJobs?: ProfileJobFinisher;
}

/** The value at each quantile of `values` (sorted here). */
function quantiles(values: readonly number[]): Array<[string, number]> {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  return [0.5, 0.9, 0.99].map((q) => [String(q), sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]]);
}

export interface ServiceMetrics {
  registry: Registry;
  /** Reads the run reports once (they may come from commercetools), then renders every metric. */
  render(): Promise<string>;
}

/** Prometheus metrics, computed from the service's own counters when scraped. */
export function buildMetrics(sources: MetricsSources): ServiceMetrics {
  const registry = new Registry();
  let runs: Awaited<ReturnType<JobRegistry['statusAll']>> | undefined;
  new Gauge({
    name: 'ctk_sync_records',
    help: 'Records of the current or last bulk import run, by type and outcome',
    labelNames: ['type', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const kind of ENTITY_KINDS) {
        const r = runs?.[kind];
        if (!r) continue;
        for (const outcome of ['read', 'succeeded', 'failed', 'skipped'] as const)
          this.set({ type: kind, outcome }, r.counts[outcome]);
      }
    },
  });
  new Gauge({
    name: 'ctk_sync_run_seconds',
    help: 'Elapsed seconds of the current or last bulk import run, by type and status',
    labelNames: ['type', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const kind of ENTITY_KINDS) {
        const r = runs?.[kind];
        if (r) this.set({ type: kind, status: r.status }, r.elapsedSeconds);
      }
    },
  });
  new Gauge({
    name: 'ctk_klaviyo_requests',
    help: 'Klaviyo API requests sent by this process, by operation and HTTP status (0 = no answer)',
    labelNames: ['operation', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      const totals = new Map<string, number>();
      for (const http of sources.klaviyo) {
        for (const [operation, byStatus] of Object.entries(http.stats.requests)) {
          for (const [status, n] of Object.entries(byStatus))
            totals.set(`${operation}\u0000${status}`, (totals.get(`${operation}\u0000${status}`) ?? 0) + n);
        }
      }
      for (const [key, n] of totals) {
        const [operation, status] = key.split('\u0000');
        this.set({ operation, status }, n);
      }
    },
  });
  new Gauge({
    name: 'ctk_klaviyo_throttled',
    help: 'Klaviyo answers with 429 received by this process',
    registers: [registry],
    collect() {
      this.set(sources.klaviyo.reduce((n, h) => n + h.stats.throttled, 0));
    },
  });
  new Gauge({
    name: 'ctk_klaviyo_rate_limit_wait_seconds',
    help: 'Time spent waiting for Klaviyo rate-limit windows',
    registers: [registry],
    collect() {
      this.set(sources.limiter.stats.waitedMs / 1000);
    },
  });
  new Gauge({
    name: 'ctk_realtime_notifications',
    help: 'Real-time notifications handled, by outcome',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [status, n] of Object.entries(sources.intake.stats.byStatus)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'ctk_realtime_ignored',
    help: 'Real-time notifications ignored for a counted reason (anonymous-cart: a cart nobody can be identified by)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(sources.intake.stats.ignoredBy)) this.set({ reason }, n);
    },
  });
  const coalescer = sources.coalescer;
  if (coalescer) {
    new Gauge({
      name: 'ctk_realtime_event_requests',
      help: 'Bulk events requests real time has sent, and the events and notifications they carried',
      labelNames: ['what'],
      registers: [registry],
      collect() {
        this.set({ what: 'requests' }, coalescer.stats.requests);
        this.set({ what: 'events' }, coalescer.stats.events);
        this.set({ what: 'notifications' }, coalescer.stats.notifications);
        this.set({ what: 'waiting_events' }, coalescer.waiting);
      },
    });
    new Gauge({
      name: 'ctk_realtime_event_batch_size',
      help: 'Events per real-time bulk events request, quantiles over the last 1,000 requests',
      labelNames: ['quantile'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [q, v] of quantiles(coalescer.stats.recentBatchEvents)) this.set({ quantile: q }, v);
      },
    });
    new Gauge({
      name: 'ctk_realtime_event_held_seconds',
      help: 'How long the first notification of a real-time bulk events request was held, quantiles over the last 1,000 requests',
      labelNames: ['quantile'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [q, v] of quantiles(coalescer.stats.recentHeldMs)) this.set({ quantile: q }, v / 1000);
      },
    });
  }
  const { profiles, profileJobs } = sources;
  if (profiles) {
    new Gauge({
      name: 'ctk_realtime_profile_jobs',
      help: 'Real-time profile writes: bulk import jobs submitted, the profiles and notifications they carried, profiles written one call each, profiles waiting for a job',
      labelNames: ['what'],
      registers: [registry],
      collect() {
        this.set({ what: 'jobs' }, profiles.stats.jobs);
        this.set({ what: 'profiles' }, profiles.stats.profiles);
        this.set({ what: 'notifications' }, profiles.stats.notifications);
        this.set({ what: 'single' }, profiles.stats.single);
        this.set({ what: 'waiting_profiles' }, profiles.waiting);
      },
    });
    new Gauge({
      name: 'ctk_realtime_profile_job_size',
      help: 'Profiles per real-time bulk profile import job, quantiles over the last 1,000 jobs',
      labelNames: ['quantile'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [q, v] of quantiles(profiles.stats.recentJobProfiles)) this.set({ quantile: q }, v);
      },
    });
    new Gauge({
      name: 'ctk_realtime_profile_held_seconds',
      help: 'How long the first profile of a real-time profile import job was held, quantiles over the last 1,000 jobs',
      labelNames: ['quantile'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [q, v] of quantiles(profiles.stats.recentHeldMs)) this.set({ quantile: q }, v / 1000);
      },
    });
  }
  if (profileJobs) {
    new Gauge({
      name: 'ctk_realtime_profile_jobs_finished',
      help: 'Real-time profile import jobs finished (finished, taken_over from another instance or an earlier process, errors: attempts a later sweep repeats), dead letters they made, jobs being finished',
      labelNames: ['what'],
      registers: [registry],
      collect() {
        this.set({ what: 'finished' }, profileJobs.stats.finished);
        this.set({ what: 'taken_over' }, profileJobs.stats.takenOver);
        this.set({ what: 'errors' }, profileJobs.stats.errors);
        this.set({ what: 'dead_lettered' }, profileJobs.stats.deadLettered);
        this.set({ what: 'in_flight' }, profileJobs.inFlight);
      },
    });
  }
  new Gauge({
    name: 'ctk_realtime_latency_seconds',
    help: 'Real-time notification handling latency quantiles over the last 1,000 notifications',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [q, ms] of quantiles(sources.intake.stats.recentLatenciesMs)) this.set({ quantile: q }, ms / 1000);
    },
  });
  return {
    registry,
    async render() {
      runs = await sources.registry.statusAll().catch(() => undefined);
      return registry.metrics();
    },
  };
}

export async function metricsRoutes(app: FastifyInstance, opts: { metrics: ServiceMetrics }): Promise<void> {
  app.get('/metrics', async (_request, reply) =>
    reply.type(opts.metrics.registry.contentType).send(await opts.metrics.render()),
  );
}
