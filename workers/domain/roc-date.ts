// ROC (民國) calendar dates and Taiwan's calendar day. 民國 year = Gregorian year − 1911.
// Asia/Taipei has been UTC+8 with no daylight saving since 1980, so the day is computed by
// arithmetic rather than through Intl time zones.

/** A Gregorian calendar date; month and day are 1-based. */
export type CalendarDate = { year: number; month: number; day: number };

export const ROC_YEAR_OFFSET = 1911;
export const TAIPEI_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

function isLeapYear(year: number): boolean {
	return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
	if (month === 2) return isLeapYear(year) ? 29 : 28;
	return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** True for a date that exists on the calendar, from 民國1年 (1912) on. */
export function isRealDate(d: CalendarDate): boolean {
	return (
		Number.isInteger(d.year) &&
		Number.isInteger(d.month) &&
		Number.isInteger(d.day) &&
		d.year > ROC_YEAR_OFFSET &&
		d.month >= 1 &&
		d.month <= 12 &&
		d.day >= 1 &&
		d.day <= daysInMonth(d.year, d.month)
	);
}

const ROC_DATE = /^(\d{3})(\d{2})(\d{2})$/;

/** Parses the 7-digit `yyyMMdd` the seed uses everywhere ("1050801" → 2016-08-01); null if not a real date. */
export function parseRocDate(s: string): CalendarDate | null {
	const m = ROC_DATE.exec(s);
	if (!m) return null;
	const date = { year: Number(m[1]) + ROC_YEAR_OFFSET, month: Number(m[2]), day: Number(m[3]) };
	return isRealDate(date) ? date : null;
}

function pad(n: number, width: number): string {
	return String(n).padStart(width, "0");
}

/** 2016-08-01 → "1050801". Throws for dates before 民國1年 or past 民國999年, which have no 7-digit form. */
export function formatRocDate(d: CalendarDate): string {
	const rocYear = d.year - ROC_YEAR_OFFSET;
	if (rocYear < 1 || rocYear > 999) throw new RangeError(`no 7-digit ROC date for year ${d.year}`);
	return pad(rocYear, 3) + pad(d.month, 2) + pad(d.day, 2);
}

/** The calendar date in Taiwan at the instant `nowMs`. */
export function taipeiToday(nowMs: number): CalendarDate {
	const t = new Date(nowMs + TAIPEI_OFFSET_MS);
	return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
	return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** Adds (or with a negative `n` subtracts) whole months, clamping to the month's end (1050331 + 1 → 1050430). */
export function addMonths(d: CalendarDate, n: number): CalendarDate {
	const index = d.year * 12 + (d.month - 1) + n;
	const year = Math.floor(index / 12);
	const month = index - year * 12 + 1;
	return { year, month, day: Math.min(d.day, daysInMonth(year, month)) };
}

/** 2016-08-01 as "2016-08-01". */
export function calendarDateToIso(d: CalendarDate): string {
	return `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "2016-08-01" → 2016-08-01; null if not a real date. */
export function isoToCalendarDate(s: string): CalendarDate | null {
	const m = ISO_DATE.exec(s);
	if (!m) return null;
	const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
	return isRealDate(date) ? date : null;
}

/** Epoch ms of 00:00:00.000 Taipei time on `d` (the inclusive start of a 上傳日期 filter). */
export function taipeiDayStartMs(d: CalendarDate): number {
	return Date.UTC(d.year, d.month - 1, d.day) - TAIPEI_OFFSET_MS;
}

/** Epoch ms of 23:59:59.999 Taipei time on `d` (the inclusive end of a 上傳日期 filter). */
export function taipeiDayEndMs(d: CalendarDate): number {
	return taipeiDayStartMs(d) + DAY_MS - 1;
}
