export interface RequestLogEntry {
  seq: number;
  at: string;
  method: string;
  path: string;
  operationId: string | null;
  account: string | null;
  status: number;
  durationMs: number;
  fault?: string;
  problem?: string;
}

export interface SpecViolation {
  at: string;
  operationId: string;
  detail: string;
  pointer?: string;
  parameter?: string;
}

/** What the emulator saw: bounded recent entries plus exact counters per operation and status. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;
  total = 0;
  throttled = 0;
  readonly byOperation = new Map<string, { count: number; byStatus: Record<string, number> }>();
  specViolations: SpecViolation[] = [];
  specViolationCount = 0;

  constructor(private readonly capacity: number) {}

  add(entry: Omit<RequestLogEntry, 'seq'>): void {
    this.total++;
    if (entry.status === 429) this.throttled++;
    const key = entry.operationId ?? '(unknown)';
    const stats = this.byOperation.get(key) ?? { count: 0, byStatus: {} };
    stats.count++;
    stats.byStatus[String(entry.status)] = (stats.byStatus[String(entry.status)] ?? 0) + 1;
    this.byOperation.set(key, stats);
    this.entries.push({ seq: ++this.seq, ...entry });
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  addSpecViolation(v: SpecViolation): void {
    this.specViolationCount++;
    this.specViolations.push(v);
    if (this.specViolations.length > this.capacity) this.specViolations.shift();
  }

  snapshot(limit: number): Record<string, unknown> {
    return {
      total: this.total,
      throttled: this.throttled,
      byOperation: Object.fromEntries(this.byOperation),
      specViolationCount: this.specViolationCount,
      specViolations: this.specViolations.slice(-limit),
      recent: this.entries.slice(-limit),
    };
  }

  clear(): void {
    this.entries = [];
    this.total = 0;
    this.throttled = 0;
    this.byOperation.clear();
    this.specViolations = [];
    this.specViolationCount = 0;
  }
}
