/**
 * Calendar days in an IANA time zone (the analytics config's `timeZone`). Instants stay instants;
 * only the day an instant falls on, and the instant a day starts, depend on the zone.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone, built on first use (building one per call would dominate the run). */
function wallClockFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** Whether `Intl` knows the zone (`America/Bogota`, `UTC`); unknown names make it throw a RangeError. */
export function isTimeZone(name: string): boolean {
  try {
    wallClockFormat(name);
    return true;
  } catch {
    return false;
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClockAt(epochMs: number, timeZone: string): WallClock {
  const parts = wallClockFormat(timeZone).formatToParts(new Date(epochMs));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((candidate) => candidate.type === type)?.value);
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute'), second: part('second') };
}

const twoDigits = (value: number) => String(value).padStart(2, '0');

/** The calendar day (`YYYY-MM-DD`) an instant falls on in a time zone. */
export function dayInTimeZone(epochMs: number, timeZone: string): string {
  const { year, month, day } = wallClockAt(epochMs, timeZone);
  return `${String(year).padStart(4, '0')}-${twoDigits(month)}-${twoDigits(day)}`;
}

/** How far the zone's wall clock is ahead of UTC at an instant (whole seconds). */
function offsetAt(epochMs: number, timeZone: string): number {
  const clock = wallClockAt(epochMs, timeZone);
  const wallAsUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
  return wallAsUtc - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

/**
 * The first instant of a calendar day (`YYYY-MM-DD`) in a time zone: `2026-11-22` in
 * America/Bogota starts at 2026-11-22T05:00:00Z. Where a daylight-saving change skips midnight,
 * the day starts when the clocks jump.
 */
export function startOfDayInTimeZone(day: string, timeZone: string): Date {
  const midnightAsUtc = Date.parse(`${day}T00:00:00Z`);
  const first = midnightAsUtc - offsetAt(midnightAsUtc, timeZone);
  // The offset at the guess can be the one before a change; trying the offset at the guess settles it.
  const candidates = [first, midnightAsUtc - offsetAt(first, timeZone)];
  const inDay = candidates.filter((candidate) => dayInTimeZone(candidate, timeZone) === day);
  return new Date(Math.min(...(inDay.length > 0 ? inDay : candidates)));
}
