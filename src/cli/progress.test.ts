import { describe, expect, it } from 'vitest';
import type { RunReport } from '../sync/run-report.ts';
import { progressLine, summaryTable } from './progress.ts';

const report = (over: Partial<RunReport> = {}): RunReport => ({
  jobId: 'j',
  type: 'customers',
  status: 'running',
  options: {},
  owner: 'o',
  startedAt: '',
  updatedAt: '',
  counts: { read: 500, succeeded: 480, failed: 5, skipped: 15 },
  recordsPerSecond: 250,
  total: 1000,
  etaSeconds: 125,
  elapsedSeconds: 2,
  lastErrors: [],
  ...over,
});

describe('progress output', () => {
  it('shows records, percentage, rate, ETA and failures', () => {
    expect(progressLine('customers', report())).toBe(
      'customers   running     500/1000 50%  250/s  eta 2m05s  failed 5  skipped 15',
    );
    expect(progressLine('orders', undefined)).toBe('orders      waiting');
  });

  it('says how many Klaviyo jobs are in flight, and the records they carry', () => {
    expect(progressLine('customers', report({ jobsInFlight: 3, recordsUnconfirmed: 30_000 }))).toContain(
      'skipped 15  3 job(s) in flight (30000 records)',
    );
  });

  it('prints an aligned summary table', () => {
    const table = summaryTable([
      ['customers', report({ status: 'completed' })],
      ['orders', report({ status: 'failed', counts: { read: 12345, succeeded: 12000, failed: 345, skipped: 0 } })],
    ]);
    expect(table.split('\n')).toEqual([
      'type       status      read  imported  failed  skipped  seconds',
      '---------  ---------  -----  --------  ------  -------  -------',
      'customers  completed    500       480       5       15        2',
      'orders     failed     12345     12000     345        0        2',
    ]);
  });
});
