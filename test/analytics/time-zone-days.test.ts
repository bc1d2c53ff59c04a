import { describe, expect, it } from 'vitest';
import { dayInTimeZone, isTimeZone, startOfDayInTimeZone } from '#shared/analytics/time-zone-days.ts';

describe('calendar days in a time zone', () => {
  it.each([
    ['2026-11-22T03:00:00Z', 'America/Bogota', '2026-11-21'],
    ['2026-11-22T05:00:00Z', 'America/Bogota', '2026-11-22'],
    ['2026-11-22T03:00:00Z', 'UTC', '2026-11-22'],
    ['2026-11-21T23:30:00Z', 'Asia/Tokyo', '2026-11-22'],
  ])('%s is %s day %s', (instant, timeZone, day) => {
    expect(dayInTimeZone(Date.parse(instant), timeZone)).toBe(day);
  });

  it.each([
    ['2026-11-22', 'America/Bogota', '2026-11-22T05:00:00.000Z'],
    ['2026-11-22', 'UTC', '2026-11-22T00:00:00.000Z'],
    ['2024-03-31', 'Europe/Madrid', '2024-03-30T23:00:00.000Z'],
    ['2024-10-27', 'Europe/Madrid', '2024-10-26T22:00:00.000Z'],
    // Chile moved its clocks from 00:00 to 01:00 that day: the day starts at the jump.
    ['2024-09-08', 'America/Santiago', '2024-09-08T04:00:00.000Z'],
  ])('%s in %s starts at %s', (day, timeZone, instant) => {
    expect(startOfDayInTimeZone(day, timeZone).toISOString()).toBe(instant);
  });

  it('the start of a day is the first instant dated that day', () => {
    for (const timeZone of ['America/Bogota', 'Europe/Madrid', 'Asia/Kolkata', 'America/Santiago']) {
      for (const day of ['2024-01-15', '2024-03-31', '2024-09-08', '2024-10-27']) {
        const start = startOfDayInTimeZone(day, timeZone).getTime();
        expect(dayInTimeZone(start, timeZone), `${timeZone} ${day}`).toBe(day);
        expect(dayInTimeZone(start - 1, timeZone), `${timeZone} ${day}`).not.toBe(day);
      }
    }
  });

  it('knows the zones Intl knows', () => {
    expect(isTimeZone('America/Bogota')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
