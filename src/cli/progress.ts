import type { RunReport } from '../sync/run-report.ts';

function eta(seconds: number | undefined): string {
  if (seconds === undefined) return '—';
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** One progress line per type: records, rate, ETA, failures. */
export function progressLine(type: string, r: RunReport | undefined): string {
  if (!r) return `${type.padEnd(11)} waiting`;
  const c = r.counts;
  const processed = c.succeeded + c.failed + c.skipped;
  const total = r.total !== undefined ? `/${r.total}` : '';
  const pct = r.total ? ` ${Math.min(100, Math.floor((processed / r.total) * 100))}%` : '';
  const jobs = r.jobsInFlight ? `  ${r.jobsInFlight} job(s) in flight (${r.recordsUnconfirmed ?? 0} records)` : '';
  return `${type.padEnd(11)} ${r.status.padEnd(11)} ${processed}${total}${pct}  ${r.recordsPerSecond}/s  eta ${eta(r.etaSeconds)}  failed ${c.failed}  skipped ${c.skipped}${jobs}`;
}

/** The summary table printed at the end of `ct-klaviyo sync`. */
export function summaryTable(rows: Array<[string, RunReport]>): string {
  const header = ['type', 'status', 'read', 'imported', 'failed', 'skipped', 'seconds'];
  const body = rows.map(([type, r]) => [
    type,
    r.status,
    String(r.counts.read),
    String(r.counts.succeeded),
    String(r.counts.failed),
    String(r.counts.skipped),
    String(r.elapsedSeconds),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Redraws N lines in place on a TTY; prints plain lines every `everyMs` otherwise. */
export class ProgressDisplay {
  private drawn = 0;
  private lastPlain = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly everyMs = 5000,
  ) {}

  get isTty(): boolean {
    return Boolean(this.out.isTTY);
  }

  render(lines: string[], isFinal = false): void {
    if (this.isTty) {
      if (this.drawn) this.out.write(`\x1b[${this.drawn}A`);
      for (const l of lines) this.out.write(`\x1b[2K${l}\n`);
      this.drawn = lines.length;
      return;
    }
    if (!isFinal && Date.now() - this.lastPlain < this.everyMs) return;
    this.lastPlain = Date.now();
    for (const l of lines) this.out.write(`${l}\n`);
  }
}
