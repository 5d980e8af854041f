/**
 * First-touch deadlines counted in a pool's working hours (ruleset.md: `[start, end)` on the listed days, in the
 * pool's zone, UTC without one). Pure. Minute-granular: the clock walks through working windows and jumps over
 * the time outside them.
 */
import { localTime, minutesOf, type DayName, type WorkingHours } from '../../core';

const DAY_INDEX: Record<DayName, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

export function addWorkingMinutes(start: Date, minutes: number, hours?: WorkingHours, zone?: string | null): Date {
  if (!hours) return new Date(start.getTime() + minutes * 60_000);
  const days = new Set(hours.days.map((d) => DAY_INDEX[d]));
  const open = minutesOf(hours.start);
  const close = minutesOf(hours.end);
  let t = start.getTime();
  let remaining = minutes;
  // Bounded: at most a few steps per calendar day of the deadline's span.
  for (let guard = 0; remaining > 0 && guard < 100_000; guard++) {
    const lt = localTime(zone ?? null, new Date(t));
    const intoMinute = t % 60_000;
    if (days.has(lt.weekday) && lt.minuteOfDay >= open && lt.minuteOfDay < close) {
      const take = Math.min(remaining, close - lt.minuteOfDay);
      t += take * 60_000;
      remaining -= take;
    } else {
      const jump = days.has(lt.weekday) && lt.minuteOfDay < open ? open - lt.minuteOfDay : 1440 - lt.minuteOfDay;
      t += jump * 60_000 - intoMinute;
    }
  }
  return new Date(t);
}
