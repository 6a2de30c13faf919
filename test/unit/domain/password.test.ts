import { describe, expect, it } from "vitest";
import {
	CONFIRM_MISMATCH,
	CONFIRM_MISMATCH_MESSAGE,
	PASSWORD_MAX_LENGTH,
	PASSWORD_MIN_LENGTH,
	PASSWORD_PROBLEM_MESSAGES,
	STRENGTHS,
	passwordProblems,
	passwordStrength,
	ratePassword,
} from "../../../workers/domain/password.ts";

// 1990-03-05 is 民國79年3月5日.
const CTX = { idNo: "A123456789", birthDate: "1990-03-05" };

describe("passwordStrength", () => {
	it("lists the meter's four levels weakest first, as on the seed's page", () => {
		expect(STRENGTHS).toEqual(["弱", "中", "中強", "強"]);
	});

	it("rates upper, lower, digit and symbol with 8 or more characters as 強", () => {
		expect(passwordStrength("Abcdef1!")).toBe("強");
		expect(passwordStrength("Nhi-2024#Card")).toBe("強");
	});

	it("rates all four classes under 8 characters as 中強", () => {
		expect(passwordStrength("Abc1!x")).toBe("中強");
		expect(passwordStrength("Abcd1!x")).toBe("中強");
	});

	it("rates three classes as 中強, whatever the length", () => {
		expect(passwordStrength("Abcdef12")).toBe("中強");
		expect(passwordStrength("abcdef1!")).toBe("中強");
		expect(passwordStrength("ABCDEF1!")).toBe("中強");
		expect(passwordStrength("Abcdef!!")).toBe("中強");
		expect(passwordStrength("Ab1")).toBe("中強");
	});

	it("rates two classes as 中", () => {
		expect(passwordStrength("abcdef12")).toBe("中");
		expect(passwordStrength("Abcdefgh")).toBe("中");
		expect(passwordStrength("123456!@")).toBe("中");
	});

	it("rates one class or nothing as 弱", () => {
		expect(passwordStrength("")).toBe("弱");
		expect(passwordStrength("abcdefghijkl")).toBe("弱");
		expect(passwordStrength("ABCDEFGH")).toBe("弱");
		expect(passwordStrength("12345678")).toBe("弱");
		expect(passwordStrength("!@#$%^&*")).toBe("弱");
	});

	it("counts the seed's example symbols -!@#%& and non-ASCII characters as symbols", () => {
		for (const symbol of "-!@#%&") expect(passwordStrength(`Abcdef1${symbol}`), symbol).toBe("強");
		expect(passwordStrength("Abcdef1健")).toBe("強");
	});

	it("rates a password typed with a full-width IME as the half-width password it is (NFKC): ａｂｃ１２３ is abc123", () => {
		expect(passwordStrength("ａｂｃ１２３")).toBe(passwordStrength("abc123"));
		expect(passwordStrength("Ｎｈｉ－２０２４＃ｏｋ")).toBe("強");
	});
});

