import { describe, expect, it } from 'vitest';
import { isCalendarDate } from './calendar-date.ts';

describe('isCalendarDate', () => {
  it.each(['2024-02-29', '2024-02-29T23:59:59Z', '2023-12-31T00:00:00.000+02:00'])('%s exists', (v) => {
    expect(isCalendarDate(v)).toBe(true);
  });
  it.each(['2024-02-30', '2023-02-29', '2024-13-01', '2024-04-31T00:00:00Z', '2024-1-01', 'yesterday', ''])(
    '%s is refused',
    (v) => {
      expect(isCalendarDate(v)).toBe(false);
    },
  );
});
