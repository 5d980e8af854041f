/** First-touch deadlines in working hours (pure), checked against hand-computed instants. */
import { addWorkingMinutes } from '../../service/src/features/sla/deadline';
import type { WorkingHours } from '../../service/src/core';

const weekdays: WorkingHours = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' };

describe('addWorkingMinutes', () => {
  test('without working hours: plain minutes', () => {
    expect(addWorkingMinutes(new Date('2026-03-06T17:30:00Z'), 90).toISOString()).toBe('2026-03-06T19:00:00.000Z');
  });
  test('inside the window: plain minutes', () => {
    // Tuesday 10:15 UTC + 30 -> 10:45
    expect(addWorkingMinutes(new Date('2026-03-03T10:15:00Z'), 30, weekdays).toISOString()).toBe('2026-03-03T10:45:00.000Z');
  });
  test('Friday 17:30 Paris + 60 working minutes = Monday 09:30 Paris', () => {
    // 2026-03-06 is a Friday; Paris is UTC+1 in March before the DST change (29 March).
    const start = new Date('2026-03-06T16:30:00Z'); // 17:30 Paris
    expect(addWorkingMinutes(start, 60, weekdays, 'Europe/Paris').toISOString()).toBe('2026-03-09T08:30:00.000Z');
  });
  test('before opening: the clock starts at opening; after closing: next working day', () => {
    expect(addWorkingMinutes(new Date('2026-03-03T06:00:00Z'), 15, weekdays).toISOString()).toBe('2026-03-03T09:15:00.000Z');
    expect(addWorkingMinutes(new Date('2026-03-03T20:00:00Z'), 15, weekdays).toISOString()).toBe('2026-03-04T09:15:00.000Z');
    // Saturday -> Monday
    expect(addWorkingMinutes(new Date('2026-03-07T12:00:00Z'), 600, weekdays).toISOString()).toBe('2026-03-10T10:00:00.000Z');
  });
});
