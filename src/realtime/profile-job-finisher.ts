import type { CommercetoolsApi } from '../commercetools/client.ts';
import { VersionConflictError } from '../commercetools/custom-objects.ts';
import { customersByIds } from '../commercetools/customers.ts';
import { syncConsent } from '../consent/sync-consent.ts';
import { AppError, CommercetoolsError, dispositionOf } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { type ConflictDeps, withConflictsResolved } from '../identity/resolve-conflicts.ts';
import type { KlaviyoHttp } from '../klaviyo/http.ts';
import { finishImport } from '../klaviyo/profiles.ts';
import type { ConsentConfig } from '../mapping/consent.ts';
import type { PropertyFilter } from '../mapping/mapping-options.ts';
import type { DeadLetterStorage } from './intake.ts';
import { customerConsentIntent } from './processors/customer-consent.ts';
import type { JobProfile, ProfileJobRecord, ProfileJobStore } from './profile-job-store.ts';

export interface ProfileJobFinisherOptions {
  instanceId: string;
  /** How long an instance keeps a job to itself before another may take it over (default 5 minutes). */
  leaseMs: number;
  customerProperties: PropertyFilter;
  consent?: ConsentConfig;
  /** commercetools reads of the consent step retry this long. */
  ctBudgetMs: number;
  /** Identity conflicts in a job (duplicate_profile) are resolved by IDENTITY_CONFLICT before dead-lettering. */
  conflicts?: ConflictDeps;
}

export interface ProfileJobStats {
  finished: number;
  /** Profiles Klaviyo refused in a job, and consent it refused afterwards: each notification kept as a dead letter. */
  deadLettered: number;
  /** Jobs another instance (or an earlier process) left, finished here. */
  takenOver: number;
  /** Attempts to finish that failed (a later sweep tries again). */
  errors: number;
}

/**
 * Finishes the real-time profile import jobs: waits for each, keeps the notifications of profiles Klaviyo
 * refused as dead letters, syncs the consent of the others (their profiles exist now), then forgets the job.
 * Jobs this process submitted are finished as soon as they complete; `sweep` takes over the jobs whose lease
 * ran out (a crashed or busy instance's, or one whose finishing failed), so a restart loses nothing. Finishing
 * twice is harmless: dead letters are keyed by notification, and consent is read before it is written.
 */
