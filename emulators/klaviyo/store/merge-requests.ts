/** One `merge_profiles`, as the emulator remembers it. */
export interface MergeRequest {
  /** The id of the job that carries the merge out (`/__emulator/jobs`). */
  id: string;
  destinationId: string;
  sourceId: string;
  requestedAt: string;
  /** When the job ran; null until then. */
  completedAt: string | null;
  /**
   * `merged`, or `skipped` when the destination or the source no longer existed when the job ran (deleted or
   * merged away after the request was accepted); null until the job runs.
   */
  outcome: 'merged' | 'skipped' | null;
  /** What the merge moved: events, list memberships. */
  moved: { events: number; lists: number };
}

/** The merge requests of one account, in the order they were made. */
export class MergeRequests {
  readonly requests: MergeRequest[] = [];

  add(id: string, destinationId: string, sourceId: string, requestedAt: string): MergeRequest {
    const request: MergeRequest = {
      id,
      destinationId,
      sourceId,
      requestedAt,
      completedAt: null,
      outcome: null,
      moved: { events: 0, lists: 0 },
    };
    this.requests.push(request);
    return request;
  }

  clear(): void {
    this.requests.length = 0;
  }
}
