import { describe, expect, it } from "vitest";
import { checkDigitFor, idKind, isValidIdNo } from "../../../workers/domain/national-id.ts";

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

describe("idKind", () => {
	it("tells a national ID from new and old resident numbers by shape alone", () => {
		expect(idKind("A123456789")).toBe("national");
		expect(idKind("F234567890")).toBe("national");
		expect(idKind("A800000014")).toBe("resident-new");
		expect(idKind("A912345678")).toBe("resident-new");
		expect(idKind("AA00000009")).toBe("resident-old");
		expect(idKind("AD12345678")).toBe("resident-old");
	});

	it("does not look at the check digit", () => {
		expect(idKind("A123456788")).toBe("national");
		expect(idKind("AB12345678")).toBe("resident-old");
	});

	it("rejects second characters no format uses", () => {
		for (const second of ["0", "3", "4", "5", "6", "7", "E", "I", "O", "Z"]) {
			expect(idKind(`A${second}23456789`), second).toBeNull();
		}
	});

	it("rejects wrong lengths, lower case and non-letter starts", () => {
		expect(idKind("A12345678")).toBeNull();
		expect(idKind("A1234567890")).toBeNull();
		expect(idKind("a123456789")).toBeNull();
		expect(idKind("Ab00207171")).toBeNull();
		expect(idKind("1123456789")).toBeNull();
		expect(idKind("")).toBeNull();
		expect(idKind(" A123456789")).toBeNull();
	});
});

describe("isValidIdNo", () => {
	it("accepts the specification's valid samples of all three formats", () => {
		expect(isValidIdNo("A123456789")).toBe(true);
		expect(isValidIdNo("A800000014")).toBe(true);
		expect(isValidIdNo("AA00000009")).toBe(true);
		expect(isValidIdNo("AB00207171")).toBe(true);
	});

	it("refuses the seed's example ID Z987654321, whose check digit should be 0", () => {
		expect(isValidIdNo("Z987654321")).toBe(false);
		expect(isValidIdNo("Z987654320")).toBe(true);
	});

	it("rejects the specification's invalid samples", () => {
		expect(isValidIdNo("A123456788")).toBe(false);
		expect(isValidIdNo("AB12345678")).toBe(false);
	});

	it("rejects lower case, leaving normalisation to the caller", () => {
		expect(isValidIdNo("a123456789")).toBe(false);
		expect(isValidIdNo("ab00207171")).toBe(false);
	});

	it("rejects full-width digits, leaving normalisation to the caller", () => {
		expect(isValidIdNo("Ａ１２３４５６７８９")).toBe(false);
	});

	it("rejects I and O (or any letter past D) as an old resident number's second letter", () => {
		for (const second of "EIOZ") {
			for (let d = 0; d <= 9; d++) {
				expect(isValidIdNo(`A${second}0000000${d}`), `A${second}0000000${d}`).toBe(false);
			}
		}
	});

	it("accepts exactly one check digit for every nine-character prefix", () => {
		for (const first9 of ["A12345678", "A80000001", "AA0000000", "AB0020717", "Z23456789", "O98765432"]) {
			const valid = [..."0123456789"].filter((d) => isValidIdNo(first9 + d));
			expect(valid, first9).toEqual([checkDigitFor(first9)]);
		}
	});

	it("uses the NHI letter order, where I and O come last and W sits between Y and Z", () => {
		// An alphabetical table (I=18, J=19, X=33, Y=34) would give 7, 8, 0 and 1 here.
		expect(checkDigitFor("I12345678")).toBe("1");
		expect(checkDigitFor("J12345678")).toBe("7");
		expect(checkDigitFor("X12345678")).toBe("7");
		expect(checkDigitFor("Y12345678")).toBe("8");
		expect(checkDigitFor("O12345678")).toBe("2");
		expect(checkDigitFor("W12345678")).toBe("9");
	});

	it("counts an old resident number's second letter as its code modulo 10", () => {
		// A=10→0, B=11→1, C=12→2, D=13→3; the second position has weight 8.
		expect(checkDigitFor("AA0000000")).toBe("9");
		expect(checkDigitFor("AB0000000")).toBe("1");
		expect(checkDigitFor("AC0000000")).toBe("3");
		expect(checkDigitFor("AD0000000")).toBe("5");
	});

	it("catches a mistyped check digit and a transposition of neighbouring digits", () => {
		expect(isValidIdNo("A123456780")).toBe(false);
		expect(isValidIdNo("A213456789")).toBe(false);
		expect(isValidIdNo("A132456789")).toBe(false);
		expect(isValidIdNo("A124356789")).toBe(false);
	});

	it("catches a mistyped first letter", () => {
		const valid = [...LETTERS].filter((letter) => isValidIdNo(`${letter}123456789`));
		// Letters whose codes give the same weighted sum mod 10 are indistinguishable by design.
		expect(valid).toContain("A");
		expect(valid.length).toBeLessThan(LETTERS.length);
	});
});

describe("checkDigitFor", () => {
	it("completes nine characters into a valid ID of the same kind", () => {
		for (const first9 of ["A12345678", "B28765432", "A80000001", "C91234567", "AA0000000", "ZD1234567"]) {
			const id = first9 + checkDigitFor(first9);
			expect(isValidIdNo(id), id).toBe(true);
		}
		expect(checkDigitFor("A12345678")).toBe("9");
		expect(checkDigitFor("A80000001")).toBe("4");
		expect(checkDigitFor("AB0020717")).toBe("1");
	});

	it("works for every first letter and every format", () => {
		for (const letter of LETTERS) {
			for (const second of ["1", "2", "8", "9", "A", "B", "C", "D"]) {
				const first9 = `${letter}${second}1234567`;
				expect(isValidIdNo(first9 + checkDigitFor(first9)), first9).toBe(true);
			}
		}
	});

	it("refuses a prefix that no format can complete", () => {
		expect(() => checkDigitFor("A1234567")).toThrow(RangeError);
		expect(() => checkDigitFor("A323456789")).toThrow(RangeError);
		expect(() => checkDigitFor("AE0000000")).toThrow(RangeError);
		expect(() => checkDigitFor("a12345678")).toThrow(RangeError);
	});
});
