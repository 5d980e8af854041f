/**
 * Local calendar time in a pool's time zone, for working hours and daily caps. On the hot path: one
 * Intl.DateTimeFormat per zone (constructing one costs far more than formatting), and the last computed minute
 * per zone is memoised, since every decision in the same minute needs the same answer (UTC offsets change on
 * whole minutes).
 */

export interface LocalTime {
  /** YYYY-MM-DD */
  dayKey: string;
  /** 0 = Sunday ... 6 = Saturday */
  weekday: number;
  /** Minutes since local midnight. */
  minuteOfDay: number;
  /** HH:MM, for traces. */
  hhmm: string;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

interface ZoneCache {
  format: Intl.DateTimeFormat;
  minute: number;
  value: LocalTime | null;
}

const zones = new Map<string, ZoneCache>();
const validity = new Map<string, boolean>();

/** True when Intl knows the IANA zone name. */
export function isValidTimeZone(zone: string): boolean {
  let ok = validity.get(zone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      ok = true;
    } catch {
      ok = false;
    }
    if (validity.size < 10_000) validity.set(zone, ok);
  }
  return ok;
}

function zoneCache(zone: string): ZoneCache {
  let c = zones.get(zone);
  if (!c) {
    c = {
      format: new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        weekday: 'short',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      }),
      minute: NaN,
      value: null,
    };
    zones.set(zone, c);
  }
  return c;
}

function utcLocal(epochMs: number): LocalTime {
  const d = new Date(epochMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  const h = d.getUTCHours();
  const min = d.getUTCMinutes();
  return {
    dayKey: `${pad4(y)}-${pad2(m)}-${pad2(day)}`,
    weekday: d.getUTCDay(),
    minuteOfDay: h * 60 + min,
    hhmm: `${pad2(h)}:${pad2(min)}`,
  };
}

let utcMinute = NaN;
let utcValue: LocalTime | null = null;

/** The local time of `now` in `zone` (UTC when null). An invalid date yields the epoch's local time. */
export function localTime(zone: string | null, now: Date): LocalTime {
  let ms = now.getTime();
  if (!Number.isFinite(ms)) ms = 0;
  const minute = Math.floor(ms / 60_000);
  if (zone === null) {
    if (minute !== utcMinute || utcValue === null) {
      utcValue = utcLocal(minute * 60_000);
      utcMinute = minute;
    }
    return utcValue;
  }
  const c = zoneCache(zone);
  if (c.minute === minute && c.value !== null) return c.value;
  let y = '', mo = '', d = '', h = '', mi = '', wd = '';
  for (const p of c.format.formatToParts(minute * 60_000)) {
    switch (p.type) {
      case 'year': y = p.value; break;
      case 'month': mo = p.value; break;
      case 'day': d = p.value; break;
      case 'hour': h = p.value; break;
      case 'minute': mi = p.value; break;
      case 'weekday': wd = p.value; break;
    }
  }
  const value: LocalTime = {
    dayKey: `${y.padStart(4, '0')}-${mo}-${d}`,
    weekday: WEEKDAYS[wd] ?? 0,
    minuteOfDay: Number(h) * 60 + Number(mi),
    hhmm: `${h}:${mi}`,
  };
  c.minute = minute;
  c.value = value;
  return value;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

/** "09:30" -> 570; "24:00" -> 1440. */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}
