import { describe, expect, it } from "vitest";
import { parseMobile } from "../../../workers/domain/mobile.ts";

describe("parseMobile", () => {
	it("accepts the seed's example 0912345678 as it is", () => {
		expect(parseMobile("0912345678")).toEqual({ ok: true, value: "0912345678", repaired: false });
	});

	it("drops the dashes and spaces people type between digit groups", () => {
		expect(parseMobile("0912-345-678")).toEqual({ ok: true, value: "0912345678", repaired: false });
		expect(parseMobile("0912-345678")).toEqual({ ok: true, value: "0912345678", repaired: false });
		expect(parseMobile("0912 345 678")).toEqual({ ok: true, value: "0912345678", repaired: false });
		expect(parseMobile(" 0912 - 345 - 678 ")).toEqual({ ok: true, value: "0912345678", repaired: false });
	});

	it("reads full-width digits and dashes typed with a Chinese IME", () => {
		expect(parseMobile("０９１２－３４５－６７８")).toEqual({ ok: true, value: "0912345678", repaired: false });
		expect(parseMobile("\u30000912345678\u3000")).toEqual({ ok: true, value: "0912345678", repaired: false });
	});

	it("puts back the leading zero Excel dropped and says it did", () => {
		expect(parseMobile("912345678")).toEqual({ ok: true, value: "0912345678", repaired: true });
		expect(parseMobile("987654321")).toEqual({ ok: true, value: "0987654321", repaired: true });
		expect(parseMobile(" 912345678 ")).toEqual({ ok: true, value: "0912345678", repaired: true });
	});

	it("turns the international form into the national one", () => {
		expect(parseMobile("+886912345678")).toEqual({ ok: true, value: "0912345678", repaired: false });
		expect(parseMobile("886912345678")).toEqual({ ok: true, value: "0912345678", repaired: false });
		expect(parseMobile("+886 912 345 678")).toEqual({ ok: true, value: "0912345678", repaired: false });
		expect(parseMobile("+886-912-345-678")).toEqual({ ok: true, value: "0912345678", repaired: false });
		expect(parseMobile("+8860912345678")).toEqual({ ok: true, value: "0912345678", repaired: false });
	});

	it("refuses an empty cell", () => {
		expect(parseMobile("")).toEqual({ ok: false });
		expect(parseMobile("   ")).toEqual({ ok: false });
	});

	it("refuses numbers of the wrong length", () => {
		expect(parseMobile("091234567")).toEqual({ ok: false });
		expect(parseMobile("09123456789")).toEqual({ ok: false });
		expect(parseMobile("91234567")).toEqual({ ok: false });
		expect(parseMobile("9123456789")).toEqual({ ok: false });
		expect(parseMobile("+88691234567")).toEqual({ ok: false });
	});

	it("refuses landlines and numbers that are not mobile numbers", () => {
		expect(parseMobile("0212345678")).toEqual({ ok: false });
		expect(parseMobile("02-12345678")).toEqual({ ok: false });
		expect(parseMobile("812345678")).toEqual({ ok: false });
		expect(parseMobile("+85291234567")).toEqual({ ok: false });
		expect(parseMobile("+886212345678")).toEqual({ ok: false });
	});

	it("refuses what Excel does to a long number it shows in scientific notation", () => {
		expect(parseMobile("9.12E+08")).toEqual({ ok: false });
		expect(parseMobile("912345678.0")).toEqual({ ok: false });
	});

	it("refuses letters, parentheses and other separators", () => {
		expect(parseMobile("0912-345-67a")).toEqual({ ok: false });
		expect(parseMobile("(0912)345678")).toEqual({ ok: false });
		expect(parseMobile("0912.345.678")).toEqual({ ok: false });
		expect(parseMobile("0912345678#12")).toEqual({ ok: false });
	});
});
