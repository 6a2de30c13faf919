import { describe, expect, it } from "vitest";
import {
	addMonths,
	calendarDateToIso,
	compareDates,
	daysInMonth,
	formatRocDate,
	isoToCalendarDate,
	parseRocDate,
	taipeiDayEndMs,
	taipeiDayStartMs,
	taipeiToday,
} from "../../../workers/domain/roc-date.ts";

describe("ROC dates (民國年月日)", () => {
	it("reads the file-name example 1050801 as 1 August 2016", () => {
		expect(parseRocDate("1050801")).toEqual({ year: 2016, month: 8, day: 1 });
	});

	it("reads the records filter's 1050613 ~ 1050713", () => {
		expect(parseRocDate("1050613")).toEqual({ year: 2016, month: 6, day: 13 });
		expect(parseRocDate("1050713")).toEqual({ year: 2016, month: 7, day: 13 });
	});

	it("reads early ROC years written with leading zeros", () => {
		expect(parseRocDate("0010101")).toEqual({ year: 1912, month: 1, day: 1 });
		expect(parseRocDate("0991231")).toEqual({ year: 2010, month: 12, day: 31 });
	});

	it("refuses dates that do not exist", () => {
		for (const s of ["1050231", "1040229", "1051301", "1050001", "1050100", "1050431", "0000101"]) {
			expect(parseRocDate(s), s).toBeNull();
		}
	});

	it("accepts 29 February only in leap years", () => {
		expect(parseRocDate("1050229")).toEqual({ year: 2016, month: 2, day: 29 });
		expect(parseRocDate("0890229")).toEqual({ year: 2000, month: 2, day: 29 });
		expect(daysInMonth(1900, 2)).toBe(28);
	});

	it("accepts only exactly seven ASCII digits", () => {
		for (const s of ["", "105081", "10508011", "105/08/01", " 1050801", "1050801 ", "１０５０８０１", "105-8-1"]) {
			expect(parseRocDate(s), s).toBeNull();
		}
	});

	it("writes dates back as seven digits", () => {
		expect(formatRocDate({ year: 2016, month: 8, day: 1 })).toBe("1050801");
		expect(formatRocDate({ year: 2010, month: 1, day: 5 })).toBe("0990105");
		expect(() => formatRocDate({ year: 1911, month: 12, day: 31 })).toThrow(RangeError);
	});

	it("round-trips every day of a leap year", () => {
		for (let t = Date.UTC(2016, 0, 1); t < Date.UTC(2017, 0, 1); t += 86_400_000) {
			const d = new Date(t);
			const date = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
			expect(parseRocDate(formatRocDate(date))).toEqual(date);
		}
	});
});

describe("Taiwan's calendar day", () => {
	it("is already the next day from 16:00 UTC", () => {
		expect(taipeiToday(Date.UTC(2016, 6, 12, 15, 59, 59, 999))).toEqual({ year: 2016, month: 7, day: 12 });
		expect(taipeiToday(Date.UTC(2016, 6, 12, 16, 0, 0, 0))).toEqual({ year: 2016, month: 7, day: 13 });
	});

	it("turns the year at 16:00 UTC on 31 December", () => {
		expect(taipeiToday(Date.UTC(2016, 11, 31, 16))).toEqual({ year: 2017, month: 1, day: 1 });
	});

	it("filters a day from 00:00:00.000 to 23:59:59.999 Taipei time", () => {
		const day = { year: 2016, month: 7, day: 13 };
		expect(taipeiDayStartMs(day)).toBe(Date.UTC(2016, 6, 12, 16));
		expect(taipeiDayEndMs(day)).toBe(Date.UTC(2016, 6, 13, 16) - 1);
		expect(taipeiToday(taipeiDayStartMs(day))).toEqual(day);
		expect(taipeiToday(taipeiDayEndMs(day))).toEqual(day);
		expect(taipeiToday(taipeiDayEndMs(day) + 1)).toEqual({ year: 2016, month: 7, day: 14 });
	});
});

describe("date arithmetic for the records filter", () => {
	it("orders dates", () => {
		const a = { year: 2016, month: 6, day: 13 };
		const b = { year: 2016, month: 7, day: 13 };
		expect(compareDates(a, b)).toBeLessThan(0);
		expect(compareDates(b, a)).toBeGreaterThan(0);
		expect(compareDates(a, { ...a })).toBe(0);
		expect(compareDates({ year: 2015, month: 12, day: 31 }, { year: 2016, month: 1, day: 1 })).toBeLessThan(0);
	});

	it("defaults to the last month: 1050713 back one month is 1050613", () => {
		expect(formatRocDate(addMonths({ year: 2016, month: 7, day: 13 }, -1))).toBe("1050613");
	});

	it("clamps to the end of a shorter month", () => {
		expect(addMonths({ year: 2016, month: 3, day: 31 }, -1)).toEqual({ year: 2016, month: 2, day: 29 });
		expect(addMonths({ year: 2015, month: 3, day: 31 }, -1)).toEqual({ year: 2015, month: 2, day: 28 });
		expect(addMonths({ year: 2016, month: 5, day: 31 }, -3)).toEqual({ year: 2016, month: 2, day: 29 });
		expect(addMonths({ year: 2016, month: 1, day: 31 }, 1)).toEqual({ year: 2016, month: 2, day: 29 });
	});

	it("crosses year boundaries both ways", () => {
		expect(addMonths({ year: 2016, month: 2, day: 15 }, -3)).toEqual({ year: 2015, month: 11, day: 15 });
		expect(addMonths({ year: 2016, month: 11, day: 15 }, 3)).toEqual({ year: 2017, month: 2, day: 15 });
		expect(addMonths({ year: 2016, month: 1, day: 1 }, -24)).toEqual({ year: 2014, month: 1, day: 1 });
		expect(addMonths({ year: 2016, month: 1, day: 1 }, 0)).toEqual({ year: 2016, month: 1, day: 1 });
	});

	it("converts to and from ISO dates", () => {
		expect(calendarDateToIso({ year: 2016, month: 8, day: 1 })).toBe("2016-08-01");
		expect(isoToCalendarDate("2016-08-01")).toEqual({ year: 2016, month: 8, day: 1 });
		expect(isoToCalendarDate("2016-02-30")).toBeNull();
		expect(isoToCalendarDate("2016-8-1")).toBeNull();
		expect(isoToCalendarDate("2016-08-01T00:00:00Z")).toBeNull();
	});
});
