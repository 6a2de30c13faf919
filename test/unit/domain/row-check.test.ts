import { describe, expect, it } from "vitest";
import { checkRowFormat } from "../../../workers/domain/row-check.ts";

const ID = "A123456789";
const EMAIL = "a123@example.com.tw";
const MOBILE = "0912345678";

describe("checkRowFormat", () => {
	it("accepts a complete row in the seed's layout", () => {
		expect(checkRowFormat([ID, EMAIL, MOBILE, "03-1234567#123"])).toEqual({
			ok: true,
			idNo: ID,
			email: EMAIL,
			mobile: MOBILE,
			phone: "03-1234567#123",
			notes: [],
		});
	});

	it("treats the contact phone as optional, whether the cell is empty or missing", () => {
		const expected = { ok: true, idNo: ID, email: EMAIL, mobile: MOBILE, phone: null, notes: [] };
		expect(checkRowFormat([ID, EMAIL, MOBILE, ""])).toEqual(expected);
		expect(checkRowFormat([ID, EMAIL, MOBILE, " \u3000"])).toEqual(expected);
		expect(checkRowFormat([ID, EMAIL, MOBILE])).toEqual(expected);
	});

	it("ignores the extra empty columns Excel leaves behind", () => {
		expect(checkRowFormat([ID, EMAIL, MOBILE, "", "", "", ""])).toMatchObject({ ok: true, phone: null });
	});

	it("normalises every cell: full-width (noted), padding, lower-case ID, domain case, phone format", () => {
		expect(checkRowFormat(["\u3000ａ１２３４５６７８９ ", " A123@Example.COM.TW ", "０９１２－３４５－６７８", "(02)2345-6789"])).toEqual({
			ok: true,
			idNo: ID,
			email: "A123@example.com.tw",
			mobile: MOBILE,
			phone: "02-23456789",
			notes: ["FULL_WIDTH_REPAIRED"],
		});
	});

	it("notes no repair for half-width cells with padding or an ideographic space around them", () => {
		expect(checkRowFormat(["\u3000a123456789 ", " A123@Example.COM.TW ", "0912-345-678", "(02)2345-6789"])).toMatchObject({ ok: true, notes: [] });
	});

	it("accepts old and new resident numbers", () => {
		expect(checkRowFormat(["AB00207171", EMAIL, MOBILE])).toMatchObject({ ok: true, idNo: "AB00207171" });
		expect(checkRowFormat(["a800000014", EMAIL, MOBILE])).toMatchObject({ ok: true, idNo: "A800000014" });
	});

	it("repairs a mobile number Excel stripped of its leading zero and notes the repair", () => {
		expect(checkRowFormat([ID, EMAIL, "912345678"])).toEqual({
			ok: true,
			idNo: ID,
			email: EMAIL,
			mobile: MOBILE,
			phone: null,
			notes: ["MOBILE_REPAIRED"],
		});
	});

	it("fails a bad ID with ID_INVALID and returns the normalised ID for the masked log line", () => {
		expect(checkRowFormat(["a123456788", EMAIL, MOBILE])).toEqual({ ok: false, idNo: "A123456788", code: "ID_INVALID" });
		expect(checkRowFormat(["AB12345678", EMAIL, MOBILE])).toEqual({ ok: false, idNo: "AB12345678", code: "ID_INVALID" });
	});

	it("fails an empty row or a missing ID with ID_INVALID and an empty ID", () => {
		expect(checkRowFormat([])).toEqual({ ok: false, idNo: "", code: "ID_INVALID" });
		expect(checkRowFormat(["", EMAIL, MOBILE])).toEqual({ ok: false, idNo: "", code: "ID_INVALID" });
	});

	it("fails a header row typed into the data with ID_INVALID", () => {
		expect(checkRowFormat(["身分證號", "電子郵件", "行動電話", "聯絡電話"])).toEqual({ ok: false, idNo: "身分證號", code: "ID_INVALID" });
	});

	it("requires the e-mail address", () => {
		expect(checkRowFormat([ID])).toEqual({ ok: false, idNo: ID, code: "EMAIL_INVALID" });
		expect(checkRowFormat([ID, "", MOBILE])).toEqual({ ok: false, idNo: ID, code: "EMAIL_INVALID" });
		expect(checkRowFormat([ID, "a123@example", MOBILE])).toEqual({ ok: false, idNo: ID, code: "EMAIL_INVALID" });
	});

	it("requires the mobile number", () => {
		expect(checkRowFormat([ID, EMAIL])).toEqual({ ok: false, idNo: ID, code: "MOBILE_INVALID" });
		expect(checkRowFormat([ID, EMAIL, ""])).toEqual({ ok: false, idNo: ID, code: "MOBILE_INVALID" });
		expect(checkRowFormat([ID, EMAIL, "02-12345678"])).toEqual({ ok: false, idNo: ID, code: "MOBILE_INVALID" });
	});

	it("fails a contact phone that is present but malformed", () => {
		expect(checkRowFormat([ID, EMAIL, MOBILE, "0212345678"])).toEqual({ ok: false, idNo: ID, code: "PHONE_INVALID" });
		expect(checkRowFormat([ID, EMAIL, MOBILE, "02-1234567"])).toEqual({ ok: false, idNo: ID, code: "PHONE_INVALID" });
	});

	it("reports the first failing column: ID, then e-mail, then mobile, then phone", () => {
		expect(checkRowFormat(["X", "bad", "bad", "bad"])).toMatchObject({ code: "ID_INVALID" });
		expect(checkRowFormat([ID, "bad", "bad", "bad"])).toMatchObject({ code: "EMAIL_INVALID" });
		expect(checkRowFormat([ID, EMAIL, "bad", "bad"])).toMatchObject({ code: "MOBILE_INVALID" });
		expect(checkRowFormat([ID, EMAIL, "912345678", "bad"])).toMatchObject({ code: "PHONE_INVALID" });
	});
});
