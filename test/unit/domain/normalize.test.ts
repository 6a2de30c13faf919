import { describe, expect, it } from "vitest";
import { normalizeCell, normalizeIdNo, stripBidiControls } from "../../../workers/domain/normalize.ts";

describe("normalizeCell", () => {
	it("turns full-width letters and digits typed with a Chinese IME into half-width", () => {
		expect(normalizeCell("Ａ１２３")).toBe("A123");
		expect(normalizeCell("０９１２－３４５－６７８")).toBe("0912-345-678");
		expect(normalizeCell("ｎａｍｅ＠ｅｘａｍｐｌｅ．ｃｏｍ")).toBe("name@example.com");
	});

	it("trims ordinary, full-width (U+3000) and non-breaking spaces", () => {
		expect(normalizeCell("  A123  ")).toBe("A123");
		expect(normalizeCell("\u3000A123\u3000")).toBe("A123");
		expect(normalizeCell("\u00A0A123\u00A0")).toBe("A123");
		expect(normalizeCell("\tA123\r\n")).toBe("A123");
	});

	it("keeps a full-width space inside the value as one ordinary space", () => {
		expect(normalizeCell("02\u300012345678")).toBe("02 12345678");
	});

	it("strips a BOM and zero-width characters pasted from web pages, wherever they are", () => {
		expect(normalizeCell("\uFEFFA123456789")).toBe("A123456789");
		expect(normalizeCell("A12\u200B3456\u200C78\u200D9\u2060")).toBe("A123456789");
		expect(normalizeCell("\u200E0912345678\u200F")).toBe("0912345678");
		expect(normalizeCell("\u200B \u200B")).toBe("");
	});

	it("drops bidi embeddings, overrides and isolates, which would make a log line read backwards", () => {
		expect(normalizeCell("A12\u202E3456789")).toBe("A123456789");
		expect(normalizeCell("\u202Aa@b.tw\u202C")).toBe("a@b.tw");
		expect(normalizeCell("\u2066王\u2067小\u2068明\u2069\u202B\u202D\u061C")).toBe("王小明");
		expect(stripBidiControls("1100010001050801\u202Evsc.exe")).toBe("1100010001050801vsc.exe");
	});

	it("keeps every printable ASCII character as typed, inner spaces included", () => {
		const ascii = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i)).join(" ");
		expect(normalizeCell(ascii)).toBe(ascii);
		expect(normalizeCell(` ${ascii}\t`)).toBe(ascii);
	});

	it("leaves an already clean value and the empty cell alone", () => {
		expect(normalizeCell("Z987654321@eg.com.tw")).toBe("Z987654321@eg.com.tw");
		expect(normalizeCell("")).toBe("");
		expect(normalizeCell("\u3000 \u00A0")).toBe("");
	});

	it("keeps Chinese text as it is", () => {
		expect(normalizeCell(" 身分證號 ")).toBe("身分證號");
	});
});

describe("normalizeIdNo", () => {
	it("upper-cases an ID typed in lower case", () => {
		expect(normalizeIdNo("a123456789")).toBe("A123456789");
	});

	it("normalises a full-width, padded ID to the ten characters the checksum needs", () => {
		expect(normalizeIdNo("\u3000ａ１２３４５６７８９ ")).toBe("A123456789");
		expect(normalizeIdNo("\uFEFFab00207171")).toBe("AB00207171");
	});
});
