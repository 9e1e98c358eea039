import { describe, expect, it } from 'vitest';
import { type Row, unattributedRows } from './profiles.ts';

const rows: Row[] = [
  { id: 'a', externalId: 'a', email: 'shared@example.com' },
  { id: 'b', externalId: 'b', email: 'shared@example.com' },
  { id: 'c', externalId: 'c', email: 'c@example.com' },
  { id: 'd', externalId: 'd', email: 'd@example.com' },
];
const imported = (...keys: string[]) => new Set(keys);

describe('unattributedRows: which rows an error without a profile belongs to', () => {
  it('the rows whose external id the job did not import, when they are as many as the errors', () => {
    expect(unattributedRows(rows, new Map(), 1, imported('external_id:a', 'external_id:b', 'external_id:c'))).toEqual([
      3,
    ]);
  });

  it('a row merged into an imported profile by email is not failed, when that settles the count', () => {
    // b shares a's email: Klaviyo updated one profile, whose external id is a's.
    const got = unattributedRows(
      rows,
      new Map(),
      1,
      imported('external_id:a', 'email:shared@example.com', 'external_id:c'),
    );
    expect(got).toEqual([3]);
  });

  it('when the counts still disagree, every row not imported under its own external id fails: no success on a guess', () => {
    const got = unattributedRows(
      rows,
      new Map(),
      2,
      imported('external_id:a', 'email:shared@example.com', 'external_id:c', 'email:d@example.com'),
    );
    expect(got).toEqual([1, 3]);
  });

  it('rows already attributed are left out', () => {
    const attributed = new Map([[3, { code: 'invalid', detail: 'x', pointer: '' }]]);
    expect(unattributedRows(rows, attributed, 1, imported('external_id:a', 'external_id:b', 'external_id:d'))).toEqual([
      2,
    ]);
  });
});
