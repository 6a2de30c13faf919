import { describe, expect, it } from "vitest";
import { maskEmail, maskIdNo } from "../../../workers/domain/mask.ts";

describe("ID masking", () => {
	it("shows the first 6 characters as the seed's log does", () => {
		expect(maskIdNo("A230845678")).toBe("A23084****");
		expect(maskIdNo("P121234567")).toBe("P12123****");
		expect(maskIdNo("AB00207171")).toBe("AB0020****");
	});

	it("never shows more than 6 characters of a long value", () => {
		expect(maskIdNo("A2308456789999")).toBe("A23084****");
	});

	it("keeps at least 4 characters of a short value hidden", () => {
		expect(maskIdNo("")).toBe("****");
		expect(maskIdNo("A")).toBe("****");
		expect(maskIdNo("A1234")).toBe("A****");
		expect(maskIdNo("A12345678")).toBe("A1234****");
	});

	it("cannot be used to forge a log line", () => {
		expect(maskIdNo("A\r\n2016/7/13")).toBe("A??201****");
		expect(maskIdNo("A\r\n2016/7/13")).not.toMatch(/[\r\n]/);
	});

	it("does not split a character outside the BMP", () => {
		expect(maskIdNo("𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀")).toBe("𠀀𠀀𠀀𠀀𠀀𠀀****");
	});
});

describe("e-mail masking", () => {
	it("shows the first 2 characters of the local part and the domain", () => {
		expect(maskEmail("abcdef@example.com")).toBe("ab***@example.com");
		expect(maskEmail("Z987654321@eg.com.tw")).toBe("Z9***@eg.com.tw");
	});

	it("never shows the whole local part", () => {
		expect(maskEmail("ab@x.tw")).toBe("a***@x.tw");
		expect(maskEmail("a@x.tw")).toBe("***@x.tw");
		expect(maskEmail("@x.tw")).toBe("***@x.tw");
	});

	it("masks a value without @ like a local part", () => {
		expect(maskEmail("abcdef")).toBe("ab***");
		expect(maskEmail("")).toBe("***");
	});

	it("splits at the last @", () => {
		expect(maskEmail('"a@b"@example.com')).toBe('"a***@example.com');
	});
});
