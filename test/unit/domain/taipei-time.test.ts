import { describe, expect, it } from "vitest";
import { formatLogTime, formatMailDate, formatRecordTime, formatRocStamp14 } from "../../../workers/domain/taipei-time.ts";

/** Epoch ms of a wall-clock time in Taipei (UTC+8). */
function taipei(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
	return Date.UTC(y, mo - 1, d, h - 8, mi, s);
}

describe("log and record timestamps", () => {
	it("writes the seed's log time 2016/7/13 上午 11:56:45", () => {
		expect(formatLogTime(taipei(2016, 7, 13, 11, 56, 45))).toBe("2016/7/13 上午 11:56:45");
	});

	it("shows the records table's 上傳時間 2016/7/13 上午 10:45:31", () => {
		expect(formatRecordTime(taipei(2016, 7, 13, 10, 45, 31))).toBe("2016/7/13 上午 10:45:31");
	});

	it("calls midnight 上午 12 and noon 下午 12", () => {
		expect(formatLogTime(taipei(2016, 7, 13, 0, 0, 0))).toBe("2016/7/13 上午 12:00:00");
		expect(formatLogTime(taipei(2016, 7, 13, 0, 59, 59))).toBe("2016/7/13 上午 12:59:59");
		expect(formatLogTime(taipei(2016, 7, 13, 11, 59, 59))).toBe("2016/7/13 上午 11:59:59");
		expect(formatLogTime(taipei(2016, 7, 13, 12, 0, 0))).toBe("2016/7/13 下午 12:00:00");
		expect(formatLogTime(taipei(2016, 7, 13, 12, 30, 5))).toBe("2016/7/13 下午 12:30:05");
		expect(formatLogTime(taipei(2016, 7, 13, 13, 0, 0))).toBe("2016/7/13 下午 1:00:00");
		expect(formatLogTime(taipei(2016, 7, 13, 23, 59, 59))).toBe("2016/7/13 下午 11:59:59");
	});

	it("does not pad month, day or hour but pads minutes and seconds", () => {
		expect(formatLogTime(taipei(2016, 1, 5, 9, 3, 7))).toBe("2016/1/5 上午 9:03:07");
		expect(formatLogTime(taipei(2016, 12, 31, 15, 3, 0))).toBe("2016/12/31 下午 3:03:00");
	});

	it("uses Taiwan time, not UTC", () => {
		expect(formatLogTime(Date.UTC(2016, 6, 12, 16, 0, 0))).toBe("2016/7/13 上午 12:00:00");
		expect(formatLogTime(Date.UTC(2016, 11, 31, 23, 30, 0))).toBe("2017/1/1 上午 7:30:00");
	});

	it("ignores milliseconds", () => {
		expect(formatLogTime(taipei(2016, 7, 13, 11, 56, 45) + 999)).toBe("2016/7/13 上午 11:56:45");
	});
});

describe("ROC stamps", () => {
	it("names the seed's log 1050713104533 on a 24-hour clock", () => {
		expect(formatRocStamp14(taipei(2016, 7, 13, 10, 45, 33))).toBe("1050713104533");
		expect(formatRocStamp14(taipei(2016, 7, 13, 15, 3, 9))).toBe("1050713150309");
		expect(formatRocStamp14(taipei(2016, 7, 13, 0, 0, 0))).toBe("1050713000000");
	});

	it("pads ROC years before 100 to three digits", () => {
		expect(formatRocStamp14(taipei(2010, 1, 2, 3, 4, 5))).toBe("0990102030405");
	});

	it("dates the clerk's mail 民國105年07月13日", () => {
		expect(formatMailDate(taipei(2016, 7, 13, 15, 3, 0))).toBe("民國105年07月13日");
		expect(formatMailDate(taipei(2016, 7, 13, 23, 59, 59))).toBe("民國105年07月13日");
		expect(formatMailDate(taipei(2016, 7, 14, 0, 0, 0))).toBe("民國105年07月14日");
	});
});
