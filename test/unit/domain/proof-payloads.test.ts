import { describe, expect, it } from "vitest";
import { decodeSubjectDirectoryAttributes, encodeSubjectDirectoryAttributes, MOEACA_BAN_OID, MOICA_ID_LAST4_OID } from "../../../workers/domain/proof-payloads.ts";

/** DER of SubjectDirectoryAttributes with one attribute whose value is a string of tag `tag`. */
function sdaWith(tag: number, value: Uint8Array): Uint8Array {
	const oid = [0x06, 0x07, 0x60, 0x86, 0x76, 0x01, 0x64, 0x02, 0x33]; // 2.16.886.1.100.2.51
	const string = [tag, value.length, ...value];
	const set = [0x31, string.length, ...string];
	const attribute = [0x30, oid.length + set.length, ...oid, ...set];
	return new Uint8Array([0x30, attribute.length, ...attribute]);
}

describe("Subject Directory Attributes", () => {
	it("reads back the 末四碼 and 統一編號 it writes", () => {
		const der = encodeSubjectDirectoryAttributes([
			{ oid: MOICA_ID_LAST4_OID, value: "6789" },
			{ oid: MOEACA_BAN_OID, value: "04595257" },
		]);
		const read = decodeSubjectDirectoryAttributes(der);
		expect(read.get(MOICA_ID_LAST4_OID)).toEqual(["6789"]);
		expect(read.get(MOEACA_BAN_OID)).toEqual(["04595257"]);
	});

	it("reads the 末四碼 whatever string type the CA chose: Printable, UTF8, IA5, Numeric, BMP", () => {
		const ascii = new TextEncoder().encode("6789");
		const bmp = new Uint8Array([0, 0x36, 0, 0x37, 0, 0x38, 0, 0x39]);
		for (const [tag, bytes] of [[0x13, ascii], [0x0c, ascii], [0x16, ascii], [0x12, ascii], [0x1e, bmp]] as const) {
			expect([tag, decodeSubjectDirectoryAttributes(sdaWith(tag, bytes)).get(MOICA_ID_LAST4_OID)]).toEqual([tag, ["6789"]]);
		}
	});

	it("skips a value that is not a string, and refuses bytes that are not Subject Directory Attributes", () => {
		expect(decodeSubjectDirectoryAttributes(sdaWith(0x02, new Uint8Array([0x01]))).get(MOICA_ID_LAST4_OID)).toEqual([]);
		expect(() => decodeSubjectDirectoryAttributes(new Uint8Array([0x04, 0x02, 0x31, 0x32]))).toThrow();
		expect(() => decodeSubjectDirectoryAttributes(sdaWith(0x13, new TextEncoder().encode("6789")).subarray(0, 8))).toThrow();
	});

	it("refuses to write a value that is not a PrintableString", () => {
		expect(() => encodeSubjectDirectoryAttributes([{ oid: MOICA_ID_LAST4_OID, value: "王" }])).toThrow(RangeError);
	});
});