export class ProfileJobFinisher {
  readonly stats: ProfileJobStats = { finished: 0, deadLettered: 0, takenOver: 0, errors: 0 };
  private readonly active = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly http: KlaviyoHttp,
    private readonly ct: CommercetoolsApi,
    private readonly store: ProfileJobStore,
    private readonly deadLetters: DeadLetterStorage,
    private readonly logger: Logger,
    private readonly options: ProfileJobFinisherOptions,
  ) {}

  /** Jobs being finished by this process. */
  get inFlight(): number {
    return this.active.size;
  }

  /** Starts finishing a job this process recorded (at `version`); `onDone` hears when it is over (or given up). */
  track(record: ProfileJobRecord, version: number, onDone?: () => void): void {
    if (this.active.has(record.jobId)) {
      onDone?.();
      return;
    }
    const done = this.finish(record, version)
      .catch(async (e: unknown) => {
        this.stats.errors++;
        const err = e instanceof Error ? e.message : String(e);
        if (dispositionOf(e) !== 'permanent') {
          this.logger.warn(
            { jobId: record.jobId, err },
            'could not finish a real-time profile import job yet; a later sweep tries again',
          );
          return;
        }
        // It can never be finished (Klaviyo does not know the job, refuses a step): its notifications become dead
        // letters with the reason, to replay, and the record goes — never retried forever, never lost.
        this.logger.error({ jobId: record.jobId, err }, 'a real-time profile import job cannot be finished');
        await this.giveUp(record, version, e).catch((again: unknown) =>
          this.logger.warn(
            { jobId: record.jobId, err: again instanceof Error ? again.message : String(again) },
            'could not dead-letter an unfinishable profile job yet; a later sweep tries again',
          ),
        );
      })
      .finally(() => {
        this.active.delete(record.jobId);
        onDone?.();
      });
    this.active.set(record.jobId, done);
  }

  /** Waits for the jobs this process is finishing, at most `timeoutMs` (what is left, a later sweep finishes). */
  async settle(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all([...this.active.values()]), timeout]);
    clearTimeout(timer);
  }

  /** Takes over and finishes every recorded job whose lease has run out; returns how many it took. */
  async sweep(nowMs = Date.now()): Promise<number> {
    let taken = 0;
    const PAGE = 20;
    for (let after: string | undefined; ; ) {
      const page = await this.store.list(PAGE, after);
      for (const o of page) {
        if (this.active.has(o.value.jobId) || Date.parse(o.value.leaseUntil) > nowMs) continue;
        const claimed: ProfileJobRecord = {
          ...o.value,
          owner: this.options.instanceId,
          leaseUntil: new Date(nowMs + this.options.leaseMs).toISOString(),
        };
        let version: number;
        try {
          version = await this.store.claim(claimed, o.version);
        } catch (e) {
          if (e instanceof VersionConflictError) continue;
          throw e;
        }
        taken++;
        this.stats.takenOver++;
        this.track(claimed, version);
      }
      if (page.length < PAGE) return taken;
      after = page[page.length - 1].key;
    }
  }

  /** Sweeps now and every `intervalMs` (the timer does not keep the process alive). */
  start(intervalMs: number): void {
    const run = () =>
      this.sweep().catch((e: unknown) =>
        this.logger.warn(
          { err: e instanceof Error ? e.message : String(e) },
          'could not look for unfinished real-time profile import jobs',
        ),
      );
    void run();
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async finish(record: ProfileJobRecord, version: number): Promise<void> {
    const rows = record.profiles.map((p) => ({ id: p.customerId, externalId: p.customerId }));
    const outcomes = await withConflictsResolved(
      this.options.conflicts,
      await finishImport(this.http, { jobId: record.jobId, submittedAtMs: Date.parse(record.submittedAt), rows }),
      undefined,
      // A passing failure leaves the job to a later sweep rather than making dead letters of it.
      { throwRetryable: true },
    );
    const byCustomer = new Map(record.profiles.map((p) => [p.customerId, p]));
    const landed: JobProfile[] = [];
    for (const o of outcomes) {
      const profile = byCustomer.get(o.id);
      if (!profile) continue;
      if (o.outcome === 'failed') await this.deadLetter(profile, o.code ?? 'PROFILE_REFUSED', o.reason);
      else if (profile.hasConsent) landed.push(profile);
    }
    if (landed.length > 0) await this.syncConsentOf(landed);
    try {
      await this.store.remove(record.jobId, version);
    } catch (e) {
      // Taken over meanwhile (this took longer than the lease): the instance that took it finishes and forgets it.
      if (!(e instanceof CommercetoolsError && e.status === 409)) throw e;
    }
    this.stats.finished++;
    this.logger.info(
      {
        jobId: record.jobId,
        profiles: record.profiles.length,
        failed: outcomes.filter((o) => o.outcome === 'failed').length,
      },
      'real-time profile import job finished',
    );
  }

  private async giveUp(record: ProfileJobRecord, version: number, e: unknown): Promise<void> {
    const code = e instanceof AppError ? e.code : 'PROFILE_JOB_UNFINISHED';
    const reason = `Klaviyo profile import job ${record.jobId} could not be finished: ${e instanceof Error ? e.message : String(e)}`;
    for (const p of record.profiles) await this.deadLetter(p, code, reason);
    await this.store.remove(record.jobId, version);
  }

  /** The consent of profiles a job landed, as commercetools has it now, with the bulk import's rules. */
  private async syncConsentOf(profiles: JobProfile[]): Promise<void> {
    const consent = this.options.consent;
    if (!consent) return;
    const customers = await customersByIds(
      this.ct,
      profiles.map((p) => p.customerId),
      this.options.ctBudgetMs,
    );
    const candidates = customers.flatMap((c) => {
      const intent = customerConsentIntent(c, consent, this.options.customerProperties);
      return intent ? [{ recordId: c.id, intent }] : [];
    });
    if (candidates.length === 0) return;
    const results = await syncConsent(this.http, consent, candidates, { by: 'external_id', checkListMembership: true });
    for (const p of profiles) {
      const failed = (results.get(p.customerId) ?? []).filter((r) => r.result === 'failed');
      if (failed.length)
        await this.deadLetter(
          p,
          'CONSENT_REFUSED',
          `consent of ${p.customerId}: ${failed.map((r) => `${r.channel}: ${r.reason}`).join('; ')}`,
        );
    }
  }

  private async deadLetter(profile: JobProfile, code: string, reason: string): Promise<void> {
    for (const n of profile.notifications) {
      await this.deadLetters.put({
        notificationId: n.id,
        resourceType: 'customer',
        resourceId: profile.customerId,
        type: n.type,
        reason: reason.slice(0, 2000),
        code,
        payload: n.payload,
      });
      this.stats.deadLettered++;
    }
  }
}
