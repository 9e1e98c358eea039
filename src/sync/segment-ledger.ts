import type { JobRef } from '../core/job-progress.ts';
import type { ConsentResult, RecordOutcome } from '../core/record-outcome.ts';
import {
  addCounts,
  type CountField,
  copyCounts,
  emptyConsentCounts,
  emptyCounts,
  type InFlightSegment,
  type RunCounts,
  type RunReport,
} from './run-report.ts';

/** The records read between two cursor positions (one batch, and what was skipped around it). */
export interface Segment {
  /** The last id read into the segment. */
  endId: string | undefined;
  /** Every record of the segment has its outcome. */
  isDone: boolean;
  counts: RunCounts;
  /** The jobs Klaviyo accepted for the segment's batch, once it has. */
  jobs?: JobRef[];
  /** Records of the batch whose outcome was already final when its jobs were accepted (refused before). */
  settled?: RecordOutcome[];
  /** Records of the batch sent and not confirmed yet. */
  unconfirmed: number;
  /** Stops waiting for the batch's jobs (a stop: the checkpoint records them for the resume). */
  stopWaiting?: () => void;
}

/**
 * The segments of a run not yet covered by its cursor, in id order. The cursor only ever passes a segment
 * whose every record has its outcome, and only in order, so a checkpoint counts exactly what its cursor covers;
 * segments past the cursor whose jobs Klaviyo has accepted (or that are done, behind an unfinished one) are
 * recorded with the checkpoint, so that a later process finishes them instead of sending them again.
 */
export class SegmentLedger {
  private readonly segments: Segment[] = [];

  constructor(private readonly report: RunReport) {}

  /** Starts the next segment. */
  open(): Segment {
    const segment: Segment = { endId: undefined, isDone: false, counts: emptyCounts(), unconfirmed: 0 };
    this.segments.push(segment);
    return segment;
  }

  /** Counts an outcome in the report and in its segment. */
  count(segment: Segment, field: CountField, n = 1): void {
    this.report.counts[field] += n;
    segment.counts[field] += n;
  }

  /** Counts what happened to one channel of a record's consent. */
  countConsent(segment: Segment, r: ConsentResult): void {
    for (const c of [this.report.counts, segment.counts]) {
      c.consent ??= emptyConsentCounts();
      c.consent[r.channel][r.result]++;
    }
  }

  /** Adds the counts a previous run recorded for a segment it left behind. */
  countAll(segment: Segment, counts: RunCounts): void {
    addCounts(this.report.counts, counts);
    addCounts(segment.counts, counts);
  }

  /** Moves the cursor over the finished segments at the front; true when it moved. */
  advance(): boolean {
    const before = this.report.cursor;
    while (this.segments.length > 0 && this.segments[0].isDone) {
      const s = this.segments.shift() as Segment;
      if (s.endId !== undefined) this.report.cursor = s.endId;
    }
    return this.report.cursor !== before;
  }

  /** The report's counts of the records the cursor covers. */
  coveredCounts(): RunCounts {
    const c = copyCounts(this.report.counts);
    for (const s of this.segments) addCounts(c, s.counts, -1);
    return c;
  }

  /**
   * The segments right after the cursor that a later process can take over without reading them again: done
   * ones, and those whose jobs Klaviyo has accepted. The first segment that is neither ends the list.
   */
  inFlight(): InFlightSegment[] {
    const out: InFlightSegment[] = [];
    for (const s of this.segments) {
      if (s.endId === undefined || !(s.isDone || s.jobs)) break;
      out.push(
        s.isDone
          ? { endId: s.endId, counts: copyCounts(s.counts), isDone: true }
          : {
              endId: s.endId,
              counts: copyCounts(s.counts),
              isDone: false,
              jobs: s.jobs,
              settled: s.settled,
              unconfirmed: s.unconfirmed,
            },
      );
    }
    return out;
  }

  /** The segments whose records do not all have their outcome yet. */
  unfinished(): Segment[] {
    return this.segments.filter((s) => !s.isDone);
  }

  /** Jobs accepted and not finished, and the records they carry. */
  stats(): { jobsInFlight: number; recordsUnconfirmed: number } {
    let jobsInFlight = 0;
    let recordsUnconfirmed = 0;
    for (const s of this.segments) {
      if (s.isDone) continue;
      jobsInFlight += s.jobs?.length ?? 0;
      recordsUnconfirmed += s.unconfirmed;
    }
    return { jobsInFlight, recordsUnconfirmed };
  }

  /** At the end of a run: what the cursor does not cover is read again by a resume, so its counts come out. */
  uncountUncovered(): void {
    for (const s of this.segments) {
      addCounts(this.report.counts, s.counts, -1);
      s.counts = emptyCounts();
    }
  }
}
