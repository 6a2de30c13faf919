import { describe, expect, it } from "vitest";
import { normalizeEmail } from "../../../workers/domain/email.ts";

describe("normalizeEmail", () => {
	it("accepts the seed's example addresses", () => {
		expect(normalizeEmail("Z987654321@eg.com.tw")).toBe("Z987654321@eg.com.tw");
		expect(normalizeEmail("Z987654321@gg.com.tw")).toBe("Z987654321@gg.com.tw");
	});

	it("lower-cases the domain and keeps the local part as typed", () => {
		expect(normalizeEmail("Wang.XiaoMing@Example.COM.TW")).toBe("Wang.XiaoMing@example.com.tw");
	});

	it("trims the cell and turns full-width characters into half-width first", () => {
		expect(normalizeEmail("  name@example.com\u3000")).toBe("name@example.com");
		expect(normalizeEmail("ｎａｍｅ＠ｅｘａｍｐｌｅ．ｃｏｍ")).toBe("name@example.com");
		expect(normalizeEmail("\uFEFFname@example.com")).toBe("name@example.com");
	});

	it("accepts the atext symbols of a dot-atom local part, such as plus addressing", () => {
		expect(normalizeEmail("first.last+hr@example.com")).toBe("first.last+hr@example.com");
		expect(normalizeEmail("o'neil@example.com")).toBe("o'neil@example.com");
		expect(normalizeEmail("a!#$%&'*+-/=?^_`{|}~z@example.com")).toBe("a!#$%&'*+-/=?^_`{|}~z@example.com");
	});

	it("accepts sub-domains, hyphens and digits in labels, and punycode top-level domains", () => {
		expect(normalizeEmail("a@mail.nhi-test.gov.tw")).toBe("a@mail.nhi-test.gov.tw");
		expect(normalizeEmail("a@163.com")).toBe("a@163.com");
		expect(normalizeEmail("a@example.xn--kpry57d")).toBe("a@example.xn--kpry57d");
		expect(normalizeEmail("a@xn--fiq228c.tw")).toBe("a@xn--fiq228c.tw");
	});

	it("refuses an empty cell and values that are not addresses", () => {
		expect(normalizeEmail("")).toBeNull();
		expect(normalizeEmail("   ")).toBeNull();
		expect(normalizeEmail("name")).toBeNull();
		expect(normalizeEmail("name@")).toBeNull();
		expect(normalizeEmail("@example.com")).toBeNull();
		expect(normalizeEmail("0912345678")).toBeNull();
	});

	it("refuses a domain without a dot or with a numeric or one-letter top-level domain", () => {
		expect(normalizeEmail("name@localhost")).toBeNull();
		expect(normalizeEmail("name@example.c")).toBeNull();
		expect(normalizeEmail("name@example.123")).toBeNull();
		expect(normalizeEmail("name@192.168.0.1")).toBeNull();
		expect(normalizeEmail("name@[192.168.0.1]")).toBeNull();
	});

	it("refuses malformed domain labels", () => {
		expect(normalizeEmail("name@-example.com")).toBeNull();
		expect(normalizeEmail("name@example-.com")).toBeNull();
		expect(normalizeEmail("name@example..com")).toBeNull();
		expect(normalizeEmail("name@.example.com")).toBeNull();
		expect(normalizeEmail("name@example.com.")).toBeNull();
		expect(normalizeEmail("name@exa_mple.com")).toBeNull();
		expect(normalizeEmail(`name@${"a".repeat(64)}.com`)).toBeNull();
		expect(normalizeEmail(`name@${"a".repeat(63)}.com`)).toBe(`name@${"a".repeat(63)}.com`);
	});

	it("refuses misplaced dots in the local part", () => {
		expect(normalizeEmail(".name@example.com")).toBeNull();
		expect(normalizeEmail("name.@example.com")).toBeNull();
		expect(normalizeEmail("na..me@example.com")).toBeNull();
	});

	it("refuses quoted local parts, spaces, commas, a second @ and non-ASCII", () => {
		expect(normalizeEmail('"john doe"@example.com')).toBeNull();
		expect(normalizeEmail("john doe@example.com")).toBeNull();
		expect(normalizeEmail("a@b@example.com")).toBeNull();
		expect(normalizeEmail("a,b@example.com")).toBeNull();
		expect(normalizeEmail("a@example.com; b@example.com")).toBeNull();
		expect(normalizeEmail("王小明@example.com")).toBeNull();
		expect(normalizeEmail("name@例子.台灣")).toBeNull();
		expect(normalizeEmail("<name@example.com>")).toBeNull();
		expect(normalizeEmail("Name <name@example.com>")).toBeNull();
	});

	it("refuses a local part over 64 characters", () => {
		expect(normalizeEmail(`${"a".repeat(64)}@example.com`)).toBe(`${"a".repeat(64)}@example.com`);
		expect(normalizeEmail(`${"a".repeat(65)}@example.com`)).toBeNull();
	});

	it("refuses an address over 254 characters", () => {
		const domain = `${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.${"e".repeat(4)}.com`;
		const at254 = `${"a".repeat(254 - domain.length - 1)}@${domain}`;
		expect(at254.length).toBe(254);
		expect(normalizeEmail(at254)).toBe(at254);
		expect(normalizeEmail(`a${at254}`)).toBeNull();
	});
});
