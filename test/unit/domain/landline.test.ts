import { describe, expect, it } from "vitest";
import { parseLandline } from "../../../workers/domain/landline.ts";

const ok = (value: string) => ({ ok: true, value });
const refused = { ok: false };

describe("parseLandline", () => {
	it("accepts the seed's examples with their extensions", () => {
		expect(parseLandline("03-1234567#123")).toEqual(ok("03-1234567#123"));
		expect(parseLandline("02-12345678#1234")).toEqual(ok("02-12345678#1234"));
	});

	it.each([
		["02-23456789", "02 (臺北) with 8 digits"],
		["03-4567890", "03 (桃園、新竹、花蓮、宜蘭) with 7 digits"],
		["037-123456", "037 (苗栗) with 6 digits"],
		["04-2345678", "04 (臺中、彰化) with 7 digits"],
		["04-23456789", "04 (臺中、彰化) with 8 digits"],
		["049-2345678", "049 (南投) with 7 digits"],
		["05-2345678", "05 (嘉義、雲林) with 7 digits"],
		["06-2345678", "06 (臺南、澎湖) with 7 digits"],
		["07-2345678", "07 (高雄) with 7 digits"],
		["08-7345678", "08 (屏東) with 7 digits"],
		["082-312345", "082 (金門) with 6 digits"],
		["0826-12345", "0826 (烏坵) with 5 digits"],
		["0836-12345", "0836 (馬祖) with 5 digits"],
		["089-312345", "089 (臺東) with 6 digits"],
	])("accepts %s: %s", (number) => {
		expect(parseLandline(number)).toEqual(ok(number));
	});

	it.each([
		["02-1234567", "02 with 7 digits"],
		["02-123456789", "02 with 9 digits"],
		["03-123456", "03 with 6 digits"],
		["03-12345678", "03 with 8 digits"],
		["037-12345", "037 with 5 digits"],
		["037-1234567", "037 with 7 digits"],
		["04-123456", "04 with 6 digits"],
		["04-123456789", "04 with 9 digits"],
		["049-123456", "049 with 6 digits"],
		["049-12345678", "049 with 8 digits"],
		["05-12345678", "05 with 8 digits"],
		["06-123456", "06 with 6 digits"],
		["07-12345678", "07 with 8 digits"],
		["08-123456", "08 with 6 digits"],
		["082-12345", "082 with 5 digits"],
		["082-1234567", "082 with 7 digits"],
		["0826-1234", "0826 with 4 digits"],
		["0826-123456", "0826 with 6 digits"],
		["0836-1234", "0836 with 4 digits"],
		["0836-123456", "0836 with 6 digits"],
		["089-12345", "089 with 5 digits"],
		["089-1234567", "089 with 7 digits"],
	])("refuses %s: %s", (number) => {
		expect(parseLandline(number)).toEqual(refused);
	});

	it("refuses area codes Taiwan does not have", () => {
		expect(parseLandline("01-2345678")).toEqual(refused);
		expect(parseLandline("09-12345678")).toEqual(refused);
		expect(parseLandline("083-123456")).toEqual(refused);
		expect(parseLandline("0912-345678")).toEqual(refused);
		expect(parseLandline("00-12345678")).toEqual(refused);
		expect(parseLandline("2-12345678")).toEqual(refused);
	});

	it("assigns the dialled digits to the longest area code they start with", () => {
		expect(parseLandline("08-9312345")).toEqual(ok("089-312345"));
		expect(parseLandline("08-2312345")).toEqual(ok("082-312345"));
		expect(parseLandline("082-612345")).toEqual(ok("0826-12345"));
		expect(parseLandline("08-2612345")).toEqual(ok("0826-12345"));
		expect(parseLandline("08-3612345")).toEqual(ok("0836-12345"));
		expect(parseLandline("03-7123456")).toEqual(ok("037-123456"));
		expect(parseLandline("04-92345678")).toEqual(ok("049-2345678"));
	});

	it("refuses digits that fit a shorter area code but not the longest one they start with", () => {
		// 0491234567 would be 04 + 8 digits, but 049 comes first and takes 7.
		expect(parseLandline("04-9123456")).toEqual(refused);
		expect(parseLandline("03-71234567")).toEqual(refused);
		expect(parseLandline("08-91234567")).toEqual(refused);
	});

	it("requires the '-' after the area code, as the seed's column header says", () => {
		expect(parseLandline("0212345678")).toEqual(refused);
		expect(parseLandline("031234567#123")).toEqual(refused);
		expect(parseLandline("02 12345678")).toEqual(refused);
	});

	it("accepts the area code in parentheses, as Excel users often write it", () => {
		expect(parseLandline("(02)12345678")).toEqual(ok("02-12345678"));
		expect(parseLandline("(02) 2345-6789")).toEqual(ok("02-23456789"));
		expect(parseLandline("(037)123456#5")).toEqual(ok("037-123456#5"));
		expect(parseLandline("(02)-12345678")).toEqual(ok("02-12345678"));
		expect(parseLandline("(2)12345678")).toEqual(refused);
		expect(parseLandline("(02)1234567")).toEqual(refused);
	});

	it("accepts digit groups within the number and spaces around the '-'", () => {
		expect(parseLandline("02-2345-6789")).toEqual(ok("02-23456789"));
		expect(parseLandline("02 - 2345 6789")).toEqual(ok("02-23456789"));
		expect(parseLandline("049-234-5678#12")).toEqual(ok("049-2345678#12"));
		expect(parseLandline("02--23456789")).toEqual(refused);
		expect(parseLandline("02-2345--6789")).toEqual(refused);
		expect(parseLandline("02-23456789-")).toEqual(refused);
	});

	it("accepts extensions of 1 to 6 digits and refuses longer or empty ones", () => {
		expect(parseLandline("02-12345678#1")).toEqual(ok("02-12345678#1"));
		expect(parseLandline("02-12345678#123456")).toEqual(ok("02-12345678#123456"));
		expect(parseLandline("02-12345678#1234567")).toEqual(refused);
		expect(parseLandline("02-12345678#")).toEqual(refused);
		expect(parseLandline("02-12345678#12a")).toEqual(refused);
		expect(parseLandline("02-12345678#12#34")).toEqual(refused);
		expect(parseLandline("#123")).toEqual(refused);
	});

	it("writes an extension marked 轉 or 分機 with the seed's '#'", () => {
		expect(parseLandline("02-12345678轉123")).toEqual(ok("02-12345678#123"));
		expect(parseLandline("02-12345678 分機 123")).toEqual(ok("02-12345678#123"));
		expect(parseLandline("02-12345678 # 123")).toEqual(ok("02-12345678#123"));
	});

	it("reads full-width digits, dashes and the full-width '#'", () => {
		expect(parseLandline("０３－１２３４５６７＃１２３")).toEqual(ok("03-1234567#123"));
		expect(parseLandline("（０２）１２３４５６７８")).toEqual(ok("02-12345678"));
	});

	it("refuses mobile numbers, letters and other punctuation", () => {
		expect(parseLandline("0912345678")).toEqual(refused);
		expect(parseLandline("02-1234567A")).toEqual(refused);
		expect(parseLandline("02.12345678")).toEqual(refused);
		expect(parseLandline("02/12345678")).toEqual(refused);
		expect(parseLandline("+886-2-12345678")).toEqual(refused);
		expect(parseLandline("無")).toEqual(refused);
	});
});
