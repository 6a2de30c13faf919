import { describe, expect, it } from "vitest";
import { parseBatchFileName } from "../../../workers/domain/file-name.ts";

const UNIT = "110001000";
/** 2016-08-15 10:00 in Taipei. */
const NOW = Date.UTC(2016, 7, 15, 2, 0, 0);

describe("batch file name (投保單位代號+年月日.CSV)", () => {
	it("accepts the seed's example 1100010001050801.csv", () => {
		expect(parseBatchFileName("1100010001050801.csv", UNIT, NOW)).toEqual({
			ok: true,
			stem: "1100010001050801",
			date: { year: 2016, month: 8, day: 1 },
		});
	});

	it("accepts the extension in any case, as Excel writes .CSV", () => {
		expect(parseBatchFileName("1100010001050801.CSV", UNIT, NOW).ok).toBe(true);
		expect(parseBatchFileName("1100010001050801.Csv", UNIT, NOW).ok).toBe(true);
	});

	it("ignores the path a browser may send", () => {
		const r = parseBatchFileName("C:\\fakepath\\1100010001050801.csv", UNIT, NOW);
		expect(r).toMatchObject({ ok: true, stem: "1100010001050801" });
		expect(parseBatchFileName("/home/clerk/1100010001050801.csv", UNIT, NOW).ok).toBe(true);
	});

	it("reads a full-width name typed through an IME like its ASCII twin", () => {
		expect(parseBatchFileName("１１０００１０００１０５０８０１．ＣＳＶ", UNIT, NOW).ok).toBe(true);
	});

	it("refuses anything but .csv", () => {
		for (const name of ["1100010001050801.xlsx", "1100010001050801.xls", "1100010001050801.txt", "1100010001050801", "1100010001050801.csv.exe"]) {
			expect(parseBatchFileName(name, UNIT, NOW), name).toEqual({ ok: false, code: "FILE_EXTENSION" });
		}
	});

	it("refuses a name that is not 9 + 7 digits", () => {
		for (const name of ["110001000105080.csv", "11000100010508011.csv", "110001000-1050801.csv", "1100010001050801 (1).csv", "a100010001050801.csv", ".csv"]) {
			expect(parseBatchFileName(name, UNIT, NOW), name).toEqual({ ok: false, code: "FILE_NAME_FORMAT" });
		}
	});

	it("refuses a file named for another unit", () => {
		expect(parseBatchFileName("1200000001050801.csv", UNIT, NOW)).toEqual({ ok: false, code: "FILE_UNIT_MISMATCH" });
	});

	it("refuses a date that does not exist", () => {
		expect(parseBatchFileName("1100010001050231.csv", UNIT, NOW)).toEqual({ ok: false, code: "FILE_DATE_INVALID" });
		expect(parseBatchFileName("1100010001051301.csv", UNIT, NOW)).toEqual({ ok: false, code: "FILE_DATE_INVALID" });
		expect(parseBatchFileName("1100010000000101.csv", UNIT, NOW)).toEqual({ ok: false, code: "FILE_DATE_INVALID" });
	});

	it("accepts today in Taiwan and refuses tomorrow", () => {
		expect(parseBatchFileName("1100010001050815.csv", UNIT, NOW).ok).toBe(true);
		expect(parseBatchFileName("1100010001050816.csv", UNIT, NOW)).toEqual({ ok: false, code: "FILE_DATE_FUTURE" });
	});

	it("already counts the Taiwan date when it is still yesterday in UTC", () => {
		// 2016-08-15 23:30 UTC is 2016-08-16 07:30 in Taipei.
		expect(parseBatchFileName("1100010001050816.csv", UNIT, Date.UTC(2016, 7, 15, 23, 30)).ok).toBe(true);
	});
});
