import { describe, expect, it } from "vitest";
import { columnLetter, headingOf, readFirstRow } from "../../../workers/domain/csv-columns.ts";

describe("recognising a header row by its cells", () => {
	it("knows the seed's spellings, with their notes in brackets and the column-E reminder", () => {
		for (const row of [
			["身分證號", "電子郵件", "行動電話", "連絡電話(區碼以-隔開,分機以#隔開)", "<第一列請勿上傳"],
			["身分證號", "電子郵件", "行動電話", "聯絡電話(區碼以#隔開,分機以#隔開)", "<-第一列請明確勿上傳"],
			["身分證號", "電子郵件", "行動電話", "聯絡電話"],
		]) {
			expect(readFirstRow(row), row.join(",")).toEqual({ kind: "header", problem: null });
		}
	});

	it("knows common variants and English aliases", () => {
		expect(headingOf("身份證字號")).toBe("idNo");
		expect(headingOf("身分證號/居留證號")).toBe("idNo");
		expect(headingOf("ＩＤ")).toBe("idNo");
		expect(headingOf("ID No.")).toBe("idNo");
		expect(headingOf("E-mail")).toBe("email");
		expect(headingOf("電子郵件信箱(E-mail)")).toBe("email");
		expect(headingOf("手機號碼")).toBe("mobile");
		expect(headingOf("Mobile Phone")).toBe("mobile");
		expect(headingOf("TEL")).toBe("phone");
		expect(headingOf("姓名")).toBeNull();
		expect(readFirstRow(["ID", "Email", "Mobile", "Phone"])).toEqual({ kind: "header", problem: null });
		expect(readFirstRow(["id_no", "e-mail", "mobile", "tel"])).toEqual({ kind: "header", problem: null });
	});

	it("reads examples in a heading's note as part of the heading", () => {
		expect(readFirstRow(["身分證號(例:A123456789)", "電子郵件(例:a@b.tw)", "行動電話(例:0912345678)", "聯絡電話(例:02-12345678#1234)"])).toEqual({ kind: "header", problem: null });
	});

	it("never takes a data row for a header", () => {
		expect(readFirstRow(["A123456789", "a@b.tw", "0912345678", ""])).toEqual({ kind: "data" });
		expect(readFirstRow(["王小明", "wang@b.tw", "0912345678"])).toEqual({ kind: "data" });
		expect(readFirstRow(["身分證號", "a@b.tw"])).toEqual({ kind: "data" });
		expect(readFirstRow(["員工名冊"])).toEqual({ kind: "data" });
	});

	it("says which column is where when the headings are in another order", () => {
		const row = readFirstRow(["電子郵件", "身分證號", "行動電話", "聯絡電話"]);
		expect(row).toEqual({ kind: "header", problem: "標題列中「電子郵件」在A欄(應在B欄)、「身分證號」在B欄(應在A欄)。" });
	});

	it("says where an extra 姓名 column before column E pushes the four columns", () => {
		const row = readFirstRow(["身分證號", "姓名", "電子郵件", "行動電話", "聯絡電話"]);
		expect(row).toEqual({
			kind: "header",
			problem: "標題列中「電子郵件」在C欄(應在B欄)、「行動電話」在D欄(應在C欄)、「聯絡電話」在E欄(應在D欄)、B欄「姓名」不是檔案欄位。",
		});
	});

	it("accepts extra columns after column D: their cells are noted per row, not imported", () => {
		expect(readFirstRow(["身分證號", "電子郵件", "行動電話", "聯絡電話", "姓名", "備註"])).toEqual({ kind: "header", problem: null });
	});

	it("names columns as Excel does", () => {
		expect([0, 3, 4, 25, 26, 27].map(columnLetter)).toEqual(["A", "D", "E", "Z", "AA", "AB"]);
	});
});