describe("passwordProblems", () => {
	it("accepts a password that follows every rule", () => {
		expect(passwordProblems("Nhi-2024#ok", CTX)).toEqual([]);
		expect(passwordProblems("abcdef", CTX)).toEqual([]);
	});

	it("requires 6 to 12 characters", () => {
		expect(PASSWORD_MIN_LENGTH).toBe(6);
		expect(PASSWORD_MAX_LENGTH).toBe(12);
		expect(passwordProblems("", CTX)).toEqual(["LENGTH"]);
		expect(passwordProblems("abcde", CTX)).toEqual(["LENGTH"]);
		expect(passwordProblems("abcdef", CTX)).toEqual([]);
		expect(passwordProblems("abcdefghijkl", CTX)).toEqual([]);
		expect(passwordProblems("abcdefghijklm", CTX)).toEqual(["LENGTH"]);
	});

	it("counts a character outside the BMP as one character", () => {
		expect(passwordProblems("abcde😀", CTX)).toEqual([]);
		expect(passwordProblems("abcdefghijk😀", CTX)).toEqual([]);
	});

	it("forbids spaces (including the full-width space and tabs) and < > ' \"", () => {
		for (const ch of [" ", "\u3000", "\t", "<", ">", "'", '"']) {
			expect(passwordProblems(`abc${ch}def`, CTX), JSON.stringify(ch)).toEqual(["FORBIDDEN_CHAR"]);
		}
	});

	it("forbids the full-width ＜ ＞ ＇ ＂ as it forbids < > ' \" (NFKC before the rules)", () => {
		for (const ch of ["＜", "＞", "＇", "＂", "\uFE64", "\uFE65"]) {
			expect(passwordProblems(`abc${ch}def`, CTX), JSON.stringify(ch)).toEqual(["FORBIDDEN_CHAR"]);
		}
	});

	it("forbids the ID number typed in full-width", () => {
		expect(passwordProblems("Ａ１２３４５６７８９", CTX)).toContain("CONTAINS_ID");
	});

	it("forbids the ID number, in any letter case", () => {
		expect(passwordProblems("A123456789", CTX)).toEqual(["CONTAINS_ID"]);
		expect(passwordProblems("xa123456789", CTX)).toEqual(["CONTAINS_ID"]);
		expect(passwordProblems("a123456789!", { idNo: "a123456789", birthDate: CTX.birthDate })).toEqual(["CONTAINS_ID"]);
		expect(passwordProblems("A12345678x", CTX)).toEqual([]);
	});

	it("forbids the Western birth date as yyyymmdd, with separators, and as MMddyyyy", () => {
		for (const form of ["19900305", "1990-03-05", "1990/03/05", "1990.03.05", "03051990"]) {
			expect(passwordProblems(`x${form}`, CTX), form).toEqual(["CONTAINS_BIRTH_DATE"]);
		}
	});

	it("forbids the ROC birth date yyyMMdd with and without the leading zero", () => {
		for (const form of ["0790305", "790305", "079/03/05", "79/03/05", "79-03-05", "79.03.05"]) {
			expect(passwordProblems(`Ab${form}`, CTX), form).toEqual(["CONTAINS_BIRTH_DATE"]);
		}
	});

	it("forbids the two-digit-year birth date yymmdd", () => {
		expect(passwordProblems("Ab900305", CTX)).toEqual(["CONTAINS_BIRTH_DATE"]);
	});

	it("handles people born from 民國100年 on, whose ROC year has three digits", () => {
		const ctx = { idNo: "A123456789", birthDate: "2011-10-10" };
		expect(passwordProblems("x1001010", ctx)).toEqual(["CONTAINS_BIRTH_DATE"]);
		expect(passwordProblems("x20111010", ctx)).toEqual(["CONTAINS_BIRTH_DATE"]);
		expect(passwordProblems("x0791010", ctx)).toEqual([]);
	});

	it("does not mistake other dates or partial dates for the birth date", () => {
		expect(passwordProblems("Ab19900306", CTX)).toEqual([]);
		expect(passwordProblems("Ab0305", CTX)).toEqual([]);
		expect(passwordProblems("Ab1990", CTX)).toEqual([]);
		expect(passwordProblems("Ab79035", CTX)).toEqual([]);
	});

	it("skips the birth-date rule when the birth date is unknown or malformed", () => {
		expect(passwordProblems("19900305", { idNo: CTX.idNo, birthDate: "" })).toEqual([]);
		expect(passwordProblems("19900305", { idNo: CTX.idNo, birthDate: "1990/03/05" })).toEqual([]);
	});

	it("skips the ID rule when the ID is empty", () => {
		expect(passwordProblems("abcdef", { idNo: "", birthDate: CTX.birthDate })).toEqual([]);
	});

	it("lists every broken rule in the page's order", () => {
		expect(passwordProblems("<A123456789 19900305>", CTX)).toEqual([
			"LENGTH",
			"FORBIDDEN_CHAR",
			"CONTAINS_ID",
			"CONTAINS_BIRTH_DATE",
		]);
	});
});

describe("ratePassword (what the meter shows)", () => {
	const person = { idNo: "A123456789", birthDate: "1990-03-05" };

	it("rates a password that breaks a rule as a rule failure, not by its character classes", () => {
		expect(ratePassword("a1", person)).toEqual({ ok: false, problems: ["LENGTH"] });
		expect(ratePassword("Abcdef1!ghijk", person)).toEqual({ ok: false, problems: ["LENGTH"] });
		expect(ratePassword("Ab1!A123456789", person)).toEqual({ ok: false, problems: ["LENGTH", "CONTAINS_ID"] });
		expect(ratePassword("Ab 1!cd", person)).toEqual({ ok: false, problems: ["FORBIDDEN_CHAR"] });
		expect(ratePassword("Ab19900305", person)).toEqual({ ok: false, problems: ["CONTAINS_BIRTH_DATE"] });
	});

	it("gives an acceptable password its strength", () => {
		expect(["abcdef", "abcdef1", "Abcdef1", "Abcdef1!"].map((pw) => ratePassword(pw, person))).toEqual(
			["弱", "中", "中強", "強"].map((strength) => ({ ok: true, strength })),
		);
	});
});

describe("password messages", () => {
	it("uses the seed's wording for the length rule", () => {
		expect(PASSWORD_PROBLEM_MESSAGES.LENGTH).toBe("註冊密碼長度必需6-12碼。");
	});

	it("has a zh-TW message for every problem and for a confirmation that does not match", () => {
		for (const message of Object.values(PASSWORD_PROBLEM_MESSAGES)) expect(message).toMatch(/^註冊密碼.+。$/);
		expect(Object.keys(PASSWORD_PROBLEM_MESSAGES).sort()).toEqual(
			["CONTAINS_BIRTH_DATE", "CONTAINS_ID", "FORBIDDEN_CHAR", "LENGTH"],
		);
		expect(CONFIRM_MISMATCH).toBe("CONFIRM_MISMATCH");
		expect(CONFIRM_MISMATCH_MESSAGE).toContain("不一致");
	});
});
